import DemoApp
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import HummingbirdWebSocket
import Logging
import MetricsTestKit
import NIOCore
import NIOEmbedded
import ServiceLifecycle
import Synchronization
import Testing
import TetherInterop
import TetherServer
import TetherUI

/// An app's own request context: Tether's requirements, plus the app's own identity, which its
/// own middleware sets from a header (a stand-in for any authenticator).
struct HostAppContext: TetherRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<HostAppContext>
    let channel: any Channel
    var userName: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }

    var tetherUser: AuthenticatedUser? {
        userName.map { AuthenticatedUser(id: "id-\($0)", name: $0, roles: $0 == "admin" ? ["admin"] : []) }
    }
}

/// The app's middleware: signs in whoever `X-Test-User` names, and stamps every response, so the
/// test sees it ran on Tether's routes too.
struct HostAppMiddleware: RouterMiddleware {
    @concurrent func handle(
        _ request: Request, context: HostAppContext, next: @concurrent (Request, HostAppContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.userName = request.headers[HTTPField.Name("X-Test-User")!]
        var response = try await next(request, context)
        response.headers[HTTPField.Name("X-Host-App")!] = "1"
        return response
    }
}

/// Only the admin role may open it.
final class AdminPage: Page {
    static let route = "/admin"
    static let authorization = Authorization.roles(["admin"])
    var body: Content { p(.id("admin")) { "Admins only" } }
}

/// Tether mounted into a Hummingbird app that has its own context, middleware and routes, under
/// `/app`, with its circuits a service of the app's own ServiceGroup.
@Suite(.serialized) struct EmbeddingTests {
    struct HostApp: Sendable {
        let http: TestClient
        let port: Int
        let group: ServiceGroup

        func get(_ path: String, user: String? = nil, cookie: String? = nil) async throws -> TestClient.Response {
            var headers: HTTPFields = [.connection: "keep-alive"]
            if let user { headers[HTTPField.Name("X-Test-User")!] = user }
            if let cookie { headers[.cookie] = cookie }
            return try await http.execute(TestClient.Request(path, method: .get, authority: "127.0.0.1:\(port)", headers: headers))
        }

        /// GETs a page and opens its circuit as `user`, with `cookie` on both requests.
        func startCircuit(_ path: String, user: String? = nil, cookie: String? = nil) async throws -> (ProtocolTestClient, MirrorDOM) {
            let response = try await get(path, user: user, cookie: cookie)
            #expect(response.status == .ok, "GET \(path)")
            let html = response.body.map { String(buffer: $0) } ?? ""
            let dom = try MirrorDOM(document: html)
            let descriptor = try #require(dom.root.attribute("data-tether-descriptor"))
            let client = try await connect(user: user, cookie: cookie, dom: dom)
            let first = try await client.start(descriptor: descriptor, url: "http://127.0.0.1:\(port)\(path)")
            #expect(first.edits.isEmpty)
            return (client, dom)
        }

        func connect(user: String? = nil, cookie: String? = nil, dom: MirrorDOM? = nil) async throws -> ProtocolTestClient {
            var headers: HTTPFields = [:]
            if let user { headers[HTTPField.Name("X-Test-User")!] = user }
            if let cookie { headers[.cookie] = cookie }
            return try await ProtocolTestClient.connect(port: port, path: "/app/_tether/circuit", dom: dom, headers: headers)
        }
    }

