import Testing
import TetherTesting
import TetherUI

/// Launched work that holds the component mid-change for a while without awaiting; the body
/// counts the renders that read it meanwhile.
final class HoldingProbe: Component {
    static let holdFor = Duration.milliseconds(150)
    private var holding = false
    private(set) var overlaps = 0
    private(set) var finished = 0
    /// Whether every hold ran with the host's executor preferred, rather than on the global pool.
    private(set) var confined = true

    var body: Content {
        p(.id("overlaps")) { String(countOverlap()) }
        p(.id("finished")) { String(finished) }
        button(.id("launch")) { "Launch" }.onClick { self.launch { self.hold() } }
    }

    private func countOverlap() -> Int {
        if holding { overlaps += 1 }
        return overlaps
    }

    /// Asks for a render first, then stays mid-change: no render may read the component until
    /// this returns.
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

@Suite("ComponentTestHost runs launched work and its own renders one at a time, as a circuit does")
struct TestHostConfinementTests {
    @Test("nextRender never renders a component that launched work holds mid-change")
    func nextRenderWaitsForLaunchedWork() async throws {
        let probe = HoldingProbe()
        let host = try await ComponentTestHost(probe)
        for round in 1...3 {
            try await host.click("#launch")
            // The hold asks for a render as it starts: a host that rendered from outside the
            // executor (the click's own render, or nextRender's polling) would read it then.
            while host.find("#finished")?.text != String(round) { try await host.nextRender() }
        }
        #expect(probe.overlaps == 0, "a render read the component while launched work held it")
        #expect(probe.confined, "launched work ran without the host's executor")
    }
}
