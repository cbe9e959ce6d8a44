/// A key for a value cascaded down the component tree, the analog of Blazor's
/// `CascadingValue` (or SwiftUI's environment). The value may be of any type, a service included.
///
/// ```swift
/// enum ThemeKey: EnvironmentKey { static let defaultValue = "light" }
/// // an ancestor:
/// Cascade(ThemeKey.self, "dark") { Panel() }
/// // a descendant:
/// let theme = context.environment[ThemeKey.self]
/// ```
public protocol EnvironmentKey {
    /// The type of the cascaded value.
    associatedtype Value
    /// What a component reads when no ancestor cascades a value for this key.
    static var defaultValue: Value { get }
}

/// The cascaded values visible to a component.
public struct EnvironmentValues: Equatable {
    var values: [ObjectIdentifier: CascadedValue] = [:]

    /// No cascaded values: every key reads its default.
    public init() {}

    /// The value the nearest enclosing `Cascade` gave `key`, or the key's `defaultValue`.
    public subscript<Key: EnvironmentKey>(key: Key.Type) -> Key.Value {
        get {
            #if hasFeature(Embedded)
                (values[KeyIdentity.of(key)] as? TypedCascadedValue<Key.Value>)?.value ?? Key.defaultValue
            #else
                values[ObjectIdentifier(key)]?.value as? Key.Value ?? Key.defaultValue
            #endif
        }
        set {
            #if hasFeature(Embedded)
                values[KeyIdentity.of(key)] = TypedCascadedValue(newValue)
            #else
                values[ObjectIdentifier(key)] = CascadedValue(newValue)
            #endif
        }
    }
}

#if hasFeature(Embedded)
/// A value as one render of `Cascade` gave it. Embedded Swift has no `Any` and cannot ask at run
/// time whether a type is `Equatable`: the value lives in a generic subclass, and counts as
/// changed whenever it is cascaded again.
public class CascadedValue: Equatable {
    public static func == (lhs: CascadedValue, rhs: CascadedValue) -> Bool { lhs === rhs }
}

final class TypedCascadedValue<Value>: CascadedValue {
    let value: Value
    init(_ value: Value) { self.value = value }
}
#else
/// A value as one render of `Cascade` gave it. Descendants re-render when it changed: an
/// `Equatable` value when it is not `==` to the last one, a class instance when it is another
/// instance (an `@Observable` one tells its readers about its own changes). Any other value cannot
/// be compared, so it counts as changed each time the component that cascades it re-renders, as
/// Blazor does for a value of a type it cannot compare.
public final class CascadedValue: Equatable {
    let value: Any
    private let isSame: (Any) -> Bool

    init<Value>(_ value: Value) {
        self.value = value
        let same = Sameness.of(Value.self)
        isSame = { other in (other as? Value).map { same(value, $0) } ?? false }
    }

    public static func == (lhs: CascadedValue, rhs: CascadedValue) -> Bool {
        lhs === rhs || lhs.isSame(rhs.value)
    }
}
#endif

/// Cascades a value to everything rendered inside `content`. Descendants that read it re-render
/// when it changes.
public func Cascade<Key: EnvironmentKey>(_ key: Key.Type, _ value: Key.Value, @HTMLBuilder _ content: () -> Content) -> Node {
    #if hasFeature(Embedded)
        .cascade(KeyIdentity.of(key), TypedCascadedValue(value), content())
    #else
        .cascade(ObjectIdentifier(key), CascadedValue(value), content())
    #endif
}

/// Something the HTML builder can place directly.
///
/// A type of yours that conforms is written in a body like an element or a string:
/// `struct Badge: HTMLConvertible { var htmlContent: Content { span(.class("badge")) { "new" } } }`.
public protocol HTMLConvertible {
    /// The nodes this value renders as.
    var htmlContent: Content { get }
}
