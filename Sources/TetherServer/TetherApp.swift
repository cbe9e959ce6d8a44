import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import TetherInterop
import TetherUI
import HummingbirdCore

/// A Tether application: its pages, the Swift methods JS may call, and how it is served.
///
/// ```swift
/// var app = TetherApp(pages: [CallJsExample1.self, Counter.self])
/// app.services.orders = LiveOrders(database)
/// app.exports.module("Demo") { $0.expose("Add") { (a: Int, b: Int) in a + b } }
/// try await app.run(port: 8080)
/// ```
public struct TetherApp: Sendable {
    public var pages: PageRouter
    /// The services every circuit's components can `@Inject`, registered once for the app.
    public var services = ServiceValues()
    /// Shown for a URL no page matches, with status 404 on a GET.
    public var notFoundPage: any Page.Type = NotFoundPage.self
    public var exports = JSExports()
    public var document = DocumentTemplate()
    public var interop = InteropOptions()
    public var signer = DescriptorSigner()
    public var limits = CircuitLimits()
    /// The circuit socket's options: permessage-deflate.
    public var webSocket = WebSocketOptions()
    /// Where circuits are saved so their pages survive restarts, deploys and crashes; see
    /// ``CircuitPersistence``. `run` saves to `.tether/circuits.sqlite` unless told otherwise.
    public var persistence = CircuitPersistence()
    /// The app's public folder (the `wwwroot` analog), served at the site root.
    public var publicDirectory: String?
    /// Static content of libraries, each under `/_content/{Name}/`: files, collocated modules and
    /// JS initializers.
    public var libraries: [StaticContent] = []

    /// Every folder of static files the app serves.
    var staticContent: [StaticContent] {
        (publicDirectory.map { [StaticContent(directory: $0, urlPrefix: "/")] } ?? []) + libraries
    }
    public var logger = Logger(label: "tether")

    public init(pages: [any Page.Type]) {
        self.pages = PageRouter(pages)
    }

    /// Builds the Hummingbird application, for running or for tests.
    public func application(host: String = "127.0.0.1", port: Int = 8080) -> some ApplicationProtocol {
        let router = Router(context: TetherRequestContext.self)
        addRoutes(to: router)
        return makeApplication(router: router, host: host, port: port)
    }

