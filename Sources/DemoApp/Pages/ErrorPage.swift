import TetherUI

/// A handler that throws inside an error boundary: the boundary shows its fallback and the rest
/// of the page keeps working.
public final class ErrorPage: Page {
    public static let route = "/error"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    struct DemoError: Error, CustomStringConvertible {
        var description: String { "the button was told to throw" }
    }

    private var count = 0

    public var body: Content {
        h1 { "Errors" }
        ErrorBoundary.wrap {
            p { button(.id("throw"), .type("button")) { "Throw" }.onClick { throw DemoError() } }
        } fallback: { error in
            p(.id("error-fallback"), .class("error")) { "Something went wrong: \(error)" }
        }
        p {
            button(.id("error-increment"), .type("button")) { "Still working" }.onClick { self.count += 1 }
            " "
            span(.id("error-count")) { count }
        }
    }
}
