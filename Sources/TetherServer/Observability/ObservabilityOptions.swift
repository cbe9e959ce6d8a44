import CoreMetrics
import TetherInterop
import TetherUI
import Tracing

/// Where Tether's metrics and spans go. Set on `TetherApp.observability`.
///
/// Tether only emits, through swift-metrics and swift-distributed-tracing; the app chooses the
/// backends and serves them (a Prometheus scrape route is one `router.get` beside
/// `TetherService`'s routes). By default Tether uses whatever the process bootstrapped
/// (`MetricsSystem.bootstrap`, `InstrumentationSystem.bootstrap`) when its `TetherService` is
/// made, so an app that bootstraps nothing pays almost nothing. A test, which cannot bootstrap
/// twice in one process, gives its own factory and tracer here instead.
///
/// ```swift
/// MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))  // first
/// let tether = TetherService(app)
/// ```
public struct ObservabilityOptions: Sendable {
    /// The factory Tether's metrics are made from; nil takes `MetricsSystem.factory` when the
    /// `TetherService` is made (for `TetherApp.run`, when it starts).
    public var metricsFactory: (any MetricsFactory)?
    /// The tracer Tether's spans start on; nil takes `InstrumentationSystem.tracer` when the
    /// `TetherService` is made.
    public var tracer: (any Tracer)?

    /// Backends for this app alone; nil for either takes the process's.
    ///
    /// - Parameters:
    ///   - metricsFactory: Where Tether's metrics go, such as `TestMetrics()` in a test.
    ///   - tracer: Where Tether's spans go, such as `InMemoryTracer()` in a test.
    public init(metricsFactory: (any MetricsFactory)? = nil, tracer: (any Tracer)? = nil) {
        self.metricsFactory = metricsFactory
        self.tracer = tracer
    }

    /// The app's metric objects, made once for a server from the chosen backends.
    func makeInstruments() -> TetherInstruments {
        TetherInstruments(factory: metricsFactory ?? MetricsSystem.factory, tracer: tracer ?? InstrumentationSystem.tracer)
    }
}

extension TetherApp {
    /// The route of the page `url` shows, for log lines and spans: the template a page declares,
    /// never the URL itself, so what a browser sent cannot grow the set of values.
    func pageRoute(showing url: String) -> String {
        (circuitPages.pageType(at: url) ?? notFoundPage).route
    }
}

extension CircuitTelemetry {
    /// The circuit now shows `page`.
    func show(_ page: any Component) {
        show(page: (type(of: page) as? any Page.Type)?.route ?? "\(type(of: page))")
    }
}
