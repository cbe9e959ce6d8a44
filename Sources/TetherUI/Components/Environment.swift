/// A key for a value cascaded down the component tree, the analog of Blazor's
/// `CascadingValue` (or SwiftUI's environment).
///
/// ```swift
/// enum ThemeKey: EnvironmentKey { static let defaultValue = "light" }
/// // an ancestor:
/// Cascade(ThemeKey.self, "dark") { Panel() }
/// // a descendant:
/// let theme = context.environment[ThemeKey.self]
/// ```
public protocol EnvironmentKey {
    associatedtype Value: Hashable
    static var defaultValue: Value { get }
}

/// The cascaded values visible to a component.
public struct EnvironmentValues: Equatable {
    var values: [ObjectIdentifier: AnyHashable] = [:]

    public init() {}

    public subscript<Key: EnvironmentKey>(key: Key.Type) -> Key.Value {
        get { values[ObjectIdentifier(key)]?.base as? Key.Value ?? Key.defaultValue }
        set { values[ObjectIdentifier(key)] = AnyHashable(newValue) }
    }
}

/// Cascades a value to everything rendered inside `content`. Descendants that read it re-render
/// when it changes.
public func Cascade<Key: EnvironmentKey>(_ key: Key.Type, _ value: Key.Value, @HTMLBuilder _ content: () -> Content) -> Node {
    .cascade(ObjectIdentifier(key), AnyHashable(value), content())
}

/// Something the HTML builder can place directly.
public protocol HTMLConvertible {
    var htmlContent: Content { get }
}
