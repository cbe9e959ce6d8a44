import DemoApp
import Foundation
import Hummingbird
import ServiceLifecycle
import UnixSignals
import TetherInterop
import TetherPostgres
import TetherServer
import TetherUI

// Settings come from the environment, so tests can start the demo with, for example, a short
// prerender descriptor lifetime.
let environment = ProcessInfo.processInfo.environment
let port = environment["PORT"].flatMap(Int.init) ?? 8080
var app = DemoApp.make()
// TETHER_SIGNING_KEY or TETHER_SIGNING_KEY_FILE: the key every node of a cluster shares.
do {
    let lifetime = environment["TETHER_DESCRIPTOR_LIFETIME_SECONDS"].flatMap(Int.init).map { Duration.seconds($0) }
    app.signer = try DescriptorSigner(environment: environment, lifetime: lifetime ?? DescriptorSigner.defaultLifetime)
} catch {
    FileHandle.standardError.write(Data("tether-demo: \(error)\n".utf8))
    exit(1)
}
if let seconds = environment["TETHER_CIRCUIT_RETENTION_SECONDS"].flatMap(Int.init) {
    app.limits.retention = .seconds(seconds)
}
// How long a circuit idles before it hibernates, in seconds (fractions allowed); `off` turns
// hibernation off. The default is CircuitLimits' 30 s.
switch environment["TETHER_HIBERNATE_AFTER_SECONDS"] {
case nil, "": break
case "off": app.limits.hibernateAfter = nil
case let value?:
    guard let seconds = Double(value), seconds > 0, seconds < 86_400 else {
        FileHandle.standardError.write(Data("tether-demo: TETHER_HIBERNATE_AFTER_SECONDS must be seconds or 'off', not \(value)\n".utf8))
        exit(1)
    }
    app.limits.hibernateAfter = .milliseconds(Int(seconds * 1000))
}
if let count = environment["TETHER_MAX_CIRCUITS_PER_CLIENT"].flatMap(Int.init) {
    app.limits.maxCircuitsPerClient = count
}
if let megabytes = environment["TETHER_CLIENT_MEMORY_BUDGET_MB"].flatMap(Int.init), megabytes > 0, megabytes < 1 << 20 {
    app.limits.memoryBudgetPerClient = megabytes << 20
}
// Behind nginx: the proxies whose X-Forwarded-For names the client, comma-separated.
if let proxies = environment["TETHER_TRUSTED_PROXIES"], !proxies.isEmpty {
    app.limits.trustedProxies = Set(proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
}
if let seconds = environment["TETHER_HTTP_HEADER_TIMEOUT_SECONDS"].flatMap(Double.init), seconds > 0, seconds < 86_400 {
    app.limits.httpHeaderTimeout = .milliseconds(Int(seconds * 1000))
}
if let seconds = environment["TETHER_HTTP_IDLE_TIMEOUT_SECONDS"].flatMap(Double.init), seconds > 0, seconds < 86_400 {
    app.limits.httpIdleTimeout = .milliseconds(Int(seconds * 1000))
}
// Circuits are saved to .tether/circuits.sqlite unless TETHER_STORE says otherwise: a file path,
// "memory" (saved in this process only, for pause and resume) or "none".
switch environment["TETHER_STORE"] {
case nil, "": break
case "none": app.persistence.storage = .none
case "memory": app.persistence.storage = .store(MemoryCircuitStore())
case let path?: app.persistence.storage = .sqlite(path: path)
}
// The name this node's rows and /chat go by (scripts/cluster sets node-1, node-2, ...).
if let name = environment["TETHER_NODE_NAME"], !name.isEmpty {
    app.persistence.nodeName = name
}
if let milliseconds = environment["TETHER_PERSIST_INTERVAL_MS"].flatMap(Int.init), milliseconds > 0, milliseconds < 3_600_000 {
    app.persistence.persistInterval = .milliseconds(milliseconds)
}
if environment["TETHER_TEST_TRAPS"] == "1" {
    app.pages = PageRouter(DemoApp.pages + [TrapPage.self, MarkupProblemPage.self])
}
if environment["TETHER_TEST_CSP"] == "1" {
    // What a strict site would send: only scripts from this origin run. The demo's own inline
    // scripts are then blocked, as they should be; the runtime must not need any.
    app.document.head = #"<meta http-equiv="Content-Security-Policy" content="script-src 'self'">"# + app.document.head
}
// permessage-deflate on the circuit socket: "on" (`PerMessageDeflate()`), "takeover" (with
// context takeover) or "off"; unset keeps the app's default.
switch environment["TETHER_DEFLATE"] {
case "on": app.webSocket.perMessageDeflate = PerMessageDeflate()
case "takeover": app.webSocket.perMessageDeflate = PerMessageDeflate(contextTakeover: true)
case "off": app.webSocket.perMessageDeflate = nil
default: break
}
if environment["TETHER_DETAILED_ERRORS"] == "1" {
    app.interop.detailedErrors = true
}
// The demo embeds Tether the way an app with its own routes, context and sign-in does: Tether's
// routes join the app's router, and its circuits are a service of the app's ServiceGroup, so
// SIGTERM saves them and tells every page to resume on the next process.
if let mount = environment["TETHER_MOUNT"], !mount.isEmpty {
    app.document.bodyEnd = app.document.bodyEnd.replacingOccurrences(of: #"src="/js/"#, with: #"src="\#(mount)/js/"#)
}
// One node of a cluster (scripts/cluster): circuits and pub/sub (/chat) in the shared PostgreSQL
// database, so a page whose node died resumes on another and a message reaches every node; the
// key is the one read above, which every node must share. Wins over TETHER_STORE.
if let url = environment["TETHER_POSTGRES_URL"], !url.isEmpty {
    try app.joinCluster(postgresURL: url, nodeName: app.persistence.nodeName, signer: app.signer)
}
// /chat shows the node that served it: whatever persistence.nodeName is by now.
app.services.nodeName = app.persistence.nodeName
// Tether's metrics, in Prometheus's text format at /metrics (README, "Metrics and tracing"):
// bootstrapped before the service is made, which is when Tether takes the process's factory.
let metrics = DemoMetrics.bootstrapPrometheus()
let tether = TetherService(app)
// TETHER_MOUNT=/app serves every page under /app, as an app that mounts Tether under a prefix.
// The public folder moves with it, and so must the document's script URLs.
let mount = environment["TETHER_MOUNT"] ?? ""
let router = DemoSite.router(tether: tether, mount: mount)
metrics.addRoute(to: router)
let server = Application(
    router: router, server: tether.httpServer(webSocketRouter: router),
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "Tether"), logger: app.logger)
var configuration = ServiceGroupConfiguration(
    services: [.init(service: server), .init(service: tether)], gracefulShutdownSignals: [.sigterm, .sigint], logger: app.logger)
configuration.maximumGracefulShutdownDuration = app.limits.shutdownGracePeriod
print("tether-demo serving on http://127.0.0.1:\(port)")
do {
    try await ServiceGroup(configuration: configuration).run()
} catch {
    // A node that cannot join the others (its signing key differs from theirs) stops here, saying why.
    FileHandle.standardError.write(Data("tether-demo: \(error)\n".utf8))
    exit(1)
}
