import Testing
import TetherInterop
import TetherServer
import TetherUI

/// A page whose handler and background work each hold the component for a while without awaiting,
/// and whose body counts the renders that read it meanwhile.
final class ConfinementProbePage: Page {
    static let route = "/_test/confinement"
    static let holdFor = Duration.milliseconds(150)
    private var holding = false
    private var overlaps = 0
    private var finished = 0
    /// Whether every stretch of component code so far ran with the circuit's executor preferred,
    /// checked where a component's own executor would otherwise be the global pool's.
    private var confined = true

    var body: Content {
        p(.id("overlaps")) { String(countOverlap()) }
        p(.id("finished")) { String(finished) }
        p(.id("confined")) { String(confined) }
        button(.id("hold-in-handler")) { "Hold" }.onClick { self.hold() }
        button(.id("hold-in-launch")) { "Launch" }.onClick { self.startHolding() }
    }

    // Built as `startUploads` is: a method hands the component's closure an async sequence and
    // runs it in launched work; the closure changes the component after the sequence ends.
    private func startHolding() {
        read { chunks in
            for try await _ in chunks {}
            self.hold()
        }
    }

    private func read(_ body: @escaping (ProbeChunks) async throws -> Void) {
        launch {
            try? await body(ProbeChunks(stream: AsyncThrowingStream(unfolding: {
                try await Task.sleep(for: .milliseconds(5))
                return nil
            })))
        }
    }

    private func countOverlap() -> Int {
        if holding { overlaps += 1 }
        return overlaps
    }

    /// Asks for a render, then keeps the component mid-change without suspending: no render may
    /// read it until this returns.
    private func hold() {
        confined = confined && withUnsafeCurrentTask { $0?.unownedTaskExecutor != nil }
        holding = true
        stateHasChanged()
        let until = ContinuousClock.now + Self.holdFor
        while ContinuousClock.now < until {}
        holding = false
        finished += 1
        stateHasChanged()
    }
}

/// An async sequence of our own over a stream, as `UploadChunks` is.
struct ProbeChunks: AsyncSequence {
    let stream: AsyncThrowingStream<Int, any Error>

    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: AsyncThrowingStream<Int, any Error>.AsyncIterator

        mutating func next() async throws -> Int? { try await next(isolation: nil) }

        mutating func next(isolation actor: isolated (any Actor)?) async throws -> Int? {
            try await inner.next(isolation: actor)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: stream.makeAsyncIterator()) }
}

/// Component code started by the circuit (event handlers, `launch`) runs on the circuit's executor,
/// so a render never reads a component while that code is changing it. Swift gives closures written
/// in a nonisolated component no actor of their own; before `CircuitExecutor`, these ran on the
/// global pool beside the circuit's renders, and an upload's last change could be lost.
@Suite("Component code and renders never run at once")
struct CircuitConfinementTests {
    static func configure(_ app: inout TetherApp) {
        app.pages = PageRouter(app.pages.entries.map(\.page) + [ConfinementProbePage.self])
    }

    @Test("an event handler and launched work run on the circuit's executor, and no render reads them mid-change", arguments: ["hold-in-launch", "hold-in-handler"])
    func renderWaitsForComponentCode(button: String) async throws {
        try await withDemoServer(configure: Self.configure) { server in
            let (client, _) = try await server.startCircuit(ConfinementProbePage.route)
            for round in 1...3 {
                try await client.click(id: button)
                try await client.renders(until: "the work finished \(round) times") {
                    $0.element(id: "finished")?.textContent == String(round)
                }
            }
            let dom = try #require(client.dom)
            #expect(dom.element(id: "confined")?.textContent == "true", "\(button) ran without the circuit's executor, beside its renders")
            let overlaps = dom.element(id: "overlaps")?.textContent
            #expect(overlaps == "0", "renders read the component while \(button) was changing it: \(overlaps ?? "?")")
        }
    }
}
