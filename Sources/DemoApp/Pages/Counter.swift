import Observation
import TetherUI

/// A button that increments a number.
@Observable
public final class Counter: Page {
    public static let route = "/counter"
    public static let layout: (any Layout.Type)? = DemoLayout.self
    public static let persisted = Persisted(("count", \Counter.count))

    private var count = 0

    public var body: Content {
        PageTitle("Counter (\(count))")
        h1 { "Counter" }
        p { "Current count: "; span(.id("count")) { count } }
        button(.id("increment")) { "Click me" }.onClick { self.count += 1 }
            .loading(.class("loading"), .attribute("aria-busy", "true"))
    }
}
