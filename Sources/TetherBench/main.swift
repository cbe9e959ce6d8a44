// tether-bench: the demo app plus what the benchmark driver (bench/run.py) needs, on one server.
//
//   PORT=8099 .build/release/tether-bench
//   .build/debug/tether-bench store-writer PATH   saves circuits into an SQLite store at PATH until
//                                                 killed (Tests/durability/crash_store.py)
//   .build/release/tether-bench instrument-cost [N]   nanoseconds of Tether's instrumentation per
//                                                 event, with no backend, swift-prometheus, and a
//                                                 tracer (N events each, 1,000,000 by default)
//
// | path | what |
// | --- | --- |
// | every demo page (`/counter`, ...) | as `tether-demo` serves them |
// | `/_bench/interop` | `BenchPage`: Swift→JS round trips, sequential and pipelined, timed in Swift |
// | `/_bench/grid` | `GridPage`: a 200-row table re-rendered on every click, for permessage-deflate |
// | `/_bench/todos` | `TodosWorkloadPage`: 100 keyed row components, one row edited per click |
// | `/_floor/echo` | the floor: a raw WebSocket that echoes every message unchanged |
// | `/_floor/index.html` | an empty page the driver runs the floor test from |
// | port `TETHER_BENCH_LEAN_FLOOR_PORT`, when set | `LeanFloor`: the echo served by a plain NIO handler, no task per socket |
// | module `Bench` | `Noop(Int) -> Int`, for JS→Swift round trips |
// | `/bench/persistence` | what the circuit persister wrote so far, as JSON (rows, batches, snapshot bytes, failed batches) |
// | `/bench/hibernation` | hibernating circuits now, their snapshot bytes, hibernations and revivals so far, as JSON |
// | `/metrics` | with `TETHER_BENCH_METRICS=1`: Tether's metrics in Prometheus's text format |
//
// Circuits are saved nowhere unless `TETHER_BENCH_STORE` names a store: an SQLite file path, or
// `memory`. `TETHER_BENCH_PERSIST_INTERVAL_MS` sets `persistence.persistInterval` (default 1 s).
// `TETHER_BENCH_DEFLATE` sets `webSocket.perMessageDeflate`: `off`, `on` (`PerMessageDeflate()`),
// or `takeover` (with context takeover); unset keeps the app's default.
//
// `TETHER_BENCH_HIBERNATE_AFTER_MS` sets `limits.hibernateAfter` (off by default here).
// Metrics are off (no backend: swift-metrics' no-op factory) unless `TETHER_BENCH_METRICS=1`,
// which bootstraps swift-prometheus as the demo does and serves it at `/metrics`.
// `TETHER_BENCH_TRACING=1` installs swift-distributed-tracing's `InMemoryTracer` too: every span is
// made and kept in memory, nothing is exported.
//
// Every response carries COOP/COEP headers, so the pages are cross-origin isolated and
// `performance.now()` has 5 µs resolution in Chromium instead of 100 µs.

import DemoApp
import Foundation
import Hummingbird
import HummingbirdWebSocket
import InMemoryTracing
import Logging
import TetherServer
import TetherUI
import Tracing

if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "instrument-cost" {
    await InstrumentCost.run(events: CommandLine.arguments.dropFirst(2).first.flatMap { Int($0) }.map { max(1, $0) } ?? 1_000_000)
}
if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "store-writer" {
    guard CommandLine.arguments.count == 3 else {
        FileHandle.standardError.write(Data("usage: tether-bench store-writer PATH\n".utf8))
        exit(2)
    }
    try await StoreWriter.run(path: CommandLine.arguments[2])
}

let environment = ProcessInfo.processInfo.environment
let host = environment["HOST"] ?? "127.0.0.1"
let port = Int(environment["PORT"] ?? "") ?? 8099

var app = DemoApp.make()
app.pages = PageRouter(DemoApp.pages + [BenchPage.self, GridPage.self, TodosWorkloadPage.self])
app.document.bodyEnd += BenchAssets.pageScript
app.logger.logLevel = .warning
// Every bench circuit comes from 127.0.0.1: the per-address cap would stop the memory and
// concurrency figures at 200 circuits. Everything else keeps the app's defaults.
app.limits.maxCircuitsPerClient = .max
BenchMethods.register(in: &app.exports)
// The durability figures choose a store here; nothing is saved otherwise.
switch environment["TETHER_BENCH_STORE"] {
case nil, "", "none": app.persistence.storage = .none
case "memory": app.persistence.storage = .store(MemoryCircuitStore())
case let path?: app.persistence.storage = .sqlite(path: path)
}
switch environment["TETHER_BENCH_DEFLATE"] {
case "off": app.webSocket.perMessageDeflate = nil
case "on": app.webSocket.perMessageDeflate = PerMessageDeflate()
case "takeover": app.webSocket.perMessageDeflate = PerMessageDeflate(contextTakeover: true)
default: break
}
// Before the TetherService is made: that is when Tether takes the process's factory and tracer.
let metrics = environment["TETHER_BENCH_METRICS"] == "1" ? DemoMetrics.bootstrapPrometheus() : nil
if environment["TETHER_BENCH_TRACING"] == "1" {
    InstrumentationSystem.bootstrap(InMemoryTracer())
}
// Hibernation is off unless `TETHER_BENCH_HIBERNATE_AFTER_MS` sets `limits.hibernateAfter`: the
// idle-circuit figures measure awake circuits, and the hibernation figures ask for it.
app.limits.hibernateAfter = environment["TETHER_BENCH_HIBERNATE_AFTER_MS"].flatMap(Int.init).flatMap { $0 > 0 ? .milliseconds($0) : nil }
if let milliseconds = environment["TETHER_BENCH_PERSIST_INTERVAL_MS"].flatMap(Int.init), milliseconds > 0, milliseconds < 3_600_000 {
    app.persistence.persistInterval = .milliseconds(milliseconds)
}

var logger = Logger(label: "tether-bench")
logger.logLevel = .warning

let router = Router(context: BasicTetherRequestContext.self)
BenchRoutes.add(to: router, maxFrameSize: BenchRoutes.maxFrameSize(app.limits))
metrics?.addRoute(to: router)
// After the bench routes: the app's routes end with a `**` catch-all.
router.addRoutes(TetherService(app).routes(for: BasicTetherRequestContext.self))

// The WebSocket configuration of `TetherApp.application(host:port:)`, so the figures are the ones
// a real app gets: its frame limit, keep-alive pings and permessage-deflate.
let server = Application(
    router: router,
    server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(ws: app.webSocketConfiguration)),
    configuration: .init(address: .hostname(host, port: port), serverName: "Tether"),
    onServerRunning: { [host, port] _ in
        let line = "tether-bench listening on http://\(host):\(port) (pid \(ProcessInfo.processInfo.processIdentifier))\n"
        FileHandle.standardError.write(Data(line.utf8))
    },
    logger: logger
)
if let leanPort = environment["TETHER_BENCH_LEAN_FLOOR_PORT"].flatMap(Int.init) {
    _ = try await LeanFloor.start(host: host, port: leanPort, maxFrameSize: BenchRoutes.maxFrameSize(app.limits))
}
try await server.runService()
