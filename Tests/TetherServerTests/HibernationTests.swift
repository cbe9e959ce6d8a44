import DemoApp
import Foundation
import MetricsTestKit
import Synchronization
import Testing
import TetherInterop
@testable import TetherServer
import TetherUI

/// The demo app with a short `hibernateAfter`, the probe page below, and test metrics: the
/// hibernation counters are how a test sees a circuit hibernate without touching it.
private func withHibernatingServer(
    after idle: Duration = .milliseconds(150), configure: @escaping (inout TetherApp) -> Void = { _ in },
    _ body: @Sendable (DemoServer, TestMetrics) async throws -> Void
) async throws {
    let metrics = TestMetrics()
    try await withDemoServer(configure: { app in
        app.pages = PageRouter(DemoApp.pages + [RevivalProbePage.self, InstanceCountingPage.self])
        app.limits.hibernateAfter = idle
        app.observability.metricsFactory = metrics
        configure(&app)
    }) { server in
        try await body(server, metrics)
    }
}

private func counter(_ metrics: TestMetrics, _ label: String) -> Int64 {
    (try? metrics.expectCounter(label).totalValue) ?? 0
}

private func hibernating(_ metrics: TestMetrics) -> Double {
    (try? metrics.expectMeter("tether_circuits_hibernated").lastValue) ?? 0
}

/// A page whose `onInitialized` throws once when told to: a revive that fails.
final class RevivalProbePage: Page {
    static let route = "/test/revival-probe"
    static let persisted = Persisted(("count", \RevivalProbePage.count))
    /// Set by the test once the circuit hibernated; the revive's `onInitialized` takes it.
    static let failNextInitialization = Atomic<Bool>(false)

    var count = 0

    override func onInitialized() async throws {
        if Self.failNextInitialization.exchange(false, ordering: .relaxed) { throw ProbeFailure() }
    }

    var body: Content {
        p { span(.id("count")) { count } }
        button(.id("increment")) { "+" }.onClick { self.count += 1 }
    }

    struct ProbeFailure: Error, CustomStringConvertible {
        var description: String { "the probe refused to initialize" }
    }
}

/// A page that counts its live instances: a hibernated circuit must hold none.
final class InstanceCountingPage: Page {
    static let route = "/test/instance-counting"
    static let persisted = Persisted(("count", \InstanceCountingPage.count))
    static let live = Atomic<Int>(0)

    var count = 0

    override init() {
        super.init()
        Self.live.add(1, ordering: .relaxed)
    }

    deinit { Self.live.subtract(1, ordering: .relaxed) }

    var body: Content {
        p { span(.id("count")) { count } }
        button(.id("increment")) { "+" }.onClick { self.count += 1 }
    }
}

@Suite("Hibernation: idle circuits drop their components and keep their socket", .timeLimit(.minutes(1)))
struct HibernationTests {
    @Test("an idle /counter hibernates; the next click revives it on the same socket: the count and the batch numbers go on")
    func hibernateAndRevive() async throws {
        try await withHibernatingServer { server, metrics in
            let (client, _) = try await server.startCircuit("/counter")
            for expected in 1...2 {
                try await client.click(id: "increment")
                try await client.renders(until: "the count is \(expected)") { $0.element(id: "count")?.textContent == "\(expected)" }
            }
            let batchBefore = client.lastBatch
            try await waitUntil("the circuit hibernates") { hibernating(metrics) == 1 }
            // At least once: on a loaded machine it may also have hibernated between the clicks.
            #expect(counter(metrics, "tether_circuit_hibernations_total") >= 1)
            #expect(client.unconsumed.isEmpty, "hibernating sends the page nothing: \(client.unconsumed)")
            #expect(!client.isClosed)
            let revivalsBefore = counter(metrics, "tether_circuit_revivals_total")

            try await client.click(id: "increment")
            let batches = try await client.renders(until: "the count is 3 after the revive") { $0.element(id: "count")?.textContent == "3" }
            #expect(batches.map(\.number) == [batchBefore + 1], "the revive sends no batch of its own; the click's is the next number")
            #expect(counter(metrics, "tether_circuit_revivals_total") == revivalsBefore + 1)
            #expect(hibernating(metrics) == 0)
            #expect(!client.isClosed, "the same socket serves the revived circuit")
            #expect(client.unexpectedMessages.isEmpty, "\(client.unexpectedMessages)")

            // It hibernates again once idle, and wakes again.
            let hibernationsSoFar = counter(metrics, "tether_circuit_hibernations_total")
            try await waitUntil("the circuit hibernates again") { counter(metrics, "tether_circuit_hibernations_total") > hibernationsSoFar }
            let revivesSoFar = try metrics.expectTimer("tether_circuit_revive_duration_seconds").values.count
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 4") { $0.element(id: "count")?.textContent == "4" }
            #expect(try metrics.expectTimer("tether_circuit_revive_duration_seconds").values.count == revivesSoFar + 1)
        }
    }

