import InMemoryTracing
import Logging
import MetricsTestKit
import Synchronization
import Testing
import TetherInterop
import TetherServer
import Tracing

/// The demo app served with test backends given through `TetherApp.observability`, never the
/// process's: MetricsSystem.bootstrap is one-shot and process-wide, and tests run in parallel.
private func withObservedServer(
    logs: LogLines? = nil, configure: (inout TetherApp) -> Void = { _ in },
    _ body: @Sendable (DemoServer, TestMetrics, InMemoryTracer) async throws -> Void
) async throws {
    let metrics = TestMetrics()
    let tracer = InMemoryTracer()
    try await withDemoServer(configure: { app in
        app.observability.metricsFactory = metrics
        app.observability.tracer = tracer
        if let logs { app.logger = Logger(label: "tether") { _ in CapturingLogHandler(sink: logs) } }
        configure(&app)
    }) { server in
        try await body(server, metrics, tracer)
    }
}

/// Polls `condition` until it holds: metrics and spans are written after the message that
/// reveals them to the client (a span ends once its render batch is sent).
private func eventually(_ what: String, _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + defaultWait
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimeout(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(5))
    }
}

@Suite("Metrics, spans and log metadata of a real server", .timeLimit(.minutes(1)))
struct ServerObservabilityTests {
    @Test("clicks on /counter move the event, render and batch metrics; each is a tether.event span of the circuit")
    func clicks() async throws {
        try await withObservedServer { server, metrics, tracer in
            let (client, page) = try await server.startCircuit("/counter")
            let circuitID = try #require(client.configuration?["circuitId"]?.stringValue)
            #expect(try metrics.expectCounter("tether_circuits_started_total", [("origin", "new")]).totalValue == 1)
            #expect(try metrics.expectMeter("tether_circuits_live").lastValue == 1)
            let handler = try #require(page.dom.handlerID("click", id: "increment"))
            for _ in 1...3 {
                try await client.send(["ev", .string(handler), ["type": "click"]])
                _ = try await client.nextRender()
            }
            try await eventually("three event spans") { tracer.finishedSpans.filter { $0.operationName == "tether.event" }.count == 3 }
            #expect(try metrics.expectCounter("tether_events_total").totalValue == 3)
            #expect(try metrics.expectTimer("tether_event_duration_seconds").values.count == 3)
            // The first render's batch is not an event's; every click's render is timed.
            #expect(try metrics.expectTimer("tether_render_duration_seconds").values.count >= 3)
            let batchBytes = try metrics.expectRecorder("tether_batch_bytes").values
            #expect(batchBytes.count == 4, "the first batch and one per click: \(batchBytes)")
            #expect(batchBytes.dropFirst().allSatisfy { $0 > 10 }, "\(batchBytes)")
            for span in tracer.finishedSpans where span.operationName == "tether.event" {
                #expect(span.attributes.get("tether.circuit.id") == .string(circuitID))
                #expect(span.attributes.get("tether.page") == .string("/counter"))
                #expect(span.parentSpanID == nil, "each event is a trace of its own")
            }

            await client.end()
            try await eventually("the circuit's end") {
                try metrics.expectCounter("tether_circuits_ended_total", [("reason", "closed")]).totalValue == 1
            }
            #expect(try metrics.expectMeter("tether_circuits_live").lastValue == 0)
        }
    }

    @Test("a Swift→JS call from a click is a child span of the event; a JS→Swift call a span of its own; both name the circuit")
    func interopSpans() async throws {
        try await withObservedServer { server, metrics, tracer in
            let (client, page) = try await server.startCircuit("/call-js-example-1")
            let circuitID = try #require(client.configuration?["circuitId"]?.stringValue)
            let handler = try #require(page.dom.handlerID("click") { $0.tag == "button" && $0.textContent == "Convert Array" })
            try await client.send(["ev", .string(handler), ["type": "click"]])
            let call = try await client.nextCall("convertArray")
            try await client.send(["done", .number(call.id), true, "<em>converted</em>"])
            _ = try await client.nextRender()
            try await client.send(["inv", 1, "Demo", "Add", [2, 3]])
            #expect(try await client.nextResult(id: 1).value == 5)

            try await eventually("the event and both interop spans") {
                Set(tracer.finishedSpans.map(\.operationName))
                    .isSuperset(of: ["tether.event", "tether.interop.swift_to_js", "tether.interop.js_to_swift"])
            }
            let spans = tracer.finishedSpans
            let event = try #require(spans.first { $0.operationName == "tether.event" })
            let toJS = try #require(spans.first { $0.operationName == "tether.interop.swift_to_js" })
            let toSwift = try #require(spans.first { $0.operationName == "tether.interop.js_to_swift" })
            #expect(toJS.parentSpanID == event.spanID)
            #expect(toJS.attributes.get("tether.interop.identifier") == .string("convertArray"))
            #expect(toSwift.attributes.get("tether.interop.method") == .string("Add"))
            for span in [event, toJS, toSwift] {
                #expect(span.attributes.get("tether.circuit.id") == .string(circuitID), "\(span.operationName)")
            }
            #expect(try metrics.expectCounter("tether_interop_calls_total", [("direction", "swift_to_js")]).totalValue == 1)
            #expect(try metrics.expectCounter("tether_interop_calls_total", [("direction", "js_to_swift")]).totalValue == 1)
            #expect(try metrics.expectTimer("tether_interop_call_duration_seconds", [("direction", "swift_to_js")]).values.count == 1)
            #expect(try metrics.expectTimer("tether_interop_call_duration_seconds", [("direction", "js_to_swift")]).values.count == 1)
        }
    }

