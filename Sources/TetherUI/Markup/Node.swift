/// One node of a component's output, before child components are expanded.
///
/// Nodes belong to the circuit that rendered them and never cross to another task, so they are
/// deliberately not `Sendable`.
public enum Node {
    case element(Element)
    case text(String)
    /// Raw HTML from a `MarkupString`: the one way around escaping.
    case markup(String)
    case component(ChildComponent)
    /// Content that sees an extra cascaded value.
    case cascade(ObjectIdentifier, CascadedValue, Content)
}

/// A list of nodes, the output of an `@HTMLBuilder` block.
public typealias Content = [Node]

/// An HTML element with its attributes, event handlers and children.
public struct Element {
    public let tag: String
    public internal(set) var attributes: [(name: String, value: String)] = []
    public internal(set) var events: [EventBinding] = []
    public internal(set) var children: Content = []
    public internal(set) var key: String?
    public internal(set) var reference: ElementReference?
    /// What the DSL dropped from this element, for the renderer to report.
    var problems: [MarkupProblem] = []

    public init(_ tag: String, children: Content = []) {
        self.tag = tag.lowercased()
        self.children = children
    }

    /// Elements whose end tag HTML forbids.
    static let voidTags: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    ]

    public var isVoid: Bool { Self.voidTags.contains(tag) }
}

/// Raw HTML inserted as is.
///
/// - Warning: this is the one path around escaping. Never build a `MarkupString` from input a user
///   controls, or from a JS result you did not produce yourself, unless you have sanitized it:
///   whatever it contains becomes live markup in the page.
public struct MarkupString: Sendable, Hashable, CustomStringConvertible {
    public let html: String
    public init(_ html: String) { self.html = html }
    public var description: String { html }
}