    @Test("an auto page's circuit hibernates and revives without its layout: the trial and the revive render it as the prerender did")
    func autoPageHibernates() async throws {
        try await withHibernatingServer { server, metrics in
            let (client, _) = try await server.startCircuit("/auto/counter")
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            let batchBefore = client.lastBatch
            // A trial render with the layout would not reproduce the page, and it would stay awake.
            try await waitUntil("the auto page's circuit hibernates") { hibernating(metrics) == 1 }
            try await client.click(id: "increment")
            let batches = try await client.renders(until: "the count is 2 after the revive") { $0.element(id: "count")?.textContent == "2" }
            #expect(batches.map(\.number) == [batchBefore + 1], "the revive rendered the page as shown: no replacing batch")
            #expect(client.dom?.root.first { $0.attribute("class") == "demo-nav" } == nil, "still no layout")
            #expect(client.unexpectedMessages.isEmpty, "\(client.unexpectedMessages)")
        }
    }

    @Test("a hibernated circuit holds none of its components; the revive makes one page again")
    func componentsAreFreed() async throws {
        try await withHibernatingServer { server, metrics in
            let (client, _) = try await server.startCircuit("/test/instance-counting")
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            #expect(InstanceCountingPage.live.load(ordering: .relaxed) >= 1)
            try await waitUntil("the circuit hibernates") { hibernating(metrics) == 1 }
            // The prerender's instance and the trial's are gone too: nothing else holds one.
            try await waitUntil("no instance of the page is left") { InstanceCountingPage.live.load(ordering: .relaxed) == 0 }
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 2") { $0.element(id: "count")?.textContent == "2" }
            #expect(InstanceCountingPage.live.load(ordering: .relaxed) == 1)
        }
    }

    @Test("after navigation inside the circuit, the page's components keep their ids through hibernation: its handlers still work")
    func navigatedPageHibernates() async throws {
        try await withHibernatingServer { server, metrics in
            let (client, _) = try await server.startCircuit("/shared")
            try await client.send(["nav", .string("/counter")])
            try await client.renders(until: "the counter is shown") { $0.element(id: "count")?.textContent == "0" }
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            // The counter was mounted after the shared page's components: a fresh render of
            // /counter would number it otherwise, and its handler ids with it.
            try await waitUntil("the navigated circuit hibernates") { hibernating(metrics) == 1 }
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 2 after the revive") { $0.element(id: "count")?.textContent == "2" }
            #expect(client.unexpectedMessages.isEmpty, "\(client.unexpectedMessages)")
        }
    }

