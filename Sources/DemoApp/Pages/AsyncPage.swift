import TetherUI

/// `AsyncContent`: a slow load (1 s, or `?delay=` milliseconds) that fills in, a load that fails
/// into its own failure content, and one that fails into the error boundary around it. The page
/// also sets its title and a `<meta>` in the head.
public final class AsyncPage: Page {
    public static let route = "/async"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    private var delay = Duration.seconds(1)

    public func receive(route: RouteValues) {
        // From the URL: clamped, so no value can hold a load for long.
        if let ms = route.query("delay").flatMap(Int.init) { delay = .milliseconds(min(max(ms, 0), 10_000)) }
    }

    public var body: Content {
        let delay = self.delay
        PageTitle("Async content")
        HeadContent {
            element("meta", [.name("description"), Attribute("content", "Tether's async content demo")])
        }
        h1 { "Async content" }
        section(.id("slow")) {
            AsyncContent {
                try await Task.sleep(for: delay)
                return 42
            } content: { value in
                p(.id("slow-value")) { "Loaded: \(value)" }
            } loading: {
                p(.id("slow-loading")) { "Loading…" }
            } failure: { error in
                p(.id("slow-error")) { "Failed: \(error)" }
            }
        }
        section(.id("failing")) {
            AsyncContent { () async throws -> Int in
                try await Task.sleep(for: delay / 2)
                throw DemoLoadError(reason: "the service is down")
            } content: { value in
                p { "Loaded: \(value)" }
            } loading: {
                p(.id("failing-loading")) { "Loading…" }
            } failure: { error in
                p(.id("failing-error")) { "Could not load: \(error)" }
            }
        }
        section(.id("bounded")) {
            ErrorBoundary.wrap {
                AsyncContent { () async throws -> Int in
                    try await Task.sleep(for: delay / 2)
                    throw DemoLoadError(reason: "no failure content here")
                } content: { value in
                    p { "Loaded: \(value)" }
                } loading: {
                    p(.id("bounded-loading")) { "Loading…" }
                }
            } fallback: { error in
                p(.id("bounded-fallback")) { "The boundary caught: \(error)" }
            }
        }
    }
}

struct DemoLoadError: Error, CustomStringConvertible {
    let reason: String
    var description: String { "load failed: \(reason)" }
}
