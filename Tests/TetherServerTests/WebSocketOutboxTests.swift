import NIOCore
import NIOEmbedded
import NIOWebSocket
import Synchronization
import Testing
import TetherInterop
@testable import TetherServer

/// The outbox's batching and closing, on an embedded channel whose clock the test moves.
@Suite("WebSocketOutbox")
struct WebSocketOutboxTests {
    final class Closes: Sendable {
        let count = Mutex(0)
    }

    let channel = EmbeddedChannel()
    let closes = Closes()

    func makeOutbox() -> WebSocketOutbox {
        let closes = closes
        return WebSocketOutbox(channel: channel) { closes.count.withLock { $0 += 1 } }
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
        outbox.requestClose()
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try writtenFrames().isEmpty)
        let deadline = ContinuousClock.now + .seconds(5)
        while closes.count.withLock({ $0 }) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        #expect(closes.count.withLock { $0 } == 1)
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
