import Observation
import TetherUI

public final class Home: Page {
    public static let route = "/"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    @Inject(\.navigation) var navigation

    public var body: Content {
        h1 { "Tether demo" }
        p { "Server-driven UI in Swift, with two-way JavaScript interop. Pick a page above." }
        p { "Theme from the layout: "; span(.id("theme")) { context.environment[ThemeKey.self] } }
        Ticker()
        p { button(.id("go-counter"), .type("button")) { "Go to the counter from Swift" }.onClick { self.navigation.navigateTo("/counter") } }
    }
}

/// The chrome every demo page shares: the navigation and a cascaded theme.
public final class DemoLayout: Layout {
    static let links: [(String, String)] = [
        ("/", "Home"),
        ("/counter", "Counter"),
        ("/call-js-example-1", "Call JS"),
        ("/interop-lab", "Interop lab"),
        ("/call-swift-example-1", "Call Swift"),
        ("/call-swift-example-2", "Swift objects"),
        ("/js-objects", "JS objects"),
        ("/upload", "Upload"),
        ("/todos", "Todos"),
        ("/form", "Form"),
        ("/items/1", "Item 1"),
        ("/events", "Events"),
        ("/client", "Client behaviours"),
        ("/error", "Errors"),
        ("/scripts", "Scripts"),
        ("/shared", "Shared state"),
        ("/durable", "Durable"),
        ("/chat", "Chat"),
        ("/virtualize", "Virtualize"), ("/grid", "Grid"), ("/async", "Async"),
        // WebAssembly and auto pages: a link to one loads it in full, so the browser picks its runtime.
        ("/wasm/counter", "Wasm counter"), ("/wasm/todos", "Wasm todos"), ("/wasm/call-js-example-1", "Wasm call JS"), ("/auto/counter", "Auto counter"),
    ]

    public var body: Content {
        nav(.class("demo-nav")) {
            for (href, title) in Self.links {
                // Home would match every path by prefix.
                NavLink(href, match: href == "/" ? .all : .prefix) { title }
                " "
            }
            // Filled in by the demo JS initializer's afterStarted.
            span(.id("initializer"), .class("initializer"))
            " "
            accountCorner()
        }
        main(.id("page")) {
            Cascade(ThemeKey.self, "light") { pageBody }
        }
    }
}

/// The demo's cascaded value: pages read it with `context.environment[ThemeKey.self]`.
public enum ThemeKey: EnvironmentKey {
    public static let defaultValue = "none"
}

/// Ticks once a second from background work started after the first render, and stops when it
/// leaves the page: `launch` work is cancelled on dispose. It is `@Observable`, so the loop only
/// changes `ticks`, and the change re-renders it.
@Observable
final class Ticker: Component {
    private var ticks = 0

    var body: Content {
        p { "Seconds on this page: "; span(.id("ticks")) { ticks } }
    }

    override func onAfterRender(firstRender: Bool) async throws {
        guard firstRender else { return }
        launch { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard let self, !Task.isCancelled else { return }
                self.ticks += 1
            }
        }
    }
}