    /// Serves the host app, with Tether at `/app`, until `body` returns; the ServiceGroup is the
    /// app's own, so `body` may stop it.
    func withHostApp(
        storage: CircuitStorage = .none, configure: (inout TetherApp) -> Void = { _ in },
        _ body: @Sendable (HostApp, TetherService) async throws -> Void
    ) async throws {
        var tether = TetherApp(pages: [Counter.self, AccountPage.self, AdminPage.self])
        configure(&tether)
        tether.limits.allowedOrigins.insert(testClientOrigin)
        tether.persistence.storage = storage
        tether.logger.logLevel = .critical
        let service = TetherService(tether)
        let router = Router(context: HostAppContext.self)
        router.middlewares.add(HostAppMiddleware())
        router.get("/health") { _, _ in "host app ok" }
        router.addRoutes(service.routes(for: HostAppContext.self, at: "/app"))
        let port = OneShot<Int>()
        var logger = Logger(label: "host-app")
        logger.logLevel = .critical
        let application = Application(
            router: router, server: service.httpServer(webSocketRouter: router),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.fulfill(channel.localAddress?.port.map { .success($0) } ?? .failure(ConnectionEnded(description: "no port"))) },
            logger: logger)
        var configuration = ServiceGroupConfiguration(services: [application, service], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        let running = Task { try await group.run() }
        let bound = try await port.value(timeout: .seconds(30), "the host app to start")
        let http = TestClient(host: "127.0.0.1", port: bound, configuration: .init(timeout: .seconds(20)))
        http.connect()
        do {
            try await body(HostApp(http: http, port: bound, group: group), service)
        } catch {
            try? await http.shutdown()
            await group.triggerGracefulShutdown()
            _ = await running.result
            throw error
        }
        try? await http.shutdown()
        await group.triggerGracefulShutdown()
        _ = try await running.value
    }

    @Test func theAppsRoutesAndTethersPagesShareOneServer() async throws {
        try await withHostApp { app, _ in
            let health = try await app.get("/health")
            #expect(health.status == .ok)
            #expect(health.body.map { String(buffer: $0) } == "host app ok")
            let page = try await app.get("/app/counter")
            #expect(page.status == .ok)
            #expect(page.headers[HTTPField.Name("X-Host-App")!] == "1", "the app's middleware ran on Tether's page")
            let html = page.body.map { String(buffer: $0) } ?? ""
            #expect(html.contains(#"data-tether-base="/app""#))
            #expect(html.contains(#"src="/app/_tether/v/"#))
            #expect(!html.contains(#"src="/_tether/"#), "no runtime URL outside the mount")
            let runtime = try await app.get("/app/_tether/tether.js")
            #expect(runtime.status == .ok)
            #expect(try await app.get("/counter").status == .notFound, "pages live under the mount only")
            #expect(try await app.get("/application").status == .notFound, "a path that only starts like the mount is not in it")
        }
    }

    @Test func aWebAssemblyPageAndItsModuleLiveUnderTheMount() async throws {
        let folder = try WebAssemblyServingTests.moduleFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withHostApp(configure: {
            $0.webAssembly = WebAssemblyModule(name: "TetherDemo", directory: folder.path, pages: [WebAssemblyPage(Counter.self, at: "/wasm/counter")])
        }) { app, _ in
            let page = try await app.get("/app/wasm/counter")
            #expect(page.status == .ok)
            let html = page.body.map { String(buffer: $0) } ?? ""
            #expect(html.contains(#"<div id="tether-root" data-tether-base="/app">"#))
            #expect(html.contains(#"data-tether-wasm="/app/_tether/wasm/TetherDemo.wasm""#))
            #expect(html.contains(#"src="/app/_tether/v/"#) && html.contains(#"/wasm.js" data-tether-wasm="#))
            let module = try await app.get("/app/_tether/wasm/TetherDemo.wasm")
            #expect(module.status == .ok)
            #expect(module.headers[.contentType] == "application/wasm")
            #expect(try await app.get("/_tether/wasm/TetherDemo.wasm").status == .notFound, "the module lives under the mount only")
            #expect(try await app.get("/wasm/counter").status == .notFound)
        }
    }

    @Test func aCircuitUnderTheMountRunsAndNavigatesInsideIt() async throws {
        try await withHostApp { app, _ in
            let (client, _) = try await app.startCircuit("/app/counter")
            try await client.click(id: "increment")
            _ = try await client.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            // The browser's URL is under the mount; the page's own route is not.
            try await client.send(["nav", "/app/counter?again=1"])
            _ = try await client.nextRender()
            try await client.send(["nav", "/elsewhere"])
            let away = try await client.next(kind: "go")
            #expect(away[1]?.stringValue == "/elsewhere", "a URL outside the mount loads in full")
            await client.end()
        }
    }

