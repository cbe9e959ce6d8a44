import Testing
import TetherInterop
import TetherTesting
import TetherUI

final class Lifecycle: Component {
    var log: [String] = []
    var showChild = true
    var body: Content {
        if showChild { Disposable() }
        button(.id("toggle")) { "toggle" }.onClick { self.showChild.toggle() }
    }
    override func onInitialized() async throws { log.append("initialized") }
    override func onAfterRender(firstRender: Bool) async throws { log.append("afterRender(\(firstRender))") }
}

final class Disposable: Component {
    /// Every instance mounted, so a test reads the counters of its own child: the work another
    /// test's child cancels can end after that test did.
    nonisolated(unsafe) static var made: [Disposable] = []
    var disposed = 0
    var cancelledWork = 0
    override func onInitialized() async throws { Self.made.append(self) }
    var body: Content { p(.id("child")) { "child" } }
    override func onAfterRender(firstRender: Bool) async throws {
        guard firstRender else { return }
        launch { [self] in
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                cancelledWork += 1
            }
        }
    }
    override func dispose() async { disposed += 1 }
}

final class Clock: Component {
    var ticks = 0
    var body: Content { span(.id("ticks")) { ticks } }
    override func onAfterRender(firstRender: Bool) async throws {
        guard firstRender else { return }
        launch { [weak self] in
            self?.ticks += 1
            self?.stateHasChanged()
        }
    }
}

/// A child whose body reads what its `onInitialized` sets up.
final class InitOrderChild: Component {
    nonisolated(unsafe) static var log: [String] = []
    var greeting: String?
    var body: Content {
        let _ = Self.log.append("body")
        p(.id("greeting")) { greeting ?? "not initialized" }
    }
    override func onInitialized() async throws {
        Self.log.append("initialized")
        greeting = "ready"
    }
}

final class InitOrderParent: Component {
    var body: Content { InitOrderChild() }
}

final class LateChildParent: Component {
    var showChild = false
    var body: Content {
        if showChild { InitOrderChild() }
        button(.id("add")) { "add" }.onClick { self.showChild = true }
    }
}

@Suite(.serialized)
struct LifecycleTests {
    @Test("a child's onInitialized runs before its body first runs, as the README promises")
    func childInitializedBeforeFirstRender() async throws {
        InitOrderChild.log = []
        let host = try await ComponentTestHost(InitOrderParent())
        #expect(host.find("#greeting")?.text == "ready")
        // The child is created in the parent's pass but renders nothing until its onInitialized
        // has run; its body runs once, after it.
        #expect(InitOrderChild.log == ["initialized", "body"])
    }

    @Test("a child an event adds is initialized before the host's render returns, as a circuit does")
    func childAddedByAnEventIsInitialized() async throws {
        InitOrderChild.log = []
        let host = try await ComponentTestHost(LateChildParent())
        #expect(InitOrderChild.log.isEmpty)
        try await host.click("#add")
        #expect(InitOrderChild.log.contains("initialized"), "log: \(InitOrderChild.log)")
        #expect(host.find("#greeting")?.text == "ready")
    }

    @Test func initializedThenAfterRenderOnceAsFirst() async throws {
        let host = try await ComponentTestHost(Lifecycle())
        #expect(host.component.log == ["initialized", "afterRender(true)"])
        try await host.click("#toggle")
        #expect(host.component.log == ["initialized", "afterRender(true)", "afterRender(false)"])
    }

    @Test func removedChildIsDisposedAndItsWorkCancelled() async throws {
        let madeBefore = Disposable.made.count
        let host = try await ComponentTestHost(Lifecycle())
        #expect(host.find("#child") != nil)
        try #require(Disposable.made.count == madeBefore + 1)
        let child = Disposable.made[madeBefore]
        try await host.click("#toggle")
        #expect(host.find("#child") == nil)
        #expect(child.disposed == 1)
        for _ in 0..<200 where child.cancelledWork == 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(child.cancelledWork == 1)
    }

    @Test func launchedWorkCanAskForARender() async throws {
        let host = try await ComponentTestHost(Clock())
        for _ in 0..<200 where !host.renderRequested { try await Task.sleep(for: .milliseconds(5)) }
        #expect(host.renderRequested)
        try host.render()
        #expect(host.find("#ticks")?.text == "1")
    }
}
