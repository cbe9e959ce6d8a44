import TetherInterop
import TetherProtocol

/// The state every component carries; subclass it through `Component` or `Page`.
///
/// A component belongs to one circuit and runs on that circuit's executor: event handlers,
/// lifecycle methods, rendering and work started with `launch` never overlap, so plain stored
/// properties need no locks.
open class ComponentBase {
    /// Set by the renderer before any lifecycle method runs.
    public internal(set) var context: ComponentContext!
    var launched: [Task<Void, Never>] = []

    public required init() {}

    /// Runs once, before the first render. Awaited: the first render waits for it, as Blazor's
    /// `OnInitializedAsync` does during prerendering.
    open func onInitialized() async throws {}

    /// Runs after the parent set new parameters, before the re-render they cause.
    open func onParametersSet() {}

    /// Runs after each render in a browser-connected circuit; `firstRender` is true once.
    /// This is where JS interop calls belong: during prerendering there is no browser to call.
    open func onAfterRender(firstRender: Bool) async throws {}

    /// Runs when the component leaves the page or its circuit ends. Work started with `launch`
    /// is cancelled first.
    open func dispose() async {}

    /// Asks for a re-render, for state changed outside an event handler: in work started with
    /// `launch`, a timer, or a server push.
    public func stateHasChanged() {
        context?.invalidate()
    }

    /// Starts background work on this component's circuit, so it may touch component state and
    /// call `stateHasChanged()`. The work is cancelled when the component is disposed.
    ///
    /// ```swift
    /// launch { [weak self] in
    ///     while !Task.isCancelled {
    ///         try? await Task.sleep(for: .seconds(1))
    ///         self?.ticks += 1
    ///         self?.stateHasChanged()
    ///     }
    /// }
    /// ```
    public func launch(_ work: @escaping () async -> Void) {
        guard let context, !context.isPrerendering else { return }
        launched.removeAll { $0.isCancelled }
        launched.append(context.schedule(work))
    }

    func cancelLaunchedWork() {
        for task in launched { task.cancel() }
        launched.removeAll()
    }
}

/// Something with a body of HTML.
public protocol Renderable: AnyObject {
    @HTMLBuilder var body: Content { get }
}

/// A component: `final class Counter: Component { var body: Content { ... } }`.
public typealias Component = ComponentBase & Renderable

/// A component that takes typed parameters from its parent. It re-renders when the parent sets
/// parameters that differ from the last ones, or when it changes its own state.
///
/// ```swift
/// final class Greeting: Component, ParameterizedComponent {
///     struct Parameters: Equatable { var name = "" }
///     var parameters = Parameters()
///     var body: Content { p { "Hello, \(parameters.name)!" } }
/// }
/// // in a parent's body:
/// Child(Greeting.self, .init(name: "Ada"))
/// ```
public protocol ParameterizedComponent: Renderable {
    associatedtype Parameters: Equatable
    var parameters: Parameters { get set }
}

/// A component reachable at a URL, the analog of Blazor's `@page "/path"`.
public protocol Routable: AnyObject {
    /// A template such as `/items/{id:int}`; see `RouteTemplate`.
    static var route: String { get }
    /// The layout this page is rendered in, or nil for none.
    static var layout: (any Layout.Type)? { get }
    /// Receives the route's parameters and query before the first render.
    func receive(route: RouteValues)
}

extension Routable {
    public static var layout: (any Layout.Type)? { nil }
    public func receive(route: RouteValues) {}
}

/// A page: `final class Counter: Page { static let route = "/counter" ... }`.
public typealias Page = ComponentBase & Renderable & Routable

/// The base of layouts: components holding the shared chrome, with the page placed where the
/// body writes `pageBody`.
open class LayoutBase: ComponentBase {
    var page: (any Component)?

    /// The current page, for the layout's body.
    public var pageBody: Node {
        guard let page else { return .text("") }
        return .component(ChildComponent(existing: page))
    }
}

/// A layout: `final class MainLayout: Layout { var body: Content { nav { ... }; main { pageBody } } }`.
public typealias Layout = LayoutBase & Renderable

/// What the renderer provides to a component.
public final class ComponentContext {
    public let js: JSRuntime
    public let navigation: NavigationManager
    public let isPrerendering: Bool
    /// Values cascaded from ancestors with `Cascade`.
    public internal(set) var environment = EnvironmentValues()
    let invalidate: () -> Void
    let schedule: (@escaping () async -> Void) -> Task<Void, Never>

