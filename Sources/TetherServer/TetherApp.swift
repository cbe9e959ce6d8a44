import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import TetherInterop
import TetherUI

/// A Tether application: its pages, the Swift methods JS may call, and how it is served.
///
/// ```swift
/// var app = TetherApp(pages: [CallJsExample1.self, Counter.self])
/// app.exports.module("Demo") { $0.expose("Add") { (a: Int, b: Int) in a + b } }
/// try await app.run(port: 8080)
/// ```
public struct TetherApp: Sendable {
    public var pages: PageTable
    public var exports = JSExports()
    public var document = DocumentTemplate()
    public var interop = InteropOptions()
    public var signer = DescriptorSigner()
    public var limits = CircuitLimits()
    /// The app's public folder (the `wwwroot` analog), served at the site root.
    public var publicDirectory: String?
    public var logger = Logger(label: "tether")

    public init(pages: [any Page.Type]) {
        self.pages = PageTable(pages)
    }

    /// Builds the Hummingbird application, for running or for tests.
    public func application(host: String = "127.0.0.1", port: Int = 8080) -> some ApplicationProtocol {
        let router = Router(context: BasicWebSocketRequestContext.self)
        addRoutes(to: router)
        return Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: router,
                configuration: .init(ws: .init(maxFrameSize: limits.transportMaxFrameBytes, autoPing: .enabled(timePeriod: .seconds(30)), validateUTF8: true))),
            configuration: .init(address: .hostname(host, port: port), serverName: "Tether"),
            logger: logger
        )
    }

    public func run(host: String = "127.0.0.1", port: Int = 8080) async throws {
        try await application(host: host, port: port).runService()
    }

    /// Adds the pages, the runtime script and the circuit endpoint to a router you own, so the
    /// app can share a server with other routes.
    public func addRoutes(to router: Router<BasicWebSocketRequestContext>) {
        let app = self
        router.middlewares.add(NotFoundPageMiddleware(html: notFoundPage))
        if let publicDirectory {
            router.middlewares.add(FileMiddleware(publicDirectory, searchForIndexHtml: false))
        }
        router.get("/_tether/tether.js") { _, _ in
            try RuntimeAsset.response()
        }
        router.ws("/_tether/circuit") { inbound, outbound, context in
            await CircuitConnection(app: app).serve(inbound: inbound, outbound: outbound, logger: context.logger)
        }
        router.get("**") { request, _ in
            try await app.prerender(request)
        }
    }

    /// Renders a page to complete HTML, with a signed descriptor the circuit starts from.
    func prerender(_ request: Request) async throws -> Response {
        let path = request.uri.path
        guard let (pageType, _) = pages.match(path: path) else {
            // Thrown, so the public folder gets its turn before the 404 page.
            throw HTTPError(.notFound)
        }
        let renderer = Renderer(root: pageType.init(), js: JSRuntime(channel: .prerendering(logger: logger)), isPrerendering: true)
        do {
            try await renderer.initializePending()
        } catch {
            logger.error("prerender failed", metadata: ["path": "\(path)", "error": "\(error)"])
            return htmlResponse(document.render(content: "<p>An error has occurred.</p>", descriptor: ""), status: .internalServerError)
        }
        let content = renderer.renderHTML()
        let descriptor = signer.sign(url: request.uri.description, markup: content)
        return htmlResponse(document.render(content: content, descriptor: descriptor), status: .ok)
    }

    func notFoundPage(_ path: String) -> String {
        document.render(content: "<h1>Not found</h1><p>There is no page at \(HTMLWriter.escape(path)).</p>", descriptor: "")
    }

    func htmlResponse(_ html: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Turns a 404 from any route or file into the app's own "not found" page.
struct NotFoundPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let html: @Sendable (String) -> String

    @concurrent func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && request.method == .get {
            return Response(
                status: .notFound,
                headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: html(request.uri.path))))
        }
    }
}

/// The runtime script, served from the module's resources.
enum RuntimeAsset {
    static let source: String? = {
        guard let url = Bundle.module.url(forResource: "tether", withExtension: "js") else { return nil }
        return try? String(contentsOf: url, encoding: .utf8)
    }()

    static func response() throws -> Response {
        guard let source else { throw HTTPError(.internalServerError, message: "tether.js is missing from the bundle") }
        return Response(
            status: .ok,
            headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(string: source)))
    }
}
