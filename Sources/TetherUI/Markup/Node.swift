import TetherInterop

/// One node of a component's output, before child components are expanded.
///
/// Nodes belong to the circuit that rendered them and never cross to another task, so they are
/// deliberately not `Sendable`.
public enum Node {
    /// An element and its children.
    case element(Element)
    /// Text, escaped when written.
    case text(String)
    /// Raw HTML from a `MarkupString`: the one way around escaping.
    case markup(String)
    /// A child component, expanded into its own body when rendered.
    case component(ChildComponent)
    /// Content that sees an extra cascaded value.
    case cascade(ObjectIdentifier, CascadedValue, Content)
}

/// A list of nodes, the output of an `@HTMLBuilder` block.
public typealias Content = [Node]

/// An HTML element with its attributes, event handlers and children.
public struct Element {
    /// The tag name, lowercased.
    public let tag: String
    /// The attributes in the order they were set, each name once.
    public internal(set) var attributes: [(name: String, value: String)] = []
    /// The event handlers, at most one per event name.
    public internal(set) var events: [EventBinding] = []
    /// What the element contains.
    public internal(set) var children: Content = []
    /// The key that identifies the element among its siblings, set with `key(_:)`.
    public internal(set) var key: String?
    /// The reference that captures the element for JS, set with `ref(_:)`.
    public internal(set) var reference: ElementReference?
    /// What the DSL dropped from this element, for the renderer to report.
    var problems: [MarkupProblem] = []
    /// Client commands by event, as the runtime reads them (`ClientBehaviours.swift`).
    var clientCommands: [(event: String, wire: JSONValue)] = []
    /// Loading, offline and dirty states, in the order they were added.
    var states: [BehaviourState] = []

    /// An element with no attributes; the DSL's functions (`div`, `element(_:_:_:)`) are the usual
    /// way to make one.
    public init(_ tag: String, children: Content = []) {
        self.tag = tag.asciiLowercased
        self.children = children
    }

    /// Elements whose end tag HTML forbids.
    static let voidTags: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    ]

    /// Whether HTML forbids the element an end tag and content (`input`, `img`, `br`, …).
    public var isVoid: Bool { Self.voidTags.contains(tag) }
}

/// Raw HTML inserted as is.
///
/// - Warning: this is the one path around escaping. Never build a `MarkupString` from input a user
///   controls, or from a JS result you did not produce yourself, unless you have sanitized it:
///   whatever it contains becomes live markup in the page.
public struct MarkupString: Sendable, Hashable, CustomStringConvertible {
    /// The HTML, exactly as given.
    public let html: String
    /// Marks `html` as trusted markup, to be inserted without escaping.
    public init(_ html: String) { self.html = html }
    public var description: String { html }
}