    init(
        js: JSRuntime, navigation: NavigationManager, isPrerendering: Bool, invalidate: @escaping () -> Void,
        schedule: @escaping (@escaping () async -> Void) -> Task<Void, Never>
    ) {
        self.js = js
        self.navigation = navigation
        self.isPrerendering = isPrerendering
        self.invalidate = invalidate
        self.schedule = schedule
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
/// @Inject var navigation: NavigationManager
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

/// A handle to a rendered element, for passing the DOM element itself to JS:
/// `try await js.invokeVoid("focusElement", nameInput)` gives JS the `<input>`.
public final class ElementReference: Encodable {
    /// Assigned by the renderer when the element is first rendered.
    public internal(set) var id: String?

    public init() {}

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: HandleKey.self)
        try container.encode(id ?? "", forKey: HandleKey(.element))
    }
}

/// A child component placed in a parent's body.
public struct ChildComponent {
    let type: ObjectIdentifier
    let make: () -> any Component
    /// Applies the parent's parameters; returns true when they differ from the last ones.
    let apply: (any Component, _ firstTime: Bool) -> Bool
    let key: String?
    let existing: (any Component)?

    init(existing: any Component) {
        type = ObjectIdentifier(Swift.type(of: existing))
        make = { existing }
        apply = { _, _ in false }
        key = "existing"
        self.existing = existing
    }

    init(type: ObjectIdentifier, make: @escaping () -> any Component, apply: @escaping (any Component, Bool) -> Bool, key: String?) {
        self.type = type
        self.make = make
        self.apply = apply
        self.key = key
        self.existing = nil
    }
}

/// Places a child component with no parameters. It re-renders only when its own state changes.
public func Child<C: Component>(_ type: C.Type, key: String? = nil) -> ChildComponent {
    ChildComponent(type: ObjectIdentifier(type), make: { C() }, apply: { _, _ in false }, key: key)
}

/// Places a child component with parameters. It re-renders when they differ from the last ones.
public func Child<C: Component & ParameterizedComponent>(_ type: C.Type, _ parameters: C.Parameters, key: String? = nil) -> ChildComponent {
    ChildComponent(
        type: ObjectIdentifier(type), make: { C() },
        apply: { component, firstTime in
            let child = component as! C
            let changed = firstTime || child.parameters != parameters
            // Assigned even when equal, so callbacks inside see the parent's latest closures.
            child.parameters = parameters
            return changed
        }, key: key)
}

/// A callback a parent hands to a child as a parameter. It never counts as a parameter change:
/// a new closure each render does not make the child re-render.
public struct EventCallback<Value>: Equatable {
    let action: (Value) async throws -> Void
    /// The component whose body created the callback: it re-renders after each call, since the
    /// action most likely changed its state (Blazor's "receiver").
    let receiver: RenderingComponent?

    public init(_ action: @escaping (Value) async throws -> Void) {
        self.action = action
        self.receiver = RenderingComponent.current
    }

    public func callAsFunction(_ value: Value) async throws {
        defer { receiver?.component?.stateHasChanged() }
        try await action(value)
    }

    public static func == (lhs: EventCallback, rhs: EventCallback) -> Bool { true }
}

extension EventCallback where Value == Void {
    public func callAsFunction() async throws { try await self(()) }
}

/// The component whose body is being evaluated, so callbacks and bindings created there know
/// whom to re-render. Bodies run synchronously on their circuit's executor, which is the only place
/// this is read.
struct RenderingComponent: @unchecked Sendable {
    @TaskLocal static var current: RenderingComponent?

    weak var component: ComponentBase?

    init(_ component: ComponentBase) { self.component = component }
}

/// Markup a parent passes into a child, the analog of Blazor's `ChildContent`. It always counts
/// as changed, so a child showing it re-renders with its parent.
public struct Fragment: Equatable {
    let build: () -> Content

    public init(@HTMLBuilder _ build: @escaping () -> Content) { self.build = build }

    public var content: Content { build() }

    public static func == (lhs: Fragment, rhs: Fragment) -> Bool { false }
}

extension Fragment: HTMLConvertible {
    public var htmlContent: Content { build() }
}
