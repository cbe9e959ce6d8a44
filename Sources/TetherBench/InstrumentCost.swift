import DemoApp
import Foundation
import InMemoryTracing
import TetherInterop
import Tracing

/// `tether-bench instrument-cost`: what Tether's instrumentation of one event costs on the
/// server, without the noise of a browser: the calls a circuit makes per click (the event span,
/// the handler's and the render's timers, the event counter, the batch's size), in a loop, with
/// no backend, with swift-prometheus as the demo configures it, and with a tracer too, `events`
/// times each. Prints one JSON object of nanoseconds per event.
enum InstrumentCost {
    static func run(events: Int) async -> Never {
        var result: [String: Double] = [:]
        let tracer = InMemoryTracer()
        let variants: [(String, TetherInstruments)] = [
            ("off", TetherInstruments.disabled),
            ("on", TetherInstruments(factory: DemoMetrics.prometheusFactory(), tracer: NoOpTracer())),
            ("traced", TetherInstruments(factory: DemoMetrics.prometheusFactory(), tracer: tracer)),
        ]
        // Twice over, the first round unmeasured: the allocator and the caches settle.
        for round in 0..<2 {
            for (name, instruments) in variants {
                let telemetry = CircuitTelemetry(instruments: instruments, circuitID: "bench", page: "/counter")
                let start = ContinuousClock.now
                for i in 0..<events {
                    await telemetry.traceEvent {
                        let handling = instruments.startInterval()
                        instruments.eventHandled(since: handling)
                        let rendering = instruments.startInterval()
                        instruments.rendered(since: rendering)
                        instruments.batchSent(bytes: 60 + (i & 63))
                    }
                    // The in-memory tracer keeps every span; a real one exports and forgets them.
                    if i & 4095 == 0 { tracer.clearFinishedSpans() }
                }
                let (seconds, attoseconds) = (ContinuousClock.now - start).components
                if round == 1 { result[name] = (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(events) }
            }
        }
        let json = result.sorted { $0.key < $1.key }.map { "\"\($0.key)_ns_per_event\": \(String(format: "%.1f", $0.value))" }
        print("{" + json.joined(separator: ", ") + "}")
        exit(0)
    }
}
