import InMemoryTracing
import Logging
import MetricsTestKit
import Synchronization
import Testing
import TetherInterop
import TetherProtocol
import Tracing

/// A channel of circuit "c-1" whose metrics and spans go to test backends, never the process's
/// (MetricsSystem.bootstrap is one-shot and process-wide).
private struct Observed {
    let metrics = TestMetrics()
    let tracer = InMemoryTracer()
    let outbox = RecordingOutbox()
    let channel: InteropChannel
    let js: JSRuntime

    init(_ options: InteropOptions = InteropOptions()) {
        let telemetry = CircuitTelemetry(instruments: TetherInstruments(factory: metrics, tracer: tracer), circuitID: "c-1", page: "/counter")
        channel = InteropChannel(outbox: outbox, options: options, budget: .unlimited(), telemetry: telemetry, logger: quietLogger)
        js = JSRuntime(channel: channel)
    }

    func calls(_ direction: String) throws -> Int64 {
        try metrics.expectCounter("tether_interop_calls_total", [("direction", direction)]).totalValue
    }

    func errors(_ direction: String, _ kind: String) throws -> Int64 {
        try metrics.expectCounter("tether_interop_errors_total", [("direction", direction), ("kind", kind)]).totalValue
    }

    func durations(_ direction: String) throws -> [Int64] {
        try metrics.expectTimer("tether_interop_call_duration_seconds", [("direction", direction)]).values
    }

    func refusals(_ limit: String) throws -> Int64 {
        try metrics.expectCounter("tether_limit_refusals_total", [("limit", limit)]).totalValue
    }

    func spans(_ name: String) -> [FinishedInMemorySpan] {
        tracer.finishedSpans.filter { $0.operationName == name }
    }
}

@Suite("Metrics and spans of interop calls, with test backends", .timeLimit(.minutes(1)))
struct ObservabilityTests {
    @Test("a Swift→JS call is counted, timed and traced with the circuit id and the JS identifier")
    func swiftToJSCall() async throws {
        let observed = Observed()
        async let answer: Int = observed.js.invoke("charts.sum", 2, 3)
        let call = try await observed.outbox.waitForCall()
        // Counted when sent, before it completes.
        #expect(try observed.calls("swift_to_js") == 1)
        #expect(try observed.durations("swift_to_js").isEmpty)
        #expect(observed.channel.complete(callID: call.id, outcome: .success(5)))
        #expect(try await answer == 5)
        #expect(try observed.durations("swift_to_js").count == 1)
        #expect(try observed.durations("swift_to_js")[0] > 0)
        for kind in ["exception", "timeout", "disconnected", "cancelled", "limit", "invalid"] {
            #expect(try observed.errors("swift_to_js", kind) == 0, "\(kind)")
        }
        let span = try #require(observed.spans("tether.interop.swift_to_js").first)
        #expect(span.kind == .client)
        #expect(span.attributes.get("tether.circuit.id") == .string("c-1"))
        #expect(span.attributes.get("tether.interop.identifier") == .string("charts.sum"))
        #expect(span.status == nil)
        #expect(observed.tracer.activeSpans.isEmpty)
    }

    @Test("failed Swift→JS calls are counted by kind: exception, timeout, disconnected, invalid result")
    func swiftToJSFailures() async throws {
        let observed = Observed()
        let js = observed.js
        let thrown = Task { () async throws -> Int in try await js.invoke("throws") }
        let call = try await observed.outbox.waitForCall()
        observed.channel.complete(callID: call.id, outcome: .failure(message: "boom", stack: nil))
        await #expect(throws: JSException.self) { try await thrown.value }
        #expect(try observed.errors("swift_to_js", "exception") == 1)
        let failed = try #require(observed.spans("tether.interop.swift_to_js").first)
        #expect(failed.status?.code == .error)
        #expect(failed.attributes.get("tether.interop.error_kind") == .string("exception"))
        #expect(failed.errors.count == 1)

        await #expect(throws: JSTimeoutError.self) { try await observed.js.invokeVoid("slow", timeout: .milliseconds(10)) }
        #expect(try observed.errors("swift_to_js", "timeout") == 1)

        // A result of the wrong shape: the call went through and came back, the decoding failed.
        let wrongType = Task { () async throws -> Int in try await js.invoke("text") }
        let textCall = try await observed.outbox.waitForCalls(3)[2]
        observed.channel.complete(callID: textCall.id, outcome: .success("not a number"))
        await #expect(throws: JSResultDecodingError.self) { try await wrongType.value }
        #expect(try observed.errors("swift_to_js", "invalid") == 1)

        observed.channel.disconnect()
        await #expect(throws: JSDisconnectedError.self) { try await observed.js.invokeVoid("gone") }
        #expect(try observed.errors("swift_to_js", "disconnected") == 1)
        #expect(try observed.calls("swift_to_js") == 4)
        #expect(try observed.durations("swift_to_js").count == 4)
    }

