import TetherUI

/// The default page for a URL no page matches. Replace it with `TetherApp.notFoundPage`; a page
/// used there can read the missing path from `receive(route:)`.
public final class NotFoundPage: Page {
    public static let route = "/_tether/not-found"
    private var path = ""

    public func receive(route: RouteValues) {
        path = route.path
    }

    /// A heading and the URL that matched no page.
    public var body: Content {
        h1 { "Not found" }
        p(.id("not-found")) { "There is no page at \(path)." }
    }
}
