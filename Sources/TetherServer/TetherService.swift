import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import TetherUI

/// Tether inside a Hummingbird application you own: its routes as a `RouteCollection` for your
/// router, whatever your request context, and its circuits as a `Service` for your
/// `ServiceGroup`, so a graceful shutdown saves them and tells every page to resume elsewhere.
///
/// ```swift
/// let tether = TetherService(TetherApp(pages: [Counter.self]))
/// let router = Router(context: AppContext.self)
/// router.get("/health") { _, _ in "ok" }
/// router.addRoutes(tether.routes(for: AppContext.self, at: "/app"))
/// let app = Application(router: router, server: tether.httpServer(webSocketRouter: router))
/// let group = ServiceGroup(
///     configuration: .init(services: [app, tether], gracefulShutdownSignals: [.sigterm], logger: app.logger))
/// try await group.run()
/// ```
///
/// With `persistence.storage = .automatic`, circuits are saved to `.tether/circuits.sqlite`, as
/// under `TetherApp.run`.
public final class TetherService: Service, Sendable {
    /// The app this service serves.
    public let app: TetherApp
    let registry: CircuitRegistry

    /// A service for `app`: its circuits, and the store `app.persistence` names (with
    /// `.automatic`, `.tether/circuits.sqlite`), opened when the service runs.
    public convenience init(_ app: TetherApp) {
        self.init(app, automaticStorage: .sqlite(path: CircuitStorage.defaultSQLitePath))
    }

    init(_ app: TetherApp, automaticStorage: CircuitStorage) {
        self.app = app
        registry = app.makeRegistry(automatic: automaticStorage)
    }

    /// The pages, the runtime, the circuit socket and the app's static files, for
    /// `router.addRoutes(_:)`. Under a `path` such as `/app`, everything Tether serves is under
    /// it, and a page's route `/counter` is at `/app/counter`; give the path here, not to
    /// `addRoutes(_:atPath:)`, so the pages know it.
    public func routes<Context: TetherRequestContext>(for context: Context.Type = Context.self, at path: String = "") -> RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        app.addRoutes(to: routes, registry: registry, mount: MountPath(path))
        return routes
    }

    /// The HTTP server Tether's circuits need: HTTP/1.1 with WebSocket upgrades through `router`,
    /// the frame limit and keep-alive pings of `app.limits`, permessage-deflate as `app.webSocket`
    /// says, and its header and idle deadlines.
    public func httpServer<Context: TetherRequestContext>(webSocketRouter router: Router<Context>) -> HTTPServerBuilder {
        let webSocketResponder = router.buildResponder()
        let limits = app.limits
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(idleTimeout: TimeAmount(limits.httpIdleTimeout)), ws: app.webSocketConfiguration)
        return HTTPServerBuilder { responder in
            HeaderDeadlineChannel(
                wrapping: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: configuration),
                timeout: limits.httpHeaderTimeout)
        }
    }

    /// Opens the circuit store and runs the app's pub/sub (``TetherApp/pubsub``), then waits for
    /// the group's graceful shutdown and drains; the pub/sub stops after the drain, so circuits
    /// hear messages until they close. Throws at once, so the app does not start, when the store
    /// finds that another node signs with another key
    /// (``DescriptorSigner/KeyError/differsFromOtherNodes(node:fingerprint:others:)``).
    public func run() async throws {
        try await registry.persister?.prepare()
        let pubsub = app.pubsub
        let logger = app.logger
        await withDiscardingTaskGroup { group in
            group.addTask {
                do {
                    try await pubsub.run()
                } catch {
                    if !(error is CancellationError) { logger.error("the pub/sub stopped", metadata: ["error": "\(error)"]) }
                }
            }
            try? await gracefulShutdown()
            await drain()
            group.cancelAll()
        }
    }

    /// Saves every circuit, tells every connected page to resume on the next process (`bye`, then
    /// close code 1012), and closes them; new resumes are turned away meanwhile. `run` does this on
    /// graceful shutdown; call it yourself to drain without stopping the process.
    public func drain() async {
        await registry.shutdown(reason: "The server is shutting down.")
    }

    /// Ends the circuits of the session `request` belongs to, for your sign-out route: call it
    /// before you clear the session. Their pages reload, so the server decides what they show
    /// now, and their saved copies can no longer be resumed. Returns how many circuits ended.
    @discardableResult
    public func endCircuits<Context: TetherRequestContext>(ofSessionOf request: Request, context: Context) async -> Int {
        let session = app.identity(of: request, context).binding
        return await registry.endCircuits(boundTo: session, reason: "The session ended.")
    }
}