    @Test("a Swift→JS call over maxPendingCalls counts as a limit error and a refusal of that limit")
    func pendingCallLimit() async throws {
        let observed = Observed(InteropOptions(maxPendingCalls: 1))
        let first = Task { try await observed.js.invokeVoid("first", timeout: .never) }
        _ = try await observed.outbox.waitForCall()
        await #expect(throws: JSCallLimitError.self) { try await observed.js.invokeVoid("second") }
        #expect(try observed.errors("swift_to_js", "limit") == 1)
        #expect(try observed.refusals("maxPendingCalls") == 1)
        first.cancel()
        await #expect(throws: CancellationError.self) { try await first.value }
        #expect(try observed.errors("swift_to_js", "cancelled") == 1)
    }

    @Test("a JS→Swift call is traced as a new trace, and spans the method starts are its children")
    func jsToSwiftCall() async throws {
        let observed = Observed()
        let tracer = observed.tracer
        var exports = JSExports()
        exports.module("Demo") { demo in
            demo.expose("Add") { (a: Int, b: Int) in
                tracer.withSpan("app.add") { _ in a + b }
            }
        }
        await observed.channel.dispatchInvocation(id: 1, target: .module("Demo"), method: "Add", args: [2, 3], exports: exports)
        #expect(observed.outbox.invocationResults.first?.successJSON == "5")
        #expect(try observed.calls("js_to_swift") == 1)
        #expect(try observed.durations("js_to_swift").count == 1)
        let call = try #require(observed.spans("tether.interop.js_to_swift").first)
        #expect(call.kind == .server)
        #expect(call.parentSpanID == nil)
        #expect(call.attributes.get("tether.circuit.id") == .string("c-1"))
        #expect(call.attributes.get("tether.interop.method") == .string("Add"))
        let child = try #require(observed.spans("app.add").first)
        #expect(child.parentSpanID == call.spanID)
        #expect(child.traceID == call.traceID)
    }

    @Test("JS→Swift failures are counted by kind: an unknown method is invalid, a throwing method an exception")
    func jsToSwiftFailures() async throws {
        let observed = Observed()
        var exports = JSExports()
        exports.module("Demo") { demo in
            demo.exposeAction("Fail") { () throws in throw InvocationTestFailure() }
        }
        await observed.channel.dispatchInvocation(id: 1, target: .module("Demo"), method: "Missing", args: [], exports: exports)
        await observed.channel.dispatchInvocation(id: 2, target: .module("Demo"), method: "Fail", args: [], exports: exports)
        // The browser chose this name: it is clipped and escaped before it becomes an attribute.
        await observed.channel.dispatchInvocation(id: 3, target: .module("Demo"), method: "a\nb", args: [], exports: exports)
        #expect(try observed.errors("js_to_swift", "invalid") == 2)
        #expect(try observed.errors("js_to_swift", "exception") == 1)
        #expect(try observed.calls("js_to_swift") == 3)
        let names = observed.spans("tether.interop.js_to_swift").map { $0.attributes.get("tether.interop.method") }
        #expect(names == [.string("Missing"), .string("Fail"), .string("a\\u{a}b")])
        #expect(observed.spans("tether.interop.js_to_swift").allSatisfy { $0.status?.code == .error })
    }

    @Test("a JS→Swift call refused by the memory budget is counted as a call, a limit error and a budget refusal")
    func jsToSwiftBudgetRefusal() async throws {
        let metrics = TestMetrics()
        let instruments = TetherInstruments(factory: metrics, tracer: NoOpTracer())
        let outbox = RecordingOutbox()
        let budget = BudgetAccount(MemoryBudget(limit: 100, instruments: instruments))
        let channel = InteropChannel(
            outbox: outbox, options: InteropOptions(), budget: budget,
            telemetry: CircuitTelemetry(instruments: instruments, circuitID: "c-2", page: "/"), logger: quietLogger)
        await channel.dispatchInvocation(id: 1, target: .module("Demo"), method: "Add", args: [1, 2], exports: JSExports())
        #expect(outbox.invocationResults.first?.failureMessage?.contains("memory budget") == true)
        #expect(try metrics.expectCounter("tether_interop_calls_total", [("direction", "js_to_swift")]).totalValue == 1)
        #expect(try metrics.expectCounter("tether_interop_errors_total", [("direction", "js_to_swift"), ("kind", "limit")]).totalValue == 1)
        #expect(try metrics.expectCounter("tether_limit_refusals_total", [("limit", "memoryBudgetPerClient")]).totalValue == 1)
    }

