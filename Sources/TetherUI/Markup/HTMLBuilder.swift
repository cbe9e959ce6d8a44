/// Builds `Content` from statements, like SwiftUI's view builder.
@resultBuilder
public enum HTMLBuilder {
    public static func buildExpression(_ text: String) -> Content { text.isEmpty ? [] : [.text(text)] }
    public static func buildExpression(_ value: Int) -> Content { [.text(String(value))] }
    public static func buildExpression(_ element: Element) -> Content { [.element(element)] }
    public static func buildExpression(_ markup: MarkupString) -> Content { markup.html.isEmpty ? [] : [.markup(markup.html)] }
    public static func buildExpression(_ node: Node) -> Content { [node] }
    public static func buildExpression(_ content: Content) -> Content { content }
    public static func buildExpression(_ child: ChildComponent) -> Content { [.component(child)] }
    public static func buildExpression(_ value: some HTMLConvertible) -> Content { value.htmlContent }

    public static func buildBlock(_ parts: Content...) -> Content { parts.flatMap { $0 } }
    public static func buildOptional(_ part: Content?) -> Content { part ?? [] }
    public static func buildEither(first: Content) -> Content { first }
    public static func buildEither(second: Content) -> Content { second }
    public static func buildArray(_ parts: [Content]) -> Content { parts.flatMap { $0 } }
    public static func buildLimitedAvailability(_ part: Content) -> Content { part }
}