    func makeApplication(router: Router<TetherRequestContext>, host: String, port: Int) -> some ApplicationProtocol {
        let webSocketResponder = router.buildResponder()
        let limits = limits
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(idleTimeout: TimeAmount(limits.httpIdleTimeout)), ws: webSocketConfiguration)
        return Application(
            router: router,
            server: HTTPServerBuilder { responder in
                HeaderDeadlineChannel(
                    wrapping: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: configuration),
                    timeout: limits.httpHeaderTimeout)
            },
            configuration: .init(address: .hostname(host, port: port), serverName: "Tether"),
            logger: logger
        )
    }

    /// Serves until SIGTERM or SIGINT; then it stops accepting, tells every connected browser
    /// (`bye`), closes the circuits and exits within `limits.shutdownGracePeriod`.
    public func run(host: String = "127.0.0.1", port: Int = 8080) async throws {
        let registry = makeRegistry(automatic: .sqlite(path: CircuitStorage.defaultSQLitePath))
        await registry.persister?.prepare()
        let router = Router(context: TetherRequestContext.self)
        addRoutes(to: router, registry: registry)
        let application = makeApplication(router: router, host: host, port: port)
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: application), .init(service: CircuitShutdown(registry: registry))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = limits.shutdownGracePeriod
        try await ServiceGroup(configuration: configuration).run()
    }

    /// Adds the pages, the runtime script and the circuit endpoint to a router you own, so the
    /// app can share a server with other routes.
    public func addRoutes(to router: Router<TetherRequestContext>) {
        addRoutes(to: router, registry: makeRegistry(automatic: .none))
    }

    /// The circuits of one server; `automatic` is the storage `persistence.storage = .automatic`
    /// stands for here.
    func makeRegistry(automatic: CircuitStorage) -> CircuitRegistry {
        CircuitRegistry(limits: limits, persister: CircuitPersister.make(persistence, automatic: automatic, logger: logger), logger: logger)
    }

    func addRoutes(to router: Router<TetherRequestContext>, registry: CircuitRegistry) {
        let app = self
        router.middlewares.add(NotFoundPageMiddleware(app: self))
        for content in staticContent {
            router.middlewares.add(content.middleware())
        }
        let initializers = StaticContent.initializerURLs(in: staticContent)
        router.get("/_tether/initializers") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: "[" + initializers.map(JSONText.quoted).joined(separator: ",") + "]")))
        }
        router.get("/_tether/prerender") { request, _ in
            try await app.prerenderForManualStart(request)
        }
        // A page closed for good (`pagehide`) whose circuit has no open socket says so with a
        // beacon: its saved copy is deleted. The same answer for an unknown id and a wrong secret.
        router.post("/_tether/circuit/end") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1024)
            guard let json = try? JSONParser.parse(body.readableBytesView), let id = json["id"]?.stringValue,
                let secret = json["secret"]?.stringValue
            else { throw HTTPError(.badRequest, message: "expected {\"id\": …, \"secret\": …}") }
            return await registry.end(id: id, secret: secret) ? .noContent : .notFound
        }
        RuntimeAsset.addRoutes(to: router)
        let allowedOrigins = limits.allowedOrigins
        router.ws("/_tether/circuit") { request, context in
            // A browser always sends Origin: refuse pages of other sites (cross-site WebSocket
            // hijacking). Only clients that are not browsers can leave it out.
            guard let origin = request.headers[.origin] else { return .upgrade([:]) }
            guard OriginCheck.allows(origin: origin, host: request.head.authority, allowed: allowedOrigins) else {
                context.logger.notice("refused a circuit from another origin", metadata: ["origin": LogSafe.metadata(origin)])
                throw HTTPError(.forbidden, message: "Cross-origin circuits are not allowed.")
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let client = context.requestContext.remoteAddress?.ipAddress ?? "unknown"
            try await CircuitConnection(app: app, registry: registry, client: client)
                .serve(inbound: inbound, outbound: outbound, channel: context.requestContext.channel, logger: context.logger)
        }
        // "**" needs at least one path segment, so the site root gets its own routes.
        for path: RouterPath in ["/", "**"] {
            router.get(path) { request, _ in try await app.prerender(request) }
            router.head(path) { request, _ in try await app.prerender(request) }
        }
    }

    /// Renders a page to complete HTML, with a signed descriptor the circuit starts from.
    func prerender(_ request: Request) async throws -> Response {
        // `%ff` names no byte sequence a path can be: say so, rather than match it to a page.
        guard request.uri.path.removingPercentEncoding != nil else {
            throw HTTPError(.badRequest, message: "The URL's path has invalid percent-encoding.")
        }
        let url = request.uri.description
        guard let (pageType, route) = pages.match(url: url) else {
            // Thrown, so the public folder gets its turn before the 404 page.
            throw HTTPError(.notFound)
        }
        return await render(pageType.init(), route: route, url: url, status: .ok)
    }

    func render(_ page: any Component, route: RouteValues, url: String, status: HTTPResponse.Status) async -> Response {
        let content: String
        do {
            content = try await prerenderedContent(page, route: route)
        } catch {
            logger.error("prerender failed", metadata: ["url": LogSafe.metadata(url), "error": "\(error)"])
            return htmlResponse(document.render(content: "<p>An error has occurred.</p>", descriptor: ""), status: .internalServerError)
        }
        let descriptor = signer.sign(url: url, markup: content)
        return htmlResponse(document.render(content: content, descriptor: descriptor), status: status)
    }

    /// The content and descriptor of a page, as JSON, for a static page that starts the runtime
    /// by hand with `Tether.start({ url })`. It reveals no more than a GET of that page does.
    func prerenderForManualStart(_ request: Request) async throws -> Response {
        guard let url = request.uri.queryParameters["url"].map(String.init), url.hasPrefix("/"), !url.hasPrefix("//"),
            let (pageType, route) = pages.match(url: url)
        else { throw HTTPError(.badRequest, message: "no page at that url") }
        let content = try await prerenderedContent(pageType.init(), route: route)
        let json = "{\"html\":\(JSONText.quoted(content)),\"descriptor\":\(JSONText.quoted(signer.sign(url: url, markup: content)))}"
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// A page's complete first HTML, with no browser attached: JS calls fail with
    /// `JSPrerenderingError`, `onInitialized` is awaited.
    func prerenderedContent(_ page: any Component, route: RouteValues) async throws -> String {
        let renderer = Renderer(
            page: page, route: route, js: JSRuntime(channel: .prerendering(logger: logger)), services: services, isPrerendering: true)
        return try await Circuit.renderSettled(renderer)
    }

    /// The not-found page for a GET nothing else answered.
    func notFoundResponse(_ request: Request) async -> Response {
        let url = request.uri.description
        return await render(notFoundPage.init(), route: RouteValues(path: request.uri.path), url: url, status: .notFound)
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
    let app: TetherApp

    @concurrent func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && request.method == .get {
            return await app.notFoundResponse(request)
        }
    }
}
