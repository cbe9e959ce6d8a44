import CoreMetrics
import Hummingbird
import NIOCore
import Prometheus

/// The demo's metrics backend: swift-prometheus, served at `/metrics`. Shared by `tether-demo`
/// and `tether-bench`, so the benchmark measures the setup the demo documents.
public struct DemoMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry

    /// Bootstraps swift-metrics with Prometheus for this process (once: a second call traps, as
    /// `MetricsSystem.bootstrap` does). Call it before making the `TetherService`, which is when
    /// Tether takes the process's factory.
    public static func bootstrapPrometheus() -> DemoMetrics {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(factory(registry: registry))
        return DemoMetrics(registry: registry)
    }

    /// A factory like the one `bootstrapPrometheus` installs, on a registry of its own and not
    /// bootstrapped: for measuring what the backend costs.
    public static func prometheusFactory() -> any MetricsFactory {
        factory(registry: PrometheusCollectorRegistry())
    }

    /// `GET /metrics`: everything collected, in Prometheus's text format. Whoever reaches the
    /// demo can read it; a real app keeps it on a private listener or behind its proxy.
    public func addRoute<Context: RequestContext>(to router: Router<Context>) {
        let registry = registry
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    /// Prometheus's default buckets start at 5 ms and 5 bytes: an event handled in 80 µs or a
    /// 200-byte batch would all land in the first one. These fit what Tether measures.
    static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        let fast: [Duration] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500),
        ]
        for name in ["tether_event_duration_seconds", "tether_render_duration_seconds", "tether_interop_call_duration_seconds"] {
            factory.durationHistogramBuckets[name] = fast
        }
        factory.valueHistogramBuckets["tether_batch_bytes"] = [64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576]
        return factory
    }
}
