import TetherUI

/// A button that increments a number. The same file builds the server page at `/counter` and the
/// WebAssembly one at `/wasm/counter` (scripts/build-wasm).
public final class Counter: Page {
    public static let route = "/counter"
    #if !hasFeature(Embedded)
        // Layouts and saved state are the server's (see the README's "WebAssembly render mode").
        public static let layout: (any Layout.Type)? = DemoLayout.self
        public static let persisted = Persisted(("count", \Counter.count))
    #endif

    private var count = 0

    public var body: Content {
        PageTitle("Counter (\(count))")
        h1 { "Counter" }
        p { "Current count: "; span(.id("count")) { count } }
        button(.id("increment")) { "Click me" }.onClick { self.count += 1 }
            .loading(.class("loading"), .attribute("aria-busy", "true"))
    }
}
