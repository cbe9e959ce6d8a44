import NIOCore
import NIOEmbedded
import NIOWebSocket
import Synchronization
import Testing
import TetherInterop
import TetherProtocol
@testable import TetherServer

/// The outbox's batching and closing, on an embedded channel whose clock the test moves.
@Suite("WebSocketOutbox")
struct WebSocketOutboxTests {
    final class Closes: Sendable {
        let reasons = Mutex<[CircuitClose]>([])
        var count: Int { reasons.withLock { $0.count } }
    }

    /// Holds every write until the test lets it through, like a socket whose peer stopped reading.
    final class HeldWrites: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = WebSocketFrame
        var held: [(NIOAny, EventLoopPromise<Void>?)] = []
        var context: ChannelHandlerContext?

        func handlerAdded(context: ChannelHandlerContext) { self.context = context }
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) { held.append((data, promise)) }
        func flush(context: ChannelHandlerContext) {}

        func release() {
            guard let context else { return }
            let writes = held
            held.removeAll()
            for (data, promise) in writes { context.write(data, promise: promise) }
            context.flush()
        }
    }

    final class Congestion: Sendable {
        let changes = Mutex<[Bool]>([])
    }

    let channel = EmbeddedChannel()
    let closes = Closes()

    func makeOutbox(backpressure: WebSocketOutbox.Backpressure = .unlimited) -> WebSocketOutbox {
        let closes = closes
        return WebSocketOutbox(channel: channel, backpressure: backpressure) { reason in closes.reasons.withLock { $0.append(reason) } }
    }

    func waitForClose() async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while closes.count == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
    }

    /// The text of every frame written so far.
    func writtenFrames() throws -> [String] {
        var texts: [String] = []
        while let frame = try channel.readOutbound(as: WebSocketFrame.self) {
            #expect(frame.opcode == .text && frame.fin)
            texts.append(String(buffer: frame.data))
        }
        return texts
    }

    @Test("messages enqueued before the event loop gets to them go out as one frame")
    func batchesOneTurn() throws {
        let outbox = makeOutbox()
        outbox.enqueue(.protocolError("a"))
        outbox.enqueue(.protocolError("b"))
        outbox.enqueue(.protocolError("c"))
        #expect(try writtenFrames().isEmpty)
        channel.embeddedEventLoop.run()
        #expect(try writtenFrames() == [#"[["err","a"],["err","b"],["err","c"]]"#])
    }

    @Test("a frame follows the previous one no sooner than the minimum interval; after a quiet spell it goes at once")
    func minimumInterval() throws {
        let loop = channel.embeddedEventLoop
        loop.advanceTime(by: .seconds(1))
        let outbox = makeOutbox()
        outbox.enqueue(.protocolError("first"))
        loop.run()
        #expect(try writtenFrames().count == 1)

        outbox.enqueue(.protocolError("second"))
        outbox.enqueue(.protocolError("third"))
        loop.run()
        loop.advanceTime(by: WebSocketOutbox.minimumFrameInterval - .nanoseconds(1))
        #expect(try writtenFrames().isEmpty)
        loop.advanceTime(by: .nanoseconds(1))
        #expect(try writtenFrames() == [#"[["err","second"],["err","third"]]"#])

        loop.advanceTime(by: .milliseconds(5))
        outbox.enqueue(.protocolError("later"))
        loop.run()
        #expect(try writtenFrames() == [#"[["err","later"]]"#])
    }

    @Test("a fatal is the last message: the socket is closed once and later messages are dropped")
    func fatalCloses() async throws {
        let outbox = makeOutbox()
        outbox.enqueue(.protocolError("before"))
        outbox.enqueue(.fatal("boom"))
        outbox.enqueue(.protocolError("same turn, still written"))
        channel.embeddedEventLoop.run()
        #expect(try writtenFrames() == [#"[["err","before"],["fatal","boom"],["err","same turn, still written"]]"#])
        outbox.enqueue(.protocolError("after"))
        outbox.requestClose(CircuitClose(.policy, "ignored: the socket is already closing"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try writtenFrames().isEmpty)
        try await waitForClose()
        #expect(closes.reasons.withLock { $0 } == [CircuitClose(.fatal, "boom")])
    }

    @Test("the last message decides the close code: bye is 1001, rejected is 4001; an explicit reason wins")
    func closeCodes() async throws {
        let outbox = makeOutbox()
        outbox.enqueue(.shutdown("restarting"))
        channel.embeddedEventLoop.run()
        try await waitForClose()
        #expect(closes.reasons.withLock { $0 } == [CircuitClose(.goingAway, "restarting")])

        let second = WebSocketOutboxTests()
        let other = second.makeOutbox()
        other.enqueue(.fatal("no such descriptor"), thenClose: CircuitClose(.descriptorRefused, "circuit refused: bad"))
        second.channel.embeddedEventLoop.run()
        try await second.waitForClose()
        #expect(second.closes.reasons.withLock { $0 } == [CircuitClose(.descriptorRefused, "circuit refused: bad")])
        #expect(CircuitClose(.rejected, "x").webSocketCode == .unknown(4001))
        #expect(CircuitClose(.policy, String(repeating: "é", count: 200)).reason.utf8.count <= 123)
    }

    @Test("output the socket has not taken congests the circuit past the pause mark, and frees it at half")
    func congestion() async throws {
        let held = HeldWrites()
        try channel.pipeline.syncOperations.addHandler(held)
        let outbox = makeOutbox(backpressure: .init(pauseBytes: 1000, maxBytes: 100_000))
        let congestion = Congestion()
        let account = BudgetAccount(MemoryBudget(limit: 1 << 20))
        outbox.serve(budget: account) { congested in congestion.changes.withLock { $0.append(congested) } }
        outbox.enqueue(.interop(.bytes(id: 1, payload: Array(repeating: 7, count: 600))))
        channel.embeddedEventLoop.run()
        #expect(congestion.changes.withLock { $0 }.isEmpty)
        #expect(account.held >= 600)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        outbox.enqueue(.interop(.bytes(id: 2, payload: Array(repeating: 7, count: 600))))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(congestion.changes.withLock { $0 } == [true])
        let drained = Task { await outbox.waitUntilDrained() }
        held.release()
        await drained.value
        #expect(congestion.changes.withLock { $0 } == [true, false])
        #expect(account.held == 0)
    }

    @Test("past the most output a socket may hold, it is closed with 1008")
    func closesWhenNotDraining() async throws {
        let held = HeldWrites()
        try channel.pipeline.syncOperations.addHandler(held)
        let outbox = makeOutbox(backpressure: .init(pauseBytes: 100, maxBytes: 1000))
        outbox.enqueue(.interop(.bytes(id: 1, payload: Array(repeating: 1, count: 1500))))
        channel.embeddedEventLoop.run()
        try await waitForClose()
        #expect(closes.reasons.withLock { $0 }.map(\.code) == [.policy])
    }

    @Test("a congested socket that takes nothing for the stall timeout is closed with 1008")
    func closesWhenStalled() async throws {
        let held = HeldWrites()
        try channel.pipeline.syncOperations.addHandler(held)
        let outbox = makeOutbox(backpressure: .init(pauseBytes: 100, maxBytes: 100_000, stallTimeout: .seconds(5)))
        outbox.enqueue(.interop(.bytes(id: 1, payload: Array(repeating: 1, count: 500))))
        channel.embeddedEventLoop.run()
        let reader = Task { await outbox.waitUntilDrained() }
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(closes.count == 0, "still within the stall timeout")
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        try await waitForClose()
        #expect(closes.reasons.withLock { $0 }.first?.code == .policy)
        await reader.value
        #expect(!outbox.isAccepting, "a reader waiting for the drain is let go when the socket closes")
    }

    @Test("past the client's hard memory bound, the socket is closed with 1008")
    func closesPastHardBound() async throws {
        let held = HeldWrites()
        try channel.pipeline.syncOperations.addHandler(held)
        let outbox = makeOutbox()
        outbox.serve(budget: BudgetAccount(MemoryBudget(limit: 800, hardLimit: 1000))) { _ in }
        outbox.enqueue(.interop(.bytes(id: 1, payload: Array(repeating: 1, count: 1200))))
        channel.embeddedEventLoop.run()
        try await waitForClose()
        #expect(closes.reasons.withLock { $0 }.first?.reason.contains("memory budget") == true)
    }

    @Test("after finish, nothing more is queued")
    func finishStopsQueueing() throws {
        let outbox = makeOutbox()
        outbox.finish()
        outbox.enqueue(.protocolError("late"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try writtenFrames().isEmpty)
    }
}