    @Test("every series exists from the start, at zero, with dimensions only from fixed sets")
    func seriesUpFront() throws {
        let metrics = TestMetrics()
        _ = TetherInstruments(factory: metrics, tracer: NoOpTracer())
        let reasons = metrics.counters(label: "tether_circuits_ended_total").flatMap { $0.dimensions.map(\.1) }
        #expect(Set(reasons) == ["closed", "failed", "limit", "expired", "evicted", "paused", "shutdown", "signedOut", "moved_away"])
        #expect(Set(metrics.counters(label: "tether_circuits_started_total").flatMap { $0.dimensions.map(\.1) }) == ["new", "restored"])
        #expect(metrics.counters(label: "tether_interop_errors_total").count == 2 * 6)
        #expect(metrics.counters(label: "tether_limit_refusals_total").count == 9)
        #expect(metrics.counters.allSatisfy { $0.totalValue == 0 })
        for label in ["tether_event_duration_seconds", "tether_render_duration_seconds"] {
            #expect(try metrics.expectTimer(label).values.isEmpty)
        }
        _ = try metrics.expectRecorder("tether_batch_bytes")
        _ = try metrics.expectMeter("tether_circuits_live")
        _ = try metrics.expectMeter("tether_circuits_retained")
    }

    @Test("live and retained circuits move with starts, drops, resumes and ends")
    func circuitGauges() throws {
        let metrics = TestMetrics()
        let instruments = TetherInstruments(factory: metrics, tracer: NoOpTracer())
        instruments.circuitStarted(.new)
        instruments.circuitStarted(.restored)
        instruments.circuitRetained()
        let live = try metrics.expectMeter("tether_circuits_live")
        let retained = try metrics.expectMeter("tether_circuits_retained")
        #expect(live.lastValue == 1 && retained.lastValue == 1)
        instruments.circuitResumed(wasRetained: true)
        #expect(live.lastValue == 2 && retained.lastValue == 0)
        instruments.circuitResumed(wasRetained: false)
        #expect(live.lastValue == 2)
        instruments.circuitRetained()
        instruments.circuitEnded(.expired, wasRetained: true)
        instruments.circuitEnded(.paused, wasRetained: false)
        #expect(live.lastValue == 0 && retained.lastValue == 0)
        #expect(try metrics.expectCounter("tether_circuits_resumed_total").totalValue == 2)
        #expect(try metrics.expectCounter("tether_circuits_ended_total", [("reason", "expired")]).totalValue == 1)
        #expect(try metrics.expectCounter("tether_circuits_ended_total", [("reason", "paused")]).totalValue == 1)
        #expect(try metrics.expectCounter("tether_circuits_started_total", [("origin", "restored")]).totalValue == 1)
    }

    @Test("with the no-op factory and tracer nothing is measured: no clock reads, no spans")
    func disabledMeasuresNothing() {
        #expect(TetherInstruments.disabled.isMeasuring == false)
        #expect(TetherInstruments.disabled.startInterval() == nil)
        #expect(TetherInstruments(factory: TestMetrics(), tracer: NoOpTracer()).startInterval() != nil)
    }

    @Test("log lines name the circuit and the page it shows now, also after it navigates")
    func logMetadata() throws {
        let lines = LogLines()
        var logger = Logger(label: "test") { _ in CapturingLogHandler(sink: lines) }
        let telemetry = CircuitTelemetry(instruments: .disabled, circuitID: "c-9", page: "/counter")
        telemetry.annotate(&logger)
        logger.info("before")
        telemetry.show(page: "/items/{id:int}")
        logger.info("after")
        #expect(lines.all.map { $0["circuit"] } == ["c-9", "c-9"])
        #expect(lines.all.map { $0["page"] } == ["/counter", "/items/{id:int}"])
    }
}

private struct InvocationTestFailure: Error {}

/// The metadata of every line written through `CapturingLogHandler`s that share it.
final class LogLines: Sendable {
    private let lines = Mutex<[[String: String]]>([])
    var all: [[String: String]] { lines.withLock { $0 } }
    func append(_ line: [String: String]) { lines.withLock { $0.append(line) } }
}

/// Keeps each line's metadata as a handler would print it (a value's description when written).
struct CapturingLogHandler: LogHandler {
    let sink: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        sink.append(metadata.merging(event.metadata ?? [:]) { $1 }.mapValues { "\($0)" })
    }
}

/// The channels here log refusals and throwing methods on purpose; the test output needs none of it.
private let quietLogger: Logger = {
    var logger = Logger(label: "tether.tests.observability")
    logger.logLevel = .critical
    return logger
}()
