import DemoApp
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization
import TetherServer

/// A GET response, read once.
struct PageResponse: Sendable {
    let status: HTTPResponse.Status
    let contentType: String?
    let body: String
}

/// A prerendered page: its HTML, the signed descriptor and the `#tether-root` it renders.
struct PrerenderedPage: Sendable {
    let path: String
    let html: String
    let descriptor: String
    let dom: MirrorDOM
}

/// The demo app served live on 127.0.0.1 and a random port, for one test.
struct DemoServer: Sendable {
    let http: TestClient
    let port: Int
    private let clients: ClientList

    fileprivate init(http: TestClient, port: Int, clients: ClientList) {
        self.http = http
        self.port = port
        self.clients = clients
    }

    var origin: String { "http://127.0.0.1:\(port)" }

    func get(_ path: String) async throws -> PageResponse {
        let response = try await http.execute(TestClient.Request(path, method: .get, authority: "127.0.0.1:\(port)", headers: [.connection: "keep-alive"]))
        return PageResponse(
            status: response.status, contentType: response.headers[.contentType], body: response.body.map { String(buffer: $0) } ?? "")
    }

    /// A GET with these headers, its response as it came: headers and undecoded bytes.
    func fetch(_ path: String, headers: HTTPFields = [:]) async throws -> TestClient.Response {
        var fields: HTTPFields = [.connection: "keep-alive"]
        fields.append(contentsOf: headers)
        return try await http.execute(TestClient.Request(path, method: .get, authority: "127.0.0.1:\(port)", headers: fields))
    }

    /// A request over a socket of its own, with `Connection: close`; every byte the server sent
    /// back, split at the end of the head, so a test can see that a HEAD carries no body.
    func raw(_ method: String, _ path: String, headers: [String] = []) async throws -> (head: [String], body: [UInt8]) {
        let port = port
        let bytes = try await offThePool {
            let socket = try SocketLine.connect(port: port)
            defer { socket.close() }
            let lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Connection: close"] + headers
            try socket.write(lines.joined(separator: "\r\n") + "\r\n\r\n")
            return socket.readAll(timeout: .seconds(10))
        }
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: Array("\r\n\r\n".utf8)) }) else {
            throw EditError(description: "\(method) \(path): no complete head in \(bytes.count) bytes")
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        return (head, Array(bytes[(end + 4)...]))
    }

    /// POSTs `body` as text, as `navigator.sendBeacon` does with a string, and returns the status.
    func post(_ path: String, body: String) async throws -> HTTPResponse.Status {
        let response = try await http.execute(
            TestClient.Request(
                path, method: .post, authority: "127.0.0.1:\(port)", headers: [.contentType: "text/plain;charset=UTF-8"],
                body: ByteBuffer(string: body)))
        return response.status
    }

    /// GETs a page and reads its descriptor and its `#tether-root`.
    func fetchPage(_ path: String, status: HTTPResponse.Status = .ok) async throws -> PrerenderedPage {
        let response = try await get(path)
        guard response.status == status else { throw EditError(description: "GET \(path) answered \(response.status), not \(status)") }
        let dom = try MirrorDOM(document: response.body)
        guard let descriptor = dom.root.attribute("data-tether-descriptor"), !descriptor.isEmpty else {
            throw EditError(description: "GET \(path) has no data-tether-descriptor on #tether-root")
        }
        return PrerenderedPage(path: path, html: response.body, descriptor: descriptor, dom: dom)
    }

    /// Opens a circuit socket without starting it; closed when the test ends. `path` may carry a
    /// query, such as the `circuit` the runtime names.
    func connect(
        path: String = "/_tether/circuit", dom: MirrorDOM? = nil, autoAck: Bool = true, headers: HTTPFields = [:],
        extensions: [WebSocketExtensionFactory] = []
    ) async throws -> ProtocolTestClient {
        let client = try await ProtocolTestClient.connect(
            port: port, path: path, dom: dom, autoAck: autoAck, headers: headers, extensions: extensions)
        clients.add(client)
        return client
    }

    /// Fetches `path`, opens a circuit for it and starts it; the prerendered DOM must be kept as is.
    func startCircuit(_ path: String, status: HTTPResponse.Status = .ok) async throws -> (client: ProtocolTestClient, page: PrerenderedPage) {
        let page = try await fetchPage(path, status: status)
        let client = try await connect(dom: page.dom)
        let first = try await client.start(descriptor: page.descriptor, url: origin + path)
        guard first.edits.isEmpty else {
            throw EditError(description: "the live render of \(path) differs from its prerendered HTML: \(first)")
        }
        return (client, page)
    }
}

/// The sockets a test opened, so their circuits are ended before the server stops.
private final class ClientList: Sendable {
    private let clients = Mutex<[ProtocolTestClient]>([])
    func add(_ client: ProtocolTestClient) { clients.withLock { $0.append(client) } }
    func endAll() async {
        for client in clients.withLock({ $0 }) { await client.end() }
    }
}

/// The `Origin` the WebSocket client (swift-websocket) always sends: scheme `ws`, no port. The
/// server accepts only its own origin (`http://127.0.0.1:<port>`) unless told otherwise, and the
/// client's header cannot be replaced, so the tests allow this one.
let testClientOrigin = "ws://127.0.0.1"

/// Runs `body` against a live demo server and returns what it returned, for a test that hands
/// something from one server to the next.
func withDemoServerResult<T: Sendable>(
    configure: (inout TetherApp) -> Void = { _ in },
    _ body: @escaping @Sendable (DemoServer) async throws -> T
) async throws -> T {
    let result = Mutex<T?>(nil)
    try await withDemoServer(configure: configure) { server in
        let value = try await body(server)
        result.withLock { $0 = value }
    }
    guard let value = result.withLock({ $0 }) else { throw EditError(description: "the server's body returned nothing") }
    return value
}

/// Runs `body` against a live demo server. Server logs are off unless `TETHER_TEST_LOG` names a
/// level (`debug`, `info`, …).
func withDemoServer(
    configure: (inout TetherApp) -> Void = { _ in },
    _ body: @Sendable (DemoServer) async throws -> Void
) async throws {
    var app = DemoApp.make()
    app.logger.logLevel = ProcessInfo.processInfo.environment["TETHER_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    app.limits.allowedOrigins.insert(testClientOrigin)
    configure(&app)
    try await withLiveServer(app.application(host: "127.0.0.1", port: 0)) { http, port in
        let clients = ClientList()
        let server = DemoServer(http: http, port: port, clients: clients)
        do {
            try await body(server)
        } catch {
            await clients.endAll()
            throw error
        }
        await clients.endAll()
    }
}
