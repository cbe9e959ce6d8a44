/// Builds `Content` from statements, like SwiftUI's view builder.
@resultBuilder
public enum HTMLBuilder {
    /// A string is a text node, escaped when written; an empty string is nothing.
    public static func buildExpression(_ text: String) -> Content { text.isEmpty ? [] : [.text(text)] }
    /// An integer is written as text.
    public static func buildExpression(_ value: Int) -> Content { [.text(String(value))] }
    /// An element, as `div { … }` makes.
    public static func buildExpression(_ element: Element) -> Content { [.element(element)] }
    /// Raw HTML, inserted unescaped; see `MarkupString` for when that is safe.
    public static func buildExpression(_ markup: MarkupString) -> Content { markup.html.isEmpty ? [] : [.markup(markup.html)] }
    /// A node as it is, such as a layout's `pageBody` or what `Cascade` returns.
    public static func buildExpression(_ node: Node) -> Content { [node] }
    /// Nodes built elsewhere, such as a `Fragment`'s `content`.
    public static func buildExpression(_ content: Content) -> Content { content }
    /// A child component: `TodoRow(text: todo.text)`, with or without `key(_:)`.
    public static func buildExpression(_ child: ChildComponent) -> Content { [.component(child)] }
    /// A value of a type of yours that knows its markup.
    public static func buildExpression(_ value: some HTMLConvertible) -> Content { value.htmlContent }

    /// The statements of a block, in order.
    public static func buildBlock(_ parts: Content...) -> Content { parts.flatMap { $0 } }
    /// An `if` without `else`: nothing when the condition is false.
    public static func buildOptional(_ part: Content?) -> Content { part ?? [] }
    /// The first branch of an `if`/`else` or a `switch`.
    public static func buildEither(first: Content) -> Content { first }
    /// The second branch of an `if`/`else` or a `switch`.
    public static func buildEither(second: Content) -> Content { second }
    /// A `for` loop: each iteration's content, in order. Give repeated children a `key(_:)` so a
    /// changed list keeps each row.
    public static func buildArray(_ parts: [Content]) -> Content { parts.flatMap { $0 } }
    /// An `if #available` block.
    public static func buildLimitedAvailability(_ part: Content) -> Content { part }
}
