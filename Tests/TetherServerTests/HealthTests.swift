import DemoApp
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TetherServer

/// `GET <mount>/_tether/health`: what a load balancer polls to keep a node in rotation or take it
/// out while it drains.
@Suite("Health endpoint")
struct HealthTests {
    @Test("200 live with the node's name and its circuits; 503 draining once a drain began; never cached")
    func liveThenDraining() async throws {
        var app = DemoApp.make()
        app.persistence.storage = .none
        app.persistence.nodeName = "node-a \"east\""
        app.limits.allowedOrigins.insert(testClientOrigin)
        app.logger.logLevel = .critical
        let service = TetherService(app)
        let router = Router(context: BasicTetherRequestContext.self)
        router.addRoutes(service.routes(at: "/app"))
        let application = Application(
            router: router, server: service.httpServer(webSocketRouter: router),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: app.logger)
        try await withLiveServer(application) { http, port in
            func health() async throws -> (status: HTTPResponse.Status, body: String, cacheControl: String?, contentType: String?) {
                let response = try await http.execute(
                    TestClient.Request("/app/_tether/health", method: .get, authority: "127.0.0.1:\(port)", headers: [.connection: "keep-alive"]))
                return (response.status, response.body.map { String(buffer: $0) } ?? "", response.headers[.cacheControl], response.headers[.contentType])
            }
            let idle = try await health()
            #expect(idle.status == .ok)
            #expect(idle.body == #"{"status":"live","node":"node-a \"east\"","circuits":0}"#)
            #expect(idle.cacheControl == "no-store")
            #expect(idle.contentType == "application/json")

            let page = try await http.execute(
                TestClient.Request("/app/counter", method: .get, authority: "127.0.0.1:\(port)", headers: [.connection: "keep-alive"]))
            let dom = try MirrorDOM(document: page.body.map { String(buffer: $0) } ?? "")
            let descriptor = try #require(dom.root.attribute("data-tether-descriptor"))
            let id = try #require(dom.root.attribute("data-tether-circuit"))
            let client = try await ProtocolTestClient.connect(port: port, path: "/app/_tether/circuit?circuit=\(id)", dom: dom)
            _ = try await client.start(descriptor: descriptor, url: "http://127.0.0.1:\(port)/app/counter")
            #expect(try await health().body == #"{"status":"live","node":"node-a \"east\"","circuits":1}"#)

            await service.drain()
            let draining = try await health()
            #expect(draining.status == .serviceUnavailable)
            #expect(draining.body == #"{"status":"draining","node":"node-a \"east\"","circuits":0}"#)
            #expect(draining.cacheControl == "no-store")
            try await client.waitUntilClosed()
        }
    }

    @Test("at the site root it is /_tether/health")
    func atTheRoot() async throws {
        try await withDemoServer(configure: { $0.persistence.nodeName = "solo" }) { server in
            let response = try await server.get("/_tether/health")
            #expect(response.status == .ok)
            #expect(response.body == #"{"status":"live","node":"solo","circuits":0}"#)
        }
    }
}
