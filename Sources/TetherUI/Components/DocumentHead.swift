/// Sets the document's `<title>`, the analog of Blazor's `<PageTitle>`:
///
/// ```swift
/// var body: Content {
///     PageTitle("Counter (\(count))")
///     p { "Count: \(count)" }
/// }
/// ```
///
/// It renders nothing where it stands. The title is in the prerendered page's `<head>`, in place
/// of `DocumentTemplate.title`, and follows every later render and navigation. When several are
/// on the page, the one mounted last wins (the page's over its layout's); when it leaves, the one
/// before it shows again, and with none left the title is `DocumentTemplate.title`.
public final class PageTitle: Component, HeadContributor {
    var title: String
    public static let parameters = Parameters.copied { (new: PageTitle, mounted: PageTitle) in
        defer { mounted.title = new.title }
        return mounted.title != new.title
    }

    /// A title, escaped like any text.
    public init(_ title: String) {
        self.title = title
    }

    /// Nothing: the title goes to the document's head.
    public var body: Content { return [] }

    var headPart: HeadPart { .title(title) }
}

/// Adds elements to the document's `<head>`, the analog of Blazor's `<HeadContent>`:
///
/// ```swift
/// HeadContent {
///     element("meta", [.name("description"), Attribute("content", "Tether's demo")])
///     element("link", [Attribute("rel", "canonical"), .href("https://example.com/async")])
/// }
/// ```
///
/// It renders nothing where it stands. Its elements are in the prerendered page's `<head>` and
/// follow later renders; when several are on the page, the one mounted last wins, as with
/// `PageTitle`. The markup is escaped like any other; what could run or inject script is left
/// out: `script` elements, raw `MarkupString`s, event handlers and components.
public final class HeadContent: Component, HeadContributor {
    var content: Fragment
    // A fragment never equals the last one: the head is rebuilt with each render of its parent.
    public static let parameters = Parameters.copied { (new: HeadContent, mounted: HeadContent) in
        mounted.content = new.content
        return true
    }

    /// Elements for `<head>`: `meta`, `link`, `style`, …
    public init(@HTMLBuilder _ content: @escaping () -> Content) {
        self.content = Fragment(content)
    }

    /// Nothing: the elements go to the document's head.
    public var body: Content { return [] }

    var headPart: HeadPart { .elements(HeadMarkup.html(content.content)) }
}

/// What a page's `PageTitle` and `HeadContent` put in the document's head: the title (nil for the
/// app's default) and the elements, as escaped HTML whose top-level elements carry
/// `data-tether-head`, the mark the runtime finds them by when it replaces them.
package struct DocumentHead: Sendable, Equatable {
    package var title: String?
    package var elements: String

    package init(title: String? = nil, elements: String = "") {
        self.title = title
        self.elements = elements
    }
}

enum HeadPart {
    case title(String)
    case elements(String)
}

/// A component whose body is for the document's head rather than its place in the tree.
protocol HeadContributor: AnyObject {
    var headPart: HeadPart { get }
}

/// The mounted head contributors, in the order they were mounted: the last of each kind wins.
struct HeadContributions {
    private var titles: [(id: Int, title: String)] = []
    private var elements: [(id: Int, html: String)] = []

    var head: DocumentHead { DocumentHead(title: titles.last?.title, elements: elements.last?.html ?? "") }

    /// A contributor rendered: a new one goes last, one already mounted keeps its place.
    mutating func update(_ id: Int, _ part: HeadPart) {
        switch part {
        case .title(let title):
            if let index = titles.firstIndex(where: { $0.id == id }) { titles[index].title = title } else { titles.append((id, title)) }
        case .elements(let html):
            if let index = elements.firstIndex(where: { $0.id == id }) { elements[index].html = html } else { elements.append((id, html)) }
        }
    }

    mutating func remove(_ id: Int) {
        titles.removeAll { $0.id == id }
        elements.removeAll { $0.id == id }
    }
}

/// Writes `HeadContent`'s markup: elements and their text only, escaped, each top-level element
/// marked `data-tether-head`.
enum HeadMarkup {
    static let mark = "data-tether-head"

    static func html(_ content: Content) -> String {
        HTMLWriter.html(nodes(content, topLevel: true))
    }

    private static func nodes(_ content: Content, topLevel: Bool) -> [RenderNode] {
        var out: [RenderNode] = []
        for node in content {
            switch node {
            case .element(let element):
                // A script here would run when prerendered: scripts belong in `DocumentTemplate`.
                guard element.tag != "script" else { continue }
                let attributes = topLevel ? element.attributes + [(mark, "")] : element.attributes
                let children = nodes(element.children, topLevel: false)
                out.append(.element(RenderElement(tag: element.tag, attributes: attributes, children: children, key: nil)))
            case .text(let text):
                // Text directly in <head> is no element the runtime could find again.
                if !topLevel { out.append(.text(text)) }
            case .cascade(_, _, let inner):
                out += nodes(inner, topLevel: topLevel)
            case .markup, .component:
                continue
            }
        }
        return out
    }
}
