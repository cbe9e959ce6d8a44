import TetherUI

public final class Home: Page {
    public static let route = "/"

    public required init() {}

    public var body: Content {
        DemoLayout.menu()
        h1 { "Tether demo" }
        p { "Server-driven UI in Swift, with two-way JavaScript interop. Pick a page above." }
    }
}

/// The chrome every demo page shares.
enum DemoLayout {
    static let links: [(String, String)] = [
        ("/", "Home"),
        ("/counter", "Counter"),
        ("/call-js-example-1", "Call JS"),
        ("/interop-lab", "Interop lab"),
        ("/call-swift-example-1", "Call Swift"),
        ("/call-swift-example-2", "Swift objects"),
        ("/upload", "Upload"),
        ("/js-objects", "JS objects"),
    ]

    static func menu() -> Element {
        nav(.class("demo-nav")) {
            for (href, title) in links {
                a(.href(href)) { title }
                " "
            }
        }
    }
}
