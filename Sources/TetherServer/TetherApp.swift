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
    /// The pages, by route; `init(pages:)` sets them.
    public var pages: PageRouter
    /// The services every circuit's components can `@Inject`, registered once for the app.
    public var services = ServiceValues()
    /// Publish and subscribe between the app's circuits, which components reach with
    /// `@Inject(\.pubsub)`: in this process (`InProcessPubSub`) unless set to one a cluster shares,
    /// such as `PostgresPubSub`. It lives in ``services``, so every circuit and prerender gets it;
    /// `TetherService` runs its `PubSub.run()` while it serves.
    public var pubsub: any PubSub {
        get { services.pubsub }
        set { services.pubsub = newValue }
    }
    /// Shown for a URL no page matches, with status 404 on a GET.
    public var notFoundPage: any Page.Type = NotFoundPage.self
    /// The app's WebAssembly module and the pages it renders in the browser; nil when every page
    /// runs on the server. See ``WebAssemblyModule``.
    public var webAssembly: WebAssemblyModule?
    /// The Swift methods JavaScript may call with `Tether.invokeMethodAsync`.
    public var exports = JSExports()
    /// The HTML shell every page is rendered into: its title, and tags for `<head>` and the end
    /// of `<body>`.
    public var document = DocumentTemplate()
    /// Interop settings of every circuit: the default call timeout, error details, and the limits
    /// on calls and objects.
    public var interop = InteropOptions()
    /// Signs the prerender descriptors circuits start from; share its key between nodes.
    public var signer = DescriptorSigner()
    /// Every limit on what one browser can make the server hold or do.
    public var limits = CircuitLimits()
    /// The circuit socket's options: permessage-deflate.
    public var webSocket = WebSocketOptions()
    /// Where circuits are saved so their pages survive restarts, deploys and crashes; see
    /// ``CircuitPersistence``. `run` saves to `.tether/circuits.sqlite` unless told otherwise.
    public var persistence = CircuitPersistence()
    /// Where Tether's metrics and spans go; see ``ObservabilityOptions``.
    public var observability = ObservabilityOptions()
    /// The app's public folder (the `wwwroot` analog), served at the site root.
    public var publicDirectory: String?
    /// Static content of libraries, each under `/_content/{Name}/`: files, collocated modules and
    /// JS initializers.
    public var libraries: [StaticContent] = []

    /// Every folder of static files the app serves.
    var staticContent: [StaticContent] {
        (publicDirectory.map { [StaticContent(directory: $0, urlPrefix: "/")] } ?? []) + libraries
    }
    /// Where the server and its circuits log.
    public var logger = Logger(label: "tether")
    /// How Tether learns who a request is from, and where it sends those a page refuses.
    public var authentication = AuthenticationOptions()

    /// An app serving `pages`, each at its `route`, with every other setting at its default.
    public init(pages: [any Page.Type]) {
        self.pages = PageRouter(pages)
        // An app's own, so two apps in one process (tests) do not hear each other.
        pubsub = InProcessPubSub()
    }

    /// Builds the Hummingbird application, for tests: Tether at the site root, saving nothing
    /// unless `persistence` chooses a store, and no graceful shutdown of its own.
    public func application(host: String = "127.0.0.1", port: Int = 8080) -> some ApplicationProtocol {
        let service = TetherService(self, automaticStorage: .none)
        let router = Router(context: BasicTetherRequestContext.self)
        router.addRoutes(service.routes(for: BasicTetherRequestContext.self))
        return Application(
            router: router, server: service.httpServer(webSocketRouter: router),
            configuration: .init(address: .hostname(host, port: port), serverName: "Tether"), logger: logger)
    }

    /// Serves until SIGTERM or SIGINT; then it stops accepting, tells every connected browser
    /// (`bye`), closes the circuits and exits within `limits.shutdownGracePeriod`. To add routes,
    /// middleware or a request context of your own, mount a `TetherService` instead.
    public func run(host: String = "127.0.0.1", port: Int = 8080) async throws {
        let service = TetherService(self)
        let router = Router(context: BasicTetherRequestContext.self)
        router.addRoutes(service.routes(for: BasicTetherRequestContext.self))
        let application = Application(
            router: router, server: service.httpServer(webSocketRouter: router),
            configuration: .init(address: .hostname(host, port: port), serverName: "Tether"), logger: logger)
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: application), .init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = limits.shutdownGracePeriod
        try await ServiceGroup(configuration: configuration).run()
    }

    /// The circuits of one server; `automatic` is the storage `persistence.storage = .automatic`
    /// stands for here.
    func makeRegistry(automatic: CircuitStorage) -> CircuitRegistry {
        CircuitRegistry(
            limits: limits, persister: CircuitPersister.make(persistence, automatic: automatic, keyFingerprint: signer.keyFingerprint, logger: logger),
            instruments: observability.makeInstruments(), logger: logger)
    }

    /// Adds the pages, the runtime, the circuit endpoint and the static files under `mount`.
    func addRoutes<Context: TetherRequestContext>(to routes: RouteCollection<Context>, registry: CircuitRegistry, mount: MountPath) {
        let app = self
        let base = mount.prefix
        routes.add(middleware: NotFoundPageMiddleware<Context>(app: self, mount: mount))
        for content in staticContent {
            routes.add(middleware: content.middleware(under: mount))
        }
        let initializers = StaticContent.initializerURLs(in: staticContent).map(mount.browserURL(fromPage:))
        routes.get("\(base)/_tether/initializers") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: "[" + initializers.map(JSONText.quoted).joined(separator: ",") + "]")))
        }
        // For a load balancer or an orchestrator: 200 while this node takes circuits, 503 once
        // it drains, so it is taken out of rotation while its pages resume on the others.
        let nodeName = persistence.nodeName
        routes.get("\(base)/_tether/health") { _, _ in
            let draining = await registry.isDraining
            let circuits = await registry.heldCount
            let json = "{\"status\":\"\(draining ? "draining" : "live")\",\"node\":\(JSONText.quoted(nodeName)),\"circuits\":\(circuits)}"
            return Response(
                status: draining ? .serviceUnavailable : .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        routes.get("\(base)/_tether/prerender") { request, context in
            try await app.prerenderForManualStart(request, identity: app.identity(of: request, context), mount: mount)
        }
        // A page closed for good (`pagehide`) whose circuit has no open socket says so with a
        // beacon: its saved copy is deleted. The same answer for an unknown id and a wrong secret.
        routes.post("\(base)/_tether/circuit/end") { request, context -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1024)
            guard let json = try? JSONParser.parse(body.readableBytesView), let id = json["id"]?.stringValue,
                let secret = json["secret"]?.stringValue
            else { throw HTTPError(.badRequest, message: "expected {\"id\": …, \"secret\": …}") }
            let session = app.identity(of: request, context).binding
            return await registry.end(id: id, secret: secret, session: session) ? .noContent : .notFound
        }
        RuntimeAsset.addRoutes(to: routes, under: base)
        let module = webAssembly
        for method in [HTTPRequest.Method.get, .head] {
            routes.on(RouterPath("\(base)/_tether/wasm/{file}"), method: method) { request, context in
                let file = try context.parameters.require("file")
                guard let module else {
                    return WebAssemblyModuleFile.notFound("This app has no WebAssembly module: no TetherApp.webAssembly is set.")
                }
                return module.response(file: file, request: request)
            }
        }
        let allowedOrigins = limits.allowedOrigins
        let sharedApp = CircuitConnection.SharedApp(self)
        routes.ws("\(base)/_tether/circuit") { request, context in
            // A browser always sends Origin: refuse pages of other sites (cross-site WebSocket
            // hijacking). Only clients that are not browsers can leave it out.
            guard let origin = request.headers[.origin] else { return .upgrade([:]) }
            guard OriginCheck.allows(origin: origin, host: request.head.authority, allowed: allowedOrigins) else {
                context.logger.notice("refused a circuit from another origin", metadata: ["origin": LogSafe.metadata(origin)])
                throw HTTPError(.forbidden, message: "Cross-origin circuits are not allowed.")
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            // The upgrade request, as the app's middleware left its context: its cookies and
            // its user are who the circuit serves.
            let identity = app.identity(of: context.request, context.requestContext)
            let client = identity.state.clientAddress ?? "unknown"
            let routingID = context.request.uri.queryParameters["circuit"].map(String.init)
            try await CircuitConnection(app: sharedApp, registry: registry, client: client, identity: identity, mount: mount, routingID: routingID)
                .serve(inbound: inbound, outbound: outbound, channel: context.requestContext.channel, logger: context.logger)
        }
        // "**" needs at least one path segment, so the mount's root gets its own routes.
        let paths: [RouterPath] = base.isEmpty ? ["/", "**"] : [RouterPath(base), RouterPath(base + "/**")]
        for path in paths {
            routes.get(path) { request, context in try await app.prerender(request, identity: app.identity(of: request, context), mount: mount) }
            routes.head(path) { request, context in try await app.prerender(request, identity: app.identity(of: request, context), mount: mount) }
        }
    }

    /// What the app's context and the request say about who sent it.
    func identity<Context: TetherRequestContext>(of request: Request, _ context: Context) -> RequestIdentity {
        let client = ForwardedFor.client(
            peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[values: .xForwardedFor], trustedProxies: limits.trustedProxies)
        return authentication.capture(request, user: context.tetherUser, clientAddress: client)
    }

    /// Renders a page to complete HTML, with a signed descriptor the circuit starts from. A page
    /// the visitor may not see redirects to the login page, or is refused a signed-in user.
    func prerender(_ request: Request, identity: RequestIdentity, mount: MountPath) async throws -> Response {
        // `%ff` names no byte sequence a path can be: say so, rather than match it to a page.
        guard request.uri.path.removingPercentEncoding != nil else {
            throw HTTPError(.badRequest, message: "The URL's path has invalid percent-encoding.")
        }
        // Thrown, so the public folder gets its turn before the 404 page.
        guard let url = mount.pageURL(fromBrowser: request.uri.description), let (mode, pageType, route) = page(at: url) else {
            throw HTTPError(.notFound)
        }
        guard pageType.authorization.allows(identity.state) else {
            return refusal(of: pageType, to: identity, browserURL: request.uri.description, mount: mount)
        }
        return await render(pageType.init(), route: route, url: url, identity: identity, mount: mount, status: .ok, mode: mode)
    }

    /// The page at `url` (inside the mount) and the mode it runs in: the WebAssembly module's
    /// pages are tried first, then the server's.
    func page(at url: String) -> (mode: RenderMode, page: any Page.Type, route: RouteValues)? {
        // One order for a GET and a circuit: CircuitPages owns it.
        circuitPages.match(url: url)
    }

    /// What a circuit of this app may show: its server pages, and its auto pages.
    var circuitPages: CircuitPages {
        CircuitPages(app: self)
    }

    /// The mode the page at `url` (a path with an optional query, inside the mount) runs in, or
    /// nil when no page is there.
    public func renderMode(at url: String) -> RenderMode? {
        page(at: url)?.mode
    }

    /// A visitor nobody signed in is sent to sign in, and comes back after; a signed-in user the
    /// page does not allow gets 403.
    func refusal(of page: any Page.Type, to identity: RequestIdentity, browserURL: String, mount: MountPath) -> Response {
        guard identity.state.user != nil else {
            return Response(
                status: .found,
                headers: [.location: authentication.loginRedirect(returningTo: browserURL), .cacheControl: "no-store"])
        }
        logger.info("refused a page", metadata: ["page": "\(page.route)", "requires": "\(page.authorization.summary)"])
        let content = "<p id=\"tether-forbidden\">You are not allowed to see this page.</p>"
        return htmlResponse(document.render(content: content, descriptor: "", circuit: "", base: mount.prefix), status: .forbidden)
    }

    /// A page's first HTML, prerendered; it starts as `mode` says: a circuit, the app's module in
    /// the browser, or (auto) whichever of the two the browser chooses.
    func render(
        _ page: any Component, route: RouteValues, url: String, identity: RequestIdentity, mount: MountPath, status: HTTPResponse.Status,
        mode: RenderMode = .server
    ) async -> Response {
        // Only the module's pages have another mode than the server's, so the module is set then.
        let module = mode == .server ? nil : webAssembly
        let content: String
        let head: DocumentHead
        do {
            // The module shows a page without its layout, so its first HTML has none; in auto mode
            // the circuit shows it without one too (`CircuitPages`).
            (content, head) = try await prerenderedContent(page, route: route, identity: identity, showsLayout: module == nil)
        } catch {
            logger.error("prerender failed", metadata: ["url": LogSafe.metadata(url), "error": "\(error)"])
            return htmlResponse(
                document.render(content: "<p>An error has occurred.</p>", descriptor: "", circuit: "", base: mount.prefix), status: .internalServerError)
        }
        let bootstrap: DocumentTemplate.Bootstrap
        switch (mode, module) {
        case (.webAssembly, let module?):
            bootstrap = .webAssembly(moduleURL: module.url(base: mount.prefix))
        case (.auto, let module?):
            let circuit = makeCircuitID()
            bootstrap = .auto(
                descriptor: signer.sign(url: url, markup: content, session: identity.binding.digest, circuit: circuit), circuit: circuit,
                moduleURL: module.url(base: mount.prefix), moduleVersion: module.current()?.moduleVersion)
        default:
            let circuit = makeCircuitID()
            bootstrap = .circuit(descriptor: signer.sign(url: url, markup: content, session: identity.binding.digest, circuit: circuit), circuit: circuit)
        }
        return htmlResponse(document.render(content: content, bootstrap: bootstrap, base: mount.prefix, head: head), status: status)
    }

    /// The content, descriptor and circuit id of a page, as JSON, for a static page that starts
    /// the runtime by hand with `Tether.start({ url })`. It reveals no more than a GET of that page does.
    func prerenderForManualStart(_ request: Request, identity: RequestIdentity, mount: MountPath) async throws -> Response {
        guard let browserURL = request.uri.queryParameters["url"].map(String.init), browserURL.hasPrefix("/"), !browserURL.hasPrefix("//"),
            let url = mount.pageURL(fromBrowser: browserURL), let (pageType, route) = pages.match(url: url)
        else { throw HTTPError(.badRequest, message: "no page at that url") }
        guard pageType.authorization.allows(identity.state) else { throw HTTPError(.forbidden, message: "not allowed to see that page") }
        // The circuit sends the head once it has rendered: the page's own is not replaced here.
        let (content, _) = try await prerenderedContent(pageType.init(), route: route, identity: identity)
        let circuit = makeCircuitID()
        let descriptor = signer.sign(url: url, markup: content, session: identity.binding.digest, circuit: circuit)
        let json = "{\"html\":\(JSONText.quoted(content)),\"descriptor\":\(JSONText.quoted(descriptor)),\"circuit\":\(JSONText.quoted(circuit))}"
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// A page's complete first HTML and what its `PageTitle` and `HeadContent` put in the head,
    /// with no browser attached: JS calls fail with `JSPrerenderingError`, `onInitialized` is
    /// awaited, and `AsyncContent` shows its loading state without starting its work.
    func prerenderedContent(
        _ page: any Component, route: RouteValues, identity: RequestIdentity, showsLayout: Bool = true
    ) async throws -> (content: String, head: DocumentHead) {
        var services = services
        services.authentication = identity.state
        let renderer = Renderer(
            page: page, route: route, js: JSRuntime(channel: .prerendering(logger: logger)), services: services, isPrerendering: true,
            showsLayout: showsLayout)
        let content = try await Circuit.renderSettled(renderer)
        return (content, renderer.head)
    }

    /// The not-found page for a GET nothing else answered.
    func notFoundResponse(_ request: Request, identity: RequestIdentity, mount: MountPath) async -> Response {
        let url = mount.pageURL(fromBrowser: request.uri.description) ?? request.uri.description
        return await render(
            notFoundPage.init(), route: RouteValues(path: URLComponents(string: url)?.percentEncodedPath ?? request.uri.path), url: url,
            identity: identity, mount: mount, status: .notFound)
    }

    func htmlResponse(_ html: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Turns a 404 from any route or file into the app's own "not found" page.
struct NotFoundPageMiddleware<Context: TetherRequestContext>: RouterMiddleware {
    let app: TetherApp
    let mount: MountPath

    @concurrent func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && request.method == .get {
            return await app.notFoundResponse(request, identity: app.identity(of: request, context), mount: mount)
        }
    }
}