    @Test("messages that arrive while the circuit hibernates are all handled after the revive, in order")
    func queuedMessagesKeepTheirOrder() async throws {
        try await withHibernatingServer { server, metrics in
            let (client, page) = try await server.startCircuit("/counter")
            let handler = try #require(page.dom.handlerID("click", id: "increment"))
            try await waitUntil("the circuit hibernates") { hibernating(metrics) == 1 }
            // One frame of three clicks, then two more frames at once: all wait for one revive.
            let clicks = (0..<3).map { #"["ev","\#(handler)",{"type":"click"},\#($0)]"# }
            try await client.sendText("[" + clicks.joined(separator: ",") + "]")
            try await client.send(["ev", .string(handler), ["type": "click"], .number(3)])
            try await client.send(["ev", .string(handler), ["type": "click"], .number(4)])
            try await client.renders(until: "the count is 5") { $0.element(id: "count")?.textContent == "5" }
            var handled: [Int] = []
            for _ in 0..<5 { handled.append(try #require(try await client.next(kind: "evd")[1]?.intValue)) }
            #expect(handled == [0, 1, 2, 3, 4], "each event ends in the order it was sent")
            #expect(counter(metrics, "tether_circuit_revivals_total") == 1)
            #expect(client.unexpectedMessages.isEmpty, "\(client.unexpectedMessages)")
        }
    }

    @Test("a circuit with unacknowledged batches stays awake, and hibernates once the page acknowledges them")
    func unacknowledgedBatchesKeepItAwake() async throws {
        try await withHibernatingServer(after: .milliseconds(100)) { server, metrics in
            let page = try await server.fetchPage("/counter")
            let client = try await server.connect(dom: page.dom, autoAck: false)
            _ = try await client.start(descriptor: page.descriptor, url: server.origin + "/counter")
            try await Task.sleep(for: .milliseconds(600))
            #expect(counter(metrics, "tether_circuit_hibernations_total") == 0, "batch 0 is not acknowledged")
            try await client.send(["ack", .number(client.lastBatch)])
            try await waitUntil("the circuit hibernates once acknowledged") { hibernating(metrics) == 1 }
        }
    }

    @Test("a handler awaiting JavaScript and a page running launch work stay awake")
    func busyCircuitsStayAwake() async throws {
        try await withHibernatingServer(after: .milliseconds(100)) { server, metrics in
            // /call-js-example-1's click awaits `convertArray`, which this client never answers.
            let (calling, page) = try await server.startCircuit("/call-js-example-1")
            let convert = try #require(page.dom.handlerID("click") { $0.tag == "button" && $0.textContent == "Convert Array" })
            try await calling.send(["ev", .string(convert), ["type": "click"]])
            _ = try await calling.next(kind: "c")
            // The home page's clock is `launch` work that never ends.
            _ = try await server.startCircuit("/")
            // An idle /counter beside them does hibernate: the server is hibernating circuits.
            _ = try await server.startCircuit("/counter")
            try await waitUntil("the idle /counter hibernates") { hibernating(metrics) == 1 }
            try await Task.sleep(for: .milliseconds(500))
            // Counted as now, not as ever: on a loaded machine the calling circuit can hibernate in
            // the 100 ms before its click arrives, which then revives it; busy, it must not again.
            #expect(hibernating(metrics) == 1, "only the idle /counter hibernates")
        }
    }

    @Test("a revive that fails ends only its circuit, with a fatal message and close code 4000")
    func failedRevive() async throws {
        try await withHibernatingServer { server, metrics in
            let (failing, _) = try await server.startCircuit("/test/revival-probe")
            try await failing.click(id: "increment")
            try await failing.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            let (other, _) = try await server.startCircuit("/counter")
            try await waitUntil("both circuits hibernate") { hibernating(metrics) == 2 }

            RevivalProbePage.failNextInitialization.store(true, ordering: .relaxed)
            try await failing.click(id: "increment")
            let fatal = try await failing.nextFatal()
            #expect(fatal.contains("could not be restored"), "\(fatal)")
            #expect(try await failing.closeFrame().code == 4000)
            try await waitUntil("the failed circuit ends") {
                (try? metrics.expectCounter("tether_circuits_ended_total", [("reason", "failed")]).totalValue) == 1
            }
            #expect(hibernating(metrics) == 1, "the other circuit still hibernates")

            try await other.click(id: "increment")
            try await other.renders(until: "the other circuit's count is 1") { $0.element(id: "count")?.textContent == "1" }
        }
    }

    @Test("a shared model a hibernated page read changes: the circuit revives and its page shows the new value")
    func sharedModelRevives() async throws {
        try await withHibernatingServer { server, metrics in
            let (sleeper, _) = try await server.startCircuit("/shared")
            try await waitUntil("the circuit hibernates") { hibernating(metrics) == 1 }
            let before = try #require(sleeper.dom?.element(id: "shared-count")?.textContent)
            let (clicker, _) = try await server.startCircuit("/shared")
            try await clicker.click(id: "shared-increment")
            let after = "\(try #require(Int(before)) + 1)"
            try await clicker.renders(until: "the clicking page shows \(after)") { $0.element(id: "shared-count")?.textContent == after }
            // No message from the sleeping page: the model's change itself wakes its circuit.
            try await sleeper.renders(until: "the hibernated page shows \(after) too") { $0.element(id: "shared-count")?.textContent == after }
            #expect(counter(metrics, "tether_circuit_revivals_total") >= 1)
            #expect(sleeper.unexpectedMessages.isEmpty, "\(sleeper.unexpectedMessages)")
        }
    }

    @Test("with a store, a hibernated circuit pauses from its snapshot, and the page resumes it with its state")
    func pauseWhileHibernated() async throws {
        let store = MemoryCircuitStore()
        try await withHibernatingServer(configure: { $0.persistence.storage = .store(store) }) { server, metrics in
            let (client, page) = try await server.startCircuit("/counter")
            for expected in 1...2 {
                try await client.click(id: "increment")
                try await client.renders(until: "the count is \(expected)") { $0.element(id: "count")?.textContent == "\(expected)" }
            }
            let id = try #require(client.configuration?["circuitId"]?.stringValue)
            let secret = try #require(client.configuration?["secret"]?.stringValue)
            try await waitUntil("the circuit hibernates") { hibernating(metrics) == 1 }
            // On a loaded machine the circuit may already have hibernated between the two clicks
            // (150 ms apart at most is not guaranteed), and the second click revived it.
            let revivalsBeforePause = counter(metrics, "tether_circuit_revivals_total")
            try await client.send(["pause"])
            #expect(try await client.closeFrame().code == 4006)
            #expect(counter(metrics, "tether_circuit_revivals_total") == revivalsBeforePause, "a pause needs no revive")
            let saved = try #require(await store.load(id: id, now: Date()))
            #expect(String(decoding: saved.snapshot, as: UTF8.self).contains(#""count":2"#))

            let again = try await server.connect(dom: page.dom)
            try await again.send(["resume", .string(id), .string(secret), .number(client.lastBatch)])
            _ = try await again.nextRender()
            #expect(again.dom?.element(id: "count")?.textContent == "2")
        }
    }

    @Test("hibernateAfter nil turns hibernation off")
    func off() async throws {
        let metrics = TestMetrics()
        try await withDemoServer(configure: { app in
            app.limits.hibernateAfter = nil
            app.observability.metricsFactory = metrics
        }) { server in
            _ = try await server.startCircuit("/counter")
            try await Task.sleep(for: .milliseconds(400))
            #expect(counter(metrics, "tether_circuit_hibernations_total") == 0)
        }
    }
}

@Suite("A hibernated page's snapshot")
struct HibernatedPageTests {
    @Test("a snapshot is deflated only when that makes it smaller, and reads back the same states")
    func roundTrip() throws {
        // 17 bytes that DEFLATE cannot shrink: kept as they are.
        let empty = HibernatedPage(url: "/", states: ComponentStates(), shownHTML: "", lastBatch: 0)
        #expect(!empty.isDeflated)
        #expect(empty.storedBytes == ComponentStates().serialized().count)
        #expect(try empty.states() == ComponentStates())

        // /counter's 38 bytes already come out of DEFLATE a little smaller.
        let small = ComponentStates(components: ["Counter": ["count": .number(3)]])
        let counter = HibernatedPage(url: "/counter", states: small, shownHTML: "<p>3</p>", lastBatch: 4)
        #expect(counter.storedBytes <= small.serialized().count)
        #expect(try counter.states() == small)
        #expect(counter.shows("<p>3</p>") && !counter.shows("<p>4</p>"))

        let withIDs = HibernatedPage(
            url: "/counter", states: small, componentIDs: ["DemoLayout": 1, "Counter": 7, "Odd\u{0}Key": 9], shownHTML: "", lastBatch: 0)
        let contents = try withIDs.contents()
        #expect(contents.states == small)
        #expect(contents.componentIDs == ["DemoLayout": 1, "Counter": 7], "a place holding a NUL is left out")

        let rows = (0..<100).map { JSONValue.object([("title", .string("Todo number \($0)")), ("done", .bool($0 % 3 == 0))]) }
        let large = ComponentStates(components: ["Todos": ["items": .array(rows)], "Todos/Editor@0": ["draft": .string("milk")]])
        let deflated = HibernatedPage(url: "/todos", states: large, shownHTML: "", lastBatch: 0)
        #expect(deflated.isDeflated)
        #expect(deflated.storedBytes * 4 < large.serialized().count, "\(deflated.storedBytes) of \(large.serialized().count) bytes")
        #expect(try deflated.states() == large)
    }
}
