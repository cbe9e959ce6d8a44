import TetherUI

/// A route with a typed parameter: `/items/42` shows 42; `/items/abc` is a 404.
public final class ItemPage: Page {
    public static let route = "/items/{id:int}"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    private var id = 0
    private var highlight: String?

    public func receive(route: RouteValues) {
        id = route.int("id") ?? 0
        highlight = route.query("highlight")
    }

    public var body: Content {
        PageTitle("Item \(id)")
        // An exact link and a prefix one, for NavLink's matching after in-circuit navigation.
        nav(.id("item-links")) {
            NavLink("/items", .id("nav-items-prefix")) { "All items" }
            " "
            NavLink("/items/1", match: .all, .id("nav-item-1-exact")) { "Item 1 exactly" }
        }
        h1 { "Item "; span(.id("item-id")) { id } }
        if let highlight { p { "Highlight: "; span(.id("item-highlight")) { highlight } } }
        // The id comes from the URL, so any Int can arrive: the last one has no next item.
        let (next, overflowed) = id.addingReportingOverflow(1)
        if !overflowed {
            p { a(.id("next-item"), .href("/items/\(next)")) { "Next item" } }
        }
    }
}