    @Test func aProtectedPageRedirectsTheSignedOutAndServesTheSignedIn() async throws {
        try await withHostApp { app, _ in
            let signedOut = try await app.get("/app/account")
            #expect(signedOut.status == .found)
            #expect(signedOut.headers[.location] == "/login?returnUrl=/app/account")
            let (client, dom) = try await app.startCircuit("/app/account", user: "ann")
            #expect(dom.element(id: "account-name")?.textContent == "ann")
            await client.end()
            // Signed in, but without the role: refused, not sent to sign in again.
            #expect(try await app.get("/app/admin", user: "ann").status == .forbidden)
            #expect(try await app.get("/app/admin", user: "admin").status == .ok)
        }
    }

    @Test func aDescriptorReplayedFromAnotherSessionIsRefused() async throws {
        try await withHostApp { app, _ in
            let page = try await app.get("/app/account", user: "ann", cookie: "SESSION_ID=first")
            let dom = try MirrorDOM(document: page.body.map { String(buffer: $0) } ?? "")
            let descriptor = try #require(dom.root.attribute("data-tether-descriptor"))
            // The same user in another session: refused.
            let thief = try await app.connect(user: "ann", cookie: "SESSION_ID=second")
            try await thief.send(["start", .string(descriptor), "http://127.0.0.1/app/account"])
            let thiefClose = try await thief.closeFrame()
            #expect(thiefClose.code == 4004)
            // Nobody signed in, no cookie: refused.
            let anonymous = try await app.connect()
            try await anonymous.send(["start", .string(descriptor), "http://127.0.0.1/app/account"])
            let anonymousClose = try await anonymous.closeFrame()
            #expect(anonymousClose.code == 4004)
        }
    }

    @Test func aSignedOutUsersCircuitCannotStartForAProtectedPage() async throws {
        try await withHostApp { app, _ in
            // Rendered while signed in, started after signing out (same session cookie): the page
            // reloads (4007), and its prerender then sends the browser to sign in.
            let page = try await app.get("/app/account", user: "ann")
            let dom = try MirrorDOM(document: page.body.map { String(buffer: $0) } ?? "")
            let descriptor = try #require(dom.root.attribute("data-tether-descriptor"))
            let client = try await app.connect(user: nil)
            try await client.send(["start", .string(descriptor), "http://127.0.0.1/app/account"])
            let clientClose = try await client.closeFrame()
            #expect(clientClose.code == 4004, "the descriptor is bound to the user too")
        }
    }

    @Test func signingOutEndsThatSessionsCircuitsOnly() async throws {
        try await withHostApp { app, tether in
            let (mine, _) = try await app.startCircuit("/app/account", user: "ann", cookie: "SESSION_ID=mine")
            let (other, _) = try await app.startCircuit("/app/counter", user: "bob", cookie: "SESSION_ID=other")
            let signOut = Request(
                head: .init(method: .post, scheme: "http", authority: "127.0.0.1", path: "/logout", headerFields: [.cookie: "SESSION_ID=mine"]),
                body: .init(buffer: ByteBuffer()))
            var context = HostAppContext(source: .init(channel: EmbeddedChannel(), logger: Logger(label: "test")))
            context.userName = "ann"
            #expect(await tether.endCircuits(ofSessionOf: signOut, context: context) == 1)
            let mineClose = try await mine.closeFrame()
            #expect(mineClose.code == 4007, "the page reloads, and the server decides what it shows")
            // Another session's circuit still runs.
            try await other.click(id: "increment")
            _ = try await other.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            await other.end()
        }
    }

    @Test func aCircuitResumesOnlyFromTheSessionThatStartedIt() async throws {
        try await withHostApp { app, _ in
            let (client, dom) = try await app.startCircuit("/app/counter", user: "ann", cookie: "SESSION_ID=mine")
            let configuration = try #require(client.configuration)
            let id = try #require(configuration["circuitId"]?.stringValue)
            let secret = try #require(configuration["secret"]?.stringValue)
            await client.close()
            // The id and secret, stolen and replayed from another session: refused.
            let thief = try await app.connect(user: "ann", cookie: "SESSION_ID=stolen", dom: dom)
            try await thief.send(["resume", .string(id), .string(secret), .number(client.lastBatch)])
            let thiefClose = try await thief.closeFrame()
            #expect(thiefClose.code == 4001)
            // The page itself, from its own session: resumed.
            let back = try await app.connect(user: "ann", cookie: "SESSION_ID=mine", dom: dom)
            try await back.send(["resume", .string(id), .string(secret), .number(client.lastBatch)])
            let resumed = try await back.next(kind: "cfg")
            #expect(resumed[1]?["circuitId"]?.stringValue == id)
            await back.end()
        }
    }

