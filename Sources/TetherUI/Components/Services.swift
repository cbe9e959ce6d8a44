import TetherInterop

/// A key for a service in `ServiceValues`, the way swift-dependencies keys its `DependencyValues`:
///
/// ```swift
/// enum OrdersKey: ServiceKey { static let defaultValue: any OrderStore = InMemoryOrders() }
///
/// extension ServiceValues {
///     var orders: any OrderStore {
///         get { self[OrdersKey.self] }
///         set { self[OrdersKey.self] = newValue }
///     }
/// }
/// ```
///
/// A service is shared by every circuit of the app, which run at the same time on different
/// threads: its value must be `Sendable`.
public protocol ServiceKey {
    /// The service's type; every circuit shares it, so it is `Sendable`.
    associatedtype Value: Sendable
    /// The service where the app registered none.
    static var defaultValue: Value { get }
}

/// The services components can ask for with `@Inject`: the app's own, registered once on
/// `TetherApp.services`, and each circuit's `js` and `navigation`.
public struct ServiceValues: Sendable {
    #if hasFeature(Embedded)
        // No existentials of non-class protocols in Embedded Swift: each value sits in a box.
        private var values: [ObjectIdentifier: ServiceBox] = [:]
    #else
        private var values: [ObjectIdentifier: any Sendable] = [:]
    #endif

    /// No services registered: every key reads its default.
    public init() {}

    /// The service registered for `key`, or the key's `defaultValue`; set it to register one.
    public subscript<Key: ServiceKey>(key: Key.Type) -> Key.Value {
        get {
            #if hasFeature(Embedded)
                (values[KeyIdentity.of(key)] as? TypedServiceBox<Key.Value>)?.value ?? Key.defaultValue
            #else
                values[ObjectIdentifier(key)] as? Key.Value ?? Key.defaultValue
            #endif
        }
        set {
            #if hasFeature(Embedded)
                values[KeyIdentity.of(key)] = TypedServiceBox(newValue)
            #else
                values[ObjectIdentifier(key)] = newValue
            #endif
        }
    }
}

#if hasFeature(Embedded)
class ServiceBox: @unchecked Sendable {}

final class TypedServiceBox<Value>: ServiceBox, @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// An identity for a key type. Embedded Swift has metatypes of classes only, and each
/// specialization of a generic class is a class of its own.
enum KeyIdentity {
    private final class Token<Key> {}

    static func of<Key>(_: Key.Type) -> ObjectIdentifier { ObjectIdentifier(Token<Key>.self) }
}
#endif

extension ServiceValues {
    #if !hasFeature(Embedded)
        /// Calls JavaScript in this circuit's browser.
        public internal(set) var js: JSRuntime {
            get { self[JSRuntimeKey.self] }
            set { self[JSRuntimeKey.self] = newValue }
        }
    #endif

    /// Navigates this circuit.
    public internal(set) var navigation: NavigationManager {
        get { self[NavigationKey.self] }
        set { self[NavigationKey.self] = newValue }
    }
}

// Every renderer sets both; these defaults only stand in outside one.
#if !hasFeature(Embedded)
private enum JSRuntimeKey: ServiceKey {
    static let defaultValue = JSRuntime(channel: .prerendering())
}
#endif

private enum NavigationKey: ServiceKey {
    static let defaultValue = NavigationManager(url: "/") { _, _, _ in }
}

/// Injects a service into a component by its key path in `ServiceValues`, the analog of
/// Blazor's `@inject`:
///
/// ```swift
/// @Inject(\.js) var js
/// @Inject(\.navigation) var navigation
/// @Inject(\.orders) var orders        // an app service: app.services.orders = LiveOrders()
/// ```
///
/// Observation's macro cannot expand a property wrapper, so in an `@Observable` component write
/// `@ObservationIgnored @Inject(\.orders) var orders`, or read `context.services.orders`.
@propertyWrapper
public struct Inject<Value> {
    let keyPath: KeyPath<ServiceValues, Value>

    /// Injects the service at `keyPath`: `@Inject(\.orders) var orders`.
    public init(_ keyPath: KeyPath<ServiceValues, Value>) {
        self.keyPath = keyPath
    }

    @available(*, unavailable, message: "@Inject can only be used inside a component")
    public var wrappedValue: Value {
        get { fatalError() }
        set { fatalError() }
    }

    public static subscript<Owner: ComponentBase>(
        _enclosingInstance owner: Owner,
        wrapped wrappedKeyPath: ReferenceWritableKeyPath<Owner, Value>,
        storage storageKeyPath: ReferenceWritableKeyPath<Owner, Inject<Value>>
    ) -> Value {
        get { owner.context.services[keyPath: owner[keyPath: storageKeyPath].keyPath] }
        set {}
    }
}
