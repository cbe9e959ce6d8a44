import CoreMetrics
import Hummingbird
import NIOCore
import TetherInterop
import TetherUI
import Tracing

/// Where Tether's metrics and spans go. Set on `TetherApp.observability`.
///
/// Tether only emits, through swift-metrics and swift-distributed-tracing; the app chooses the
/// backends. By default it uses whatever the process bootstrapped (`MetricsSystem.bootstrap`,
/// `InstrumentationSystem.bootstrap`) when the app starts serving, so an app that bootstraps
/// nothing pays almost nothing. A test, which cannot bootstrap twice in one process, gives its
/// own factory and tracer here instead.
///
/// ```swift
/// let registry = PrometheusCollectorRegistry()
/// MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
/// var app = TetherApp(pages: [Counter.self])
/// app.observability.metricsEndpoint = MetricsEndpoint { registry.emitToBuffer() }
/// ```
public struct ObservabilityOptions: Sendable {
    /// The factory Tether's metrics are made from; nil takes `MetricsSystem.factory` when the
    /// app starts serving.
    public var metricsFactory: (any MetricsFactory)?
    /// The tracer Tether's spans start on; nil takes `InstrumentationSystem.tracer` when the app
    /// starts serving.
    public var tracer: (any Tracer)?
    /// Serves the metrics backend's text on the app's own server, such as Prometheus's
    /// `/metrics`; nil serves nothing.
    public var metricsEndpoint: MetricsEndpoint?

    public init(metricsFactory: (any MetricsFactory)? = nil, tracer: (any Tracer)? = nil, metricsEndpoint: MetricsEndpoint? = nil) {
        self.metricsFactory = metricsFactory
        self.tracer = tracer
        self.metricsEndpoint = metricsEndpoint
    }

    /// The app's metric objects, made once for a server from the chosen backends.
    func makeInstruments() -> TetherInstruments {
        TetherInstruments(factory: metricsFactory ?? MetricsSystem.factory, tracer: tracer ?? InstrumentationSystem.tracer)
    }
}

/// A GET route that answers with what the metrics backend exports, for a scraper.
///
/// Whoever can reach the app can read it: expose it only where that is wanted (a private
/// listener, or a proxy that keeps the path internal).
public struct MetricsEndpoint: Sendable {
    public var path: String
    public var contentType: String
    /// The body of each answer, made when the scraper asks.
    public var body: @Sendable () -> [UInt8]

    /// By default, Prometheus's text format at `/metrics`.
    public init(
        path: String = "/metrics", contentType: String = "text/plain; version=0.0.4; charset=utf-8", body: @escaping @Sendable () -> [UInt8]
    ) {
        self.path = path
        self.contentType = contentType
        self.body = body
    }

    func addRoute<Context: RequestContext>(to router: Router<Context>) {
        let endpoint = self
        router.get(RouterPath(path)) { _, _ in
            Response(
                status: .ok, headers: [.contentType: endpoint.contentType, .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: endpoint.body())))
        }
    }
}

extension TetherApp {
    /// The route of the page `url` shows, for log lines and spans: the template a page declares,
    /// never the URL itself, so what a browser sent cannot grow the set of values.
    func pageRoute(showing url: String) -> String {
        (pages.match(url: url)?.page ?? notFoundPage).route
    }
}

extension CircuitTelemetry {
    /// The circuit now shows `page`.
    func show(_ page: any Component) {
        show(page: (type(of: page) as? any Page.Type)?.route ?? "\(type(of: page))")
    }
}
