import Testing
import TetherInterop
import TetherTesting
import TetherUI

final class Lifecycle: Component {
    var log: [String] = []
    var showChild = true
    var body: Content {
        if showChild { Child(Disposable.self) }
        button(.id("toggle")) { "toggle" }.onClick { self.showChild.toggle() }
    }
    override func onInitialized() async throws { log.append("initialized") }
    override func onAfterRender(firstRender: Bool) async throws { log.append("afterRender(\(firstRender))") }
}

final class Disposable: Component {
    nonisolated(unsafe) static var disposed = 0
    nonisolated(unsafe) static var cancelledWork = 0
    var body: Content { p(.id("child")) { "child" } }
    override func onAfterRender(firstRender: Bool) async throws {
        guard firstRender else { return }
        launch {
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                Disposable.cancelledWork += 1
            }
        }
    }
    override func dispose() async { Disposable.disposed += 1 }
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

@Suite(.serialized)
struct LifecycleTests {
    @Test func initializedThenAfterRenderOnceAsFirst() async throws {
        let host = try await ComponentTestHost(Lifecycle.self)
        #expect(host.component.log == ["initialized", "afterRender(true)"])
        try await host.click("#toggle")
        #expect(host.component.log == ["initialized", "afterRender(true)", "afterRender(false)"])
    }

    @Test func removedChildIsDisposedAndItsWorkCancelled() async throws {
        Disposable.disposed = 0
        Disposable.cancelledWork = 0
        let host = try await ComponentTestHost(Lifecycle.self)
        #expect(host.find("#child") != nil)
        try await host.click("#toggle")
        #expect(host.find("#child") == nil)
        #expect(Disposable.disposed == 1)
        for _ in 0..<200 where Disposable.cancelledWork == 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(Disposable.cancelledWork == 1)
    }

    @Test func launchedWorkCanAskForARender() async throws {
        let host = try await ComponentTestHost(Clock.self)
        for _ in 0..<200 where !host.renderRequested { try await Task.sleep(for: .milliseconds(5)) }
        #expect(host.renderRequested)
        host.render()
        #expect(host.find("#ticks")?.text == "1")
    }
}
