/// When a `NavLink` counts as the current page's link, the analog of Blazor's `NavLinkMatch`.
/// Only the paths are compared, case-sensitively as the router compares them: the query and the
/// fragment of both the link and the current URL are ignored, and a trailing `/` makes no
/// difference.
public enum NavLinkMatch: Sendable, Equatable {
    /// The current path is the link's path or lies below it, segment by segment: a link to
    /// `/items` is active at `/items` and `/items/1`, not at `/itemsX`. A link to `/` is active
    /// everywhere, so a home link usually takes `.all`.
    case prefix
    /// The current path is the link's path.
    case all
}

/// A link, `<a href>`, that takes a class while the current URL matches it, the analog of
/// Blazor's `NavLink`:
///
/// ```swift
/// nav {
///     NavLink("/", match: .all) { "Home" }
///     NavLink("/items", .class("nav-item")) { "Items" }   // active at /items and /items/42
/// }
/// ```
///
/// It follows navigation inside the circuit: when the page changes, every component whose body
/// placed a `NavLink` re-renders with the new URL. An active link also gets `aria-current="page"`.
/// A link whose `href` is not a path of this site (`https://…`, `//host/…`, or relative such as
/// `items`) is never active.
///
/// A `NavLink` is markup, not a component of its own: a menu of twenty links costs its circuit
/// twenty elements, not twenty mounted components (about 1.3 KB each).
public struct NavLink: HTMLConvertible {
    let href: String
    let match: NavLinkMatch
    let activeClass: String
    let attributes: [Attribute]
    let children: Content

    /// A link to `href` showing `content`. `attributes` are set on the `<a>`; a `class` among
    /// them is kept, and `activeClass` is added to it while the link is active.
    public init(
        _ href: String, match: NavLinkMatch = .prefix, activeClass: String = "active", _ attributes: Attribute...,
        @HTMLBuilder content: () -> Content
    ) {
        self.href = href
        self.match = match
        self.activeClass = activeClass
        self.attributes = attributes
        self.children = content()
    }

    /// The `<a>`, with `activeClass` while the current URL matches. Evaluated in the body that
    /// placed the link, which is marked to re-render when the circuit navigates.
    public var htmlContent: Content {
        let placedBy = RenderingComponent.current?.component
        placedBy?.readsLocation = true
        let currentURL = placedBy?.context?.services.navigation.url
        return [.element(element("a", linkAttributes(currentURL: currentURL)) { children })]
    }

    private func linkAttributes(currentURL: String?) -> [Attribute] {
        var attributes = [Attribute.href(href)] + self.attributes.filter { $0.name != "href" }
        guard let currentURL, Self.isActive(href: href, currentURL: currentURL, match: match) else { return attributes }
        let existing = attributes.first { $0.name == "class" }?.value ?? ""
        attributes.removeAll { $0.name == "class" }
        attributes.append(.class(existing.isEmpty ? activeClass : existing + " " + activeClass))
        attributes.append(Attribute("aria-current", "page"))
        return attributes
    }

    /// Whether a link to `href` is active at `currentURL` (a path with an optional query, as
    /// `NavigationManager.url` holds it). Any string is accepted: what is not a path of this
    /// site never matches.
    public static func isActive(href: String, currentURL: String, match: NavLinkMatch) -> Bool {
        guard let target = sitePath(href), let current = sitePath(currentURL) else { return false }
        switch match {
        case .all:
            return current == target
        case .prefix:
            if target == "/" { return true }
            return current == target || current.hasPrefix(target + "/")
        }
    }

    /// The path of a URL that starts with one `/`, without its query, fragment and trailing `/`;
    /// nil for anything else.
    private static func sitePath(_ url: String) -> Substring? {
        guard url.hasPrefix("/"), !url.hasPrefix("//"), !url.hasPrefix("/\\") else { return nil }
        var path = url.prefix { $0 != "?" && $0 != "#" }
        while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
        return path
    }
}
