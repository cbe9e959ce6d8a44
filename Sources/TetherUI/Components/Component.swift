import TetherInterop

/// The state every component carries; subclass it through `Component` or `Page`.
///
/// A component belongs to one circuit and runs on that circuit's executor: event handlers,
/// lifecycle methods and rendering never overlap, so plain stored properties need no locks.
open class ComponentBase {
    /// Set by the renderer before any lifecycle method runs.
    public internal(set) var context: ComponentContext!

    public required init() {}

    /// Runs once, before the first render. Awaited: the first render waits for it, as Blazor's
    /// `OnInitializedAsync` does during prerendering.
    open func onInitialized() async throws {}

    /// Runs after each render, in the browser-connected circuit only. `firstRender` is true once.
    /// This is where JS interop calls belong: during prerendering there is no browser to call.
    open func onAfterRender(firstRender: Bool) async throws {}

    /// Runs when the component leaves the page or its circuit ends.
    open func dispose() async {}

    /// Asks for a re-render after state changed outside an event handler.
    public func stateHasChanged() {
        context?.invalidate()
    }
}

/// Something with a body of HTML.
public protocol Renderable: AnyObject {
    @HTMLBuilder var body: Content { get }
}

/// A component: `final class Counter: Component { var body: Content { ... } }`.
public typealias Component = ComponentBase & Renderable

/// A component reachable at a URL, the analog of Blazor's `@page "/path"`.
public protocol Routable: AnyObject {
    static var route: String { get }
}

/// A page: `final class Counter: Page { static let route = "/counter" ... }`.
public typealias Page = ComponentBase & Renderable & Routable

/// What the renderer provides to a component.
public final class ComponentContext {
    public let js: JSRuntime
    public let isPrerendering: Bool
    let invalidate: () -> Void

    public init(js: JSRuntime, isPrerendering: Bool, invalidate: @escaping () -> Void) {
        self.js = js
        self.isPrerendering = isPrerendering
        self.invalidate = invalidate
    }
}

/// A service a component can ask for with `@Inject`.
public protocol Injectable {
    static func resolve(from context: ComponentContext) -> Self
}

extension JSRuntime: Injectable {
    public static func resolve(from context: ComponentContext) -> JSRuntime { context.js }
}

/// Injects a service into a component, the analog of Blazor's `@inject IJSRuntime JS`:
///
/// ```swift
/// @Inject var js: JSRuntime
/// ```
@propertyWrapper
public struct Inject<Value: Injectable> {
    public init() {}

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
        get { Value.resolve(from: owner.context) }
        set {}
    }
}

/// A handle to a rendered element, for passing the DOM element itself to JS.
public final class ElementReference: Encodable {
    /// Assigned by the renderer when the element is first rendered.
    public internal(set) var id: String?

    public init() {}

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(id ?? "", forKey: .element)
    }

    enum Key: String, CodingKey { case element = "__tetherElement" }
}

/// A child component placed in a parent's body, with the parameters the parent sets.
public struct ChildComponent {
    let type: ObjectIdentifier
    let make: () -> ComponentBase
    let configure: (ComponentBase) -> Void
    let key: String?
}

/// Places a child component: `Child(Greeting.self) { $0.name = "Ada" }`.
public func Child<C: Component>(_ type: C.Type, key: String? = nil, _ configure: @escaping (C) -> Void = { _ in }) -> ChildComponent {
    ChildComponent(type: ObjectIdentifier(type), make: { C() }, configure: { configure($0 as! C) }, key: key)
}