    @Test func theAppsGracefulShutdownReachesTheCircuits() async throws {
        try await withHostApp { app, _ in
            let (client, _) = try await app.startCircuit("/app/counter")
            await app.group.triggerGracefulShutdown()
            let bye = try await client.next(kind: "bye")
            #expect(bye[1]?.stringValue?.isEmpty == false)
            let clientClose = try await client.closeFrame()
            #expect(clientClose.code == 1001, "without a store, the page is told the server went away")
        }
    }

    @Test("a drain saves what the page sent just before it: the page flushes, answers drained, then hears bye")
    func drainWaitsForWhatThePageSent() async throws {
        let store = MemoryCircuitStore()
        try await withHostApp(storage: .store(store)) { app, _ in
            let (client, _) = try await app.startCircuit("/app/counter")
            let id = try #require(client.configuration?["circuitId"]?.stringValue)
            await app.group.triggerGracefulShutdown()
            _ = try await client.next(kind: "drain")
            // What a page sends between the server's decision and its save: a click in flight.
            try await client.click(id: "increment")
            try await client.click(id: "increment")
            try await client.send(["drained"])
            let bye = try await client.next(kind: "bye")
            #expect(bye[2] == true, "the circuit was saved, so the page resumes it on the next process")
            // 1012, never a plain 1000: the drain's close and the socket handler's wait for it
            // once raced (WebSocketOutbox.closeAfterFlush), about one run in ten under load.
            let clientClose = try await client.closeFrame()
            #expect(clientClose.code == 1012, "a saved circuit's page is told the service restarts")
            let saved = try #require(await store.load(id: id, now: Date()))
            #expect(String(decoding: saved.snapshot, as: UTF8.self).contains(#""count":2"#), "both clicks are in the save")
        }
    }

    @Test("a drain leaves a hibernated circuit asleep: the page's answer needs no components, and the save is its snapshot")
    func drainDoesNotReviveHibernatedCircuits() async throws {
        let store = MemoryCircuitStore()
        let metrics = TestMetrics()
        try await withHostApp(
            storage: .store(store),
            configure: { app in
                app.limits.hibernateAfter = .milliseconds(150)
                app.observability.metricsFactory = metrics
            }
        ) { app, _ in
            let (client, _) = try await app.startCircuit("/app/counter")
            let id = try #require(client.configuration?["circuitId"]?.stringValue)
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            try await waitUntil("the circuit hibernates") {
                ((try? metrics.expectMeter("tether_circuits_hibernated").lastValue) ?? 0) == 1
            }
            let revivals = { (try? metrics.expectCounter("tether_circuit_revivals_total").totalValue) ?? 0 }
            let revivalsBefore = revivals()
            await app.group.triggerGracefulShutdown()
            _ = try await client.next(kind: "drain")
            try await client.send(["drained"])
            let bye = try await client.next(kind: "bye")
            #expect(bye[2] == true, "the circuit was saved, so the page resumes it on the next process")
            #expect(revivals() == revivalsBefore, "the drain's answer revived the circuit")
            let saved = try #require(await store.load(id: id, now: Date()))
            #expect(String(decoding: saved.snapshot, as: UTF8.self).contains(#""count":1"#), "the save holds what the page showed")
        }
    }

    @Test("a page that never answers drain costs the drain its flush timeout, not the shutdown")
    func drainDoesNotWaitForeverForAPage() async throws {
        try await withHostApp(storage: .store(MemoryCircuitStore())) { app, _ in
            let (client, _) = try await app.startCircuit("/app/counter")
            let asked = ContinuousClock.now
            await app.group.triggerGracefulShutdown()
            _ = try await client.next(kind: "drain")
            let bye = try await client.next(kind: "bye")
            let waited = ContinuousClock.now - asked
            #expect(bye[2] == true)
            #expect(waited >= .milliseconds(900), "the drain waited for the page's answer (\(waited))")
            #expect(waited < .seconds(4), "and no longer than its flush timeout of 1 s (\(waited))")
        }
    }
}