    @Test("a message over maxTextMessageBytes is a refusal of that limit")
    func limitRefusal() async throws {
        try await withObservedServer { server, metrics, _ in
            let (client, _) = try await server.startCircuit("/counter")
            try await client.sendText(#"[["ev","h",{"pad":""# + String(repeating: "x", count: 40_000) + #""}]]"#)
            _ = try await client.nextError()
            #expect(try metrics.expectCounter("tether_limit_refusals_total", [("limit", "maxTextMessageBytes")]).totalValue == 1)
        }
    }

    @Test("a dropped socket retains the circuit and a resume makes it live again")
    func retainAndResume() async throws {
        try await withObservedServer { server, metrics, _ in
            let (client, _) = try await server.startCircuit("/counter")
            let configuration = try #require(client.configuration)
            let id = try #require(configuration["circuitId"]?.stringValue)
            let secret = try #require(configuration["secret"]?.stringValue)
            await client.close()
            try await eventually("the circuit to be retained") { try metrics.expectMeter("tether_circuits_retained").lastValue == 1 }
            #expect(try metrics.expectMeter("tether_circuits_live").lastValue == 0)
            let again = try await server.connect()
            try await again.send(["resume", .string(id), .string(secret), 0])
            _ = try await again.next(kind: "cfg")
            try await eventually("the resume") { try metrics.expectCounter("tether_circuits_resumed_total").totalValue == 1 }
            #expect(try metrics.expectMeter("tether_circuits_live").lastValue == 1)
            #expect(try metrics.expectMeter("tether_circuits_retained").lastValue == 0)
        }
    }

    @Test("every line logged for a circuit names it and its page, and the page follows a navigation")
    func logMetadata() async throws {
        let logs = LogLines()
        try await withObservedServer(logs: logs) { server, _, _ in
            let (client, _) = try await server.startCircuit("/counter")
            let circuitID = try #require(client.configuration?["circuitId"]?.stringValue)
            // Refused inbound messages are logged on behalf of the circuit.
            try await client.send(["ev", "no-such-handler", ["type": "click"]])
            _ = try await client.nextError()
            try await client.send(["nav", "/todos"])
            _ = try await client.nextRender()
            try await client.send(["ev", "no-such-handler", ["type": "click"]])
            _ = try await client.nextError()

            let circuitLines = logs.all.filter { $0.metadata["circuit"] == circuitID }
            #expect(circuitLines.count >= 3, "\(logs.all)")
            #expect(circuitLines.allSatisfy { $0.metadata["page"] != nil }, "\(circuitLines)")
            let refusals = circuitLines.filter { $0.message == "refused event" }.map { $0.metadata["page"] }
            #expect(refusals == ["/counter", "/todos"])
        }
    }
}

extension ServerObservabilityTests {
    @Test("the store's warning that a circuit's snapshot is too large names the circuit and its page")
    func storeWarningNamesTheCircuit() async throws {
        let logs = LogLines()
        try await withObservedServer(logs: logs, configure: { app in
            app.persistence.storage = .store(MemoryCircuitStore())
            app.persistence.persistInterval = .milliseconds(20)
            app.persistence.maxSnapshotBytes = 40
        }) { server, _, _ in
            let (client, _) = try await server.startCircuit("/durable")
            let circuitID = try #require(client.configuration?["circuitId"]?.stringValue)
            try await client.input(id: "draft", value: String(repeating: "long ", count: 20))
            try await eventually("the too-large warning") {
                logs.all.contains { $0.message == "a circuit's snapshot is too large to save" }
            }
            let warning = try #require(logs.all.first { $0.message == "a circuit's snapshot is too large to save" })
            #expect(warning.metadata["circuit"] == circuitID)
            #expect(warning.metadata["page"] == "/durable")
        }
    }
}

/// What `CapturingLogHandler`s that share it have written: each line's message and metadata,
/// values as a handler prints them.
final class LogLines: Sendable {
    struct Line: Sendable {
        let message: String
        let metadata: [String: String]
    }

    private let lines = Mutex<[Line]>([])
    var all: [Line] { lines.withLock { $0 } }
    func append(_ line: Line) { lines.withLock { $0.append(line) } }
}

struct CapturingLogHandler: LogHandler {
    let sink: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }.mapValues { "\($0)" }
        sink.append(LogLines.Line(message: "\(event.message)", metadata: merged))
    }
}
