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
    #if !hasFeature(Embedded)
        var launched: [Task<Void, Never>] = []
    #endif
    /// True when this component's persisted state was restored from a saved circuit (the page
    /// resumed after a restart, a deploy or a pause) rather than starting fresh. Set before
    /// `onInitialized`, which sees the restored values.
    public internal(set) var isRestored = false
    /// Set when this component's body shows something of the current URL (a `NavLink`): the
    /// renderer re-renders it when the circuit navigates, even where its parent's render would
    /// leave it alone.
    var readsLocation = false

    /// Not `required`: a child component declares whatever initializer its parent calls
    /// (`TodoRow(text: todo.text)`). Pages and layouts, which Tether creates itself, get `init()`
    /// from `Routable` and `LayoutBase`; a final class inherits it without writing one.
    public init() {}

    #if hasFeature(Embedded)
        /// Runs once, before the first render. In the WebAssembly render mode it is synchronous:
        /// Embedded Swift has no Swift concurrency for wasm32.
        open func onInitialized() {}
    #else
        /// Runs once, before the first render. Awaited: the first render waits for it, as Blazor's
        /// `OnInitializedAsync` does during prerendering.
        open func onInitialized() async throws {}
    #endif

    /// Runs after the parent set new parameters, before the re-render they cause.
    open func onParametersSet() {}

    #if hasFeature(Embedded)
        /// Runs after each render in the browser; `firstRender` is true once.
        open func onAfterRender(firstRender: Bool) {}

        /// Runs when the component leaves the page.
        open func dispose() {}
    #else
        /// Runs after each render in a browser-connected circuit; `firstRender` is true once.
        /// This is where JS interop calls belong: during prerendering there is no browser to call.
        open func onAfterRender(firstRender: Bool) async throws {}

        /// Runs when the component leaves the page or its circuit ends. Work started with `launch`
        /// is cancelled first.
        open func dispose() async {}
    #endif

    /// Asks for a re-render, for a change the renderer cannot see: state changed outside an event
    /// handler in a component that is not `@Observable`, or in a plain object its body reads. A
    /// change to an `@Observable` object the body read (the component itself, when it is one)
    /// re-renders it on its own.
    public func stateHasChanged() {
        context?.invalidate()
    }

    #if !hasFeature(Embedded)
    /// Starts background work on this component's circuit, so it may touch component state. The
    /// work is cancelled when the component is disposed.
    ///
    /// ```swift
    /// launch { [weak self] in
    ///     while !Task.isCancelled {
    ///         try? await Task.sleep(for: .seconds(1))
    ///         self?.ticks += 1      // re-renders on its own in an @Observable component
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
    #endif
}

/// Something with a body of HTML.
public protocol Renderable: AnyObject {
    /// The component's markup, from its state as it is now. Tether evaluates it at each render, on
    /// the circuit's executor, and patches what differs from the last render.
    @HTMLBuilder var body: Content { get }
    /// The properties a parent sets through this component's initializer; none unless declared.
    static var parameters: Parameters { get }
    #if !hasFeature(Embedded)
        /// The properties saved with the circuit, so they survive a restart; none unless declared.
        static var persisted: Persisted { get }
    #endif
}

extension Renderable {
    public static var parameters: Parameters { Parameters() }
    #if !hasFeature(Embedded)
        public static var persisted: Persisted { Persisted() }
    #endif
}

/// A component: `final class Counter: Component { var body: Content { ... } }`.
public typealias Component = ComponentBase & Renderable

extension Renderable where Self: ComponentBase {
    /// Identifies this child among its siblings, so a reordered list keeps each child, with its
    /// state and its DOM nodes: `TodoRow(text: todo.text).key(todo.id)`.
    public func key(_ key: some CustomStringConvertible) -> ChildComponent {
        ChildComponent(self, key: key.description)
    }
}

extension HTMLBuilder {
    /// A component written in a body, `TodoRow(text: todo.text)`, is a child of that body's
    /// component.
    public static func buildExpression<C: Component>(_ component: C) -> Content {
        [.component(ChildComponent(component, key: nil))]
    }
}

/// The properties of a child component that its parent sets, named once so that the parent's
/// next render can hand them to the child already on the page:
///
/// ```swift
/// final class Greeting: Component {
///     var name: String
///     var onTap: EventCallback<Void>
///     static let parameters = Parameters(\Greeting.name, \Greeting.onTap)
///
///     init(name: String, onTap: EventCallback<Void>) {
///         self.name = name
///         self.onTap = onTap
///     }
///
///     var body: Content { p { "Hello, \(name)!" }.onClick { try await self.onTap() } }
/// }
/// // in a parent's body:
/// Greeting(name: "Ada", onTap: EventCallback { self.taps += 1 })
/// ```
///
/// The parent's body makes a new instance at each render. The first one is mounted; from then on
/// the listed properties of each new one are copied into the mounted one, which keeps the rest of
/// its state, and the new one is dropped. So an initializer should only store its arguments (work
/// belongs in `onInitialized`), and a property left out of the list keeps its first value.
///
/// The child re-renders only when a parameter differs from its last value. A value is unchanged
/// when it is `==` to the last one (`EventCallback` always is, `Fragment` never is) or, for a
/// class instance that is not `Equatable`, when it is the same instance. Any other value (a
/// closure, a `Binding`) counts as changed at every render of the parent.
public struct Parameters: @unchecked Sendable {
    // Unchecked: it holds key paths and closures that only read and write the two components
    // handed to them, on the circuit that renders both.
    let transfer: (_ from: AnyObject, _ to: AnyObject) -> Bool
    let isEmpty: Bool

    /// No parameters: the child is made once, by the first render of its parent.
    public init() {
        transfer = { _, _ in false }
        isEmpty = true
    }

    /// Parameters copied by hand, for code that builds in the WebAssembly render mode, where
    /// Embedded Swift has no key paths: `copy` sets the mounted child's parameters from the new
    /// instance's and returns whether any of them changed.
    ///
    /// ```swift
    /// static let parameters = Parameters.copied { (new: Greeting, mounted: Greeting) in
    ///     let changed = mounted.name != new.name
    ///     mounted.name = new.name
    ///     return changed
    /// }
    /// ```
    ///
    /// A static function rather than an initializer, so `Parameters(\Row.text)` with a `let`
    /// still gets the compiler's diagnostic about the key path.
    public static func copied<Owner: AnyObject>(by copy: @escaping (_ new: Owner, _ mounted: Owner) -> Bool) -> Parameters {
        Parameters(isEmpty: false) { from, to in
            guard let from = from as? Owner, let to = to as? Owner else { return false }
            return copy(from, to)
        }
    }

    private init(isEmpty: Bool, transfer: @escaping (_ from: AnyObject, _ to: AnyObject) -> Bool) {
        self.isEmpty = isEmpty
        self.transfer = transfer
    }

    #if !hasFeature(Embedded)
    /// The listed properties, copied from each new instance into the mounted child:
    /// `Parameters(\TodoRow.text, \TodoRow.onRemove)`.
    public init<Owner: AnyObject, each Value>(_ keyPath: repeat ReferenceWritableKeyPath<Owner, each Value>) {
        var steps: [(Owner, Owner) -> Bool] = []
        for keyPath in repeat each keyPath { steps.append(Self.step(keyPath)) }
        isEmpty = steps.isEmpty
        transfer = { from, to in
            guard let from = from as? Owner, let to = to as? Owner else { return false }
            var changed = false
            for step in steps { changed = step(from, to) || changed }
            return changed
        }
    }

    private static func step<Owner, Value>(_ keyPath: ReferenceWritableKeyPath<Owner, Value>) -> (Owner, Owner) -> Bool {
        let same = Sameness.of(Value.self)
        let equalMeansIdentical = Sameness.equalMeansIdentical(Value.self)
        return { from, to in
            let value = from[keyPath: keyPath]
            let changed = !same(to[keyPath: keyPath], value)
            // Assigned even when equal, so callbacks inside see the parent's latest closures;
            // but an equal string or number is the same value, and the write through a key path
            // cost half of a parameter's transfer (a hundred rows, two parameters each, at every
            // render of their list).
            if changed || !equalMeansIdentical { to[keyPath: keyPath] = value }
            return changed
        }
    }
    #endif
}

#if !hasFeature(Embedded)
/// Whether a parameter or a cascaded value is the same as before: `==` for `Equatable` values,
/// identity for other class instances, optionals by what they wrap. Nothing else can be compared,
/// so it never is the same.
enum Sameness {
    static func of<Value>(_: Value.Type) -> (Value, Value) -> Bool {
        if let equatable = Value.self as? any Equatable.Type {
            // E is Value: reading each value in place as E costs no dynamic cast per comparison,
            // which `as! E` did on every parameter of every child at every render of its parent.
            func compare<E: Equatable>(_: E.Type) -> (Value, Value) -> Bool {
                { a, b in
                    withUnsafePointer(to: a) { a in
                        withUnsafePointer(to: b) { b in
                            UnsafeRawPointer(a).assumingMemoryBound(to: E.self).pointee == UnsafeRawPointer(b).assumingMemoryBound(to: E.self).pointee
                        }
                    }
                }
            }
            return compare(equatable)
        }
        if let optional = Value.self as? any OptionalSameness.Type {
            func compare<O: OptionalSameness>(_: O.Type) -> (Value, Value) -> Bool {
                let same = O.sameness
                return { same($0 as! O, $1 as! O) }
            }
            return compare(optional)
        }
        // An existential (`any OrderStore`) is compared by what it holds.
        return { a, b in
            if let a = a as? any Equatable { return a.isSame(as: b) }
            guard type(of: a as Any) is AnyClass, type(of: b as Any) is AnyClass else { return false }
            return (a as AnyObject) === (b as AnyObject)
        }
    }
}

extension Sameness {
    /// Whether an equal value of the type is as good as the new one: integers, booleans and
    /// strings (equal strings are canonically equivalent, and show the same), and optionals of
    /// them. Not so for any `Equatable`: an `EventCallback` is equal to every other, a class may
    /// compare some of its state, and `-0.0 == 0.0` prints differently.
    static func equalMeansIdentical<Value>(_: Value.Type) -> Bool {
        plainValueTypes.contains { $0 == Value.self }
    }

    private static let plainValueTypes: [Any.Type] = [
        String.self, Substring.self, Character.self, Bool.self, Int.self, Int8.self, Int16.self, Int32.self, Int64.self, UInt.self,
        UInt8.self, UInt16.self, UInt32.self, UInt64.self, String?.self, Bool?.self, Int?.self,
    ]
}

extension Equatable {
    fileprivate func isSame(as other: Any) -> Bool { (other as? Self) == self }
}

protocol OptionalSameness {
    static var sameness: (Self, Self) -> Bool { get }
}

extension Optional: OptionalSameness {
    static var sameness: (Self, Self) -> Bool {
        let same = Sameness.of(Wrapped.self)
        return { a, b in
            switch (a, b) {
            case (nil, nil): true
            case (let a?, let b?): same(a, b)
            default: false
            }
        }
    }
}
#endif

/// A component reachable at a URL, the analog of Blazor's `@page "/path"`.
public protocol Routable: AnyObject {
    /// Tether makes the page for each request and each circuit. A final class inherits this from
    /// `ComponentBase` and writes none.
    init()
    /// A template such as `/items/{id:int}`; see `RouteTemplate`.
    static var route: String { get }
    /// The layout this page is rendered in, or nil for none.
    static var layout: (any Layout.Type)? { get }
    /// Receives the route's parameters and query before the first render.
    func receive(route: RouteValues)
    #if !hasFeature(Embedded)
        /// Who may open the page. Anyone else is sent to the app's login page by the prerender, and
        /// a circuit for the page is refused them.
        static var authorization: Authorization { get }
    #endif
}

extension Routable {
    public static var layout: (any Layout.Type)? { nil }
    #if !hasFeature(Embedded)
        public static var authorization: Authorization { .anyone }
    #endif
    public func receive(route: RouteValues) {}
}

/// A page: `final class Counter: Page { static let route = "/counter" ... }`.
public typealias Page = ComponentBase & Renderable & Routable

/// The base of layouts: components holding the shared chrome, with the page placed where the
/// body writes `pageBody`.
open class LayoutBase: ComponentBase {
    var page: (any Component)?

    /// Tether makes the layout of each page it shows.
    public required override init() {}

    /// The current page, for the layout's body.
    public var pageBody: Node {
        guard let page else { return .text("") }
        return .component(ChildComponent(fixed: page))
    }
}

/// A layout: `final class MainLayout: Layout { var body: Content { nav { ... }; main { pageBody } } }`.
public typealias Layout = LayoutBase & Renderable

/// What the renderer provides to a component.
public final class ComponentContext {
    /// The app's services, with this circuit's `js` and `navigation`; `@Inject` reads them.
    public let services: ServiceValues
    /// True while the page is rendered on the server with no browser attached: JS calls fail then.
    public let isPrerendering: Bool
    /// Values cascaded from ancestors with `Cascade`.
    public internal(set) var environment = EnvironmentValues()
    let invalidate: () -> Void
    #if hasFeature(Embedded)
        init(services: ServiceValues, isPrerendering: Bool, invalidate: @escaping () -> Void) {
            self.services = services
            self.isPrerendering = isPrerendering
            self.invalidate = invalidate
        }
    #else
    let schedule: (@escaping () async -> Void) -> Task<Void, Never>
    /// Shows an error of the component's own work in the nearest `ErrorBoundary` above it; with
    /// none, the circuit ends as for an event handler's uncaught error.
    let captureError: (_ what: String, _ error: any Error) -> Void

    init(
        services: ServiceValues, isPrerendering: Bool, invalidate: @escaping () -> Void,
        schedule: @escaping (@escaping () async -> Void) -> Task<Void, Never>,
        captureError: @escaping (_ what: String, _ error: any Error) -> Void = { _, _ in }
    ) {
        self.services = services
        self.isPrerendering = isPrerendering
        self.invalidate = invalidate
        self.schedule = schedule
        self.captureError = captureError
    }
    #endif
}

/// A handle to a rendered element, for passing the DOM element itself to JS:
/// `try await js.invokeVoid("focusElement", nameInput)` gives JS the `<input>`.
public final class ElementReference {
    /// Assigned by the renderer when the element is first rendered.
    public internal(set) var id: String?
    #if hasFeature(Embedded)
        /// A reference to capture an element with `ref(_:)`; its id is assigned when the element renders.
        public init() {}
    #else
    /// The browser of the circuit that rendered the element, for `focus()` and `scrollIntoView()`.
    var runtime: JSRuntime?

    /// A reference to capture an element with `ref(_:)`; its id is assigned when the element renders.
    public init() {}

    /// Moves keyboard focus to the element, as Blazor's `FocusAsync` does:
    /// `try await nameInput.focus()`. With `preventScroll`, the page does not scroll to it.
    ///
    /// Throws `ElementReferenceError.notRendered` before the element has rendered in a live
    /// circuit, and `JSException` when the element is no longer in the page.
    public func focus(preventScroll: Bool = false) async throws {
        try await runtimeForCall("focus()").invokeVoid(ElementCommands.focus, self, ["preventScroll": .bool(preventScroll)] as JSONValue)
    }

    /// Scrolls the page so the element is in view. Throws as `focus(preventScroll:)` does.
    public func scrollIntoView(behavior: ScrollBehavior = .auto, block: ScrollAlignment = .start, inline: ScrollAlignment = .nearest) async throws {
        let options: JSONValue = ["behavior": .string(behavior.rawValue), "block": .string(block.rawValue), "inline": .string(inline.rawValue)]
        try await runtimeForCall("scrollIntoView()").invokeVoid(ElementCommands.scrollIntoView, self, options)
    }

    private func runtimeForCall(_ call: String) throws(ElementReferenceError) -> JSRuntime {
        guard id != nil, let runtime else { throw .notRendered(call: call) }
        return runtime
    }

    #endif
}

#if !hasFeature(Embedded)
extension ElementReference: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: HandleKey.self)
        try container.encode(id ?? "", forKey: HandleKey(.element))
    }
}
#endif

/// How `ElementReference.scrollIntoView(behavior:block:inline:)` moves the page.
public enum ScrollBehavior: String, Sendable {
    /// As the page's CSS `scroll-behavior` says.
    case auto
    /// At once.
    case instant
    /// With an animation.
    case smooth
}

/// Where `ElementReference.scrollIntoView(behavior:block:inline:)` puts the element in the view.
public enum ScrollAlignment: String, Sendable {
    /// The element's start edge at the view's start edge.
    case start
    /// The element in the middle of the view.
    case center
    /// The element's end edge at the view's end edge.
    case end
    /// Only as far as it takes to bring the element into view, if at all.
    case nearest
}

/// A call through an `ElementReference` that cannot be made.
public enum ElementReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The element has not rendered in a live circuit yet: the call was made before the first
    /// render, during prerendering, or on a reference never passed to `ref(_:)`.
    case notRendered(call: String)

    /// What went wrong and when the call can be made.
    public var description: String {
        switch self {
        case .notRendered(let call):
            "ElementReference.\(call): the element has not been rendered in a live circuit yet; call it after the first render (onAfterRender(firstRender:)) or from an event handler"
        }
    }
}

/// The runtime's built-in functions for `ElementReference` (`Tether.dom` in tether.js).
enum ElementCommands {
    static let focus = "Tether.dom.focus"
    static let scrollIntoView = "Tether.dom.scrollIntoView"
}

/// A child component placed in a parent's body: a component value, `TodoRow(text: ...)`, with
/// the key it was given, if any.
public struct ChildComponent {
    let type: ObjectIdentifier
    let instance: any Component
    let parameters: Parameters
    let key: String?
    /// Only this very instance may fill its place: the layout's page, which navigation replaces
    /// with a new instance, perhaps of the same type.
    let isFixed: Bool

    init<C: Component>(_ component: C, key: String?) {
        type = ObjectIdentifier(Swift.type(of: component))
        instance = component
        parameters = C.parameters
        self.key = key
        isFixed = false
    }

    init(fixed page: any Component) {
        type = ObjectIdentifier(Swift.type(of: page as ComponentBase))
        instance = page
        parameters = Parameters()
        key = "page"
        isFixed = true
    }
}

/// A callback a parent hands to a child as a parameter. It never counts as a parameter change:
/// a new closure each render does not make the child re-render.
public struct EventCallback<Value>: Equatable {
    #if hasFeature(Embedded)
        let action: (Value) -> Void
    #else
    let action: (Value) async throws -> Void
    #endif
    /// The component whose body created the callback: it re-renders after each call, since the
    /// action most likely changed its state (Blazor's "receiver").
    let receiver: RenderingComponent?

    #if hasFeature(Embedded)
        /// A callback running `action`; the component whose body makes it re-renders after each call.
        public init(_ action: @escaping (Value) -> Void) {
            self.action = action
            self.receiver = RenderingComponent.current
        }

        /// Runs the action with `value`, then re-renders the component that created the callback.
        public func callAsFunction(_ value: Value) {
            defer { receiver?.component?.stateHasChanged() }
            action(value)
        }
    #else
    /// A callback running `action`; the component whose body makes it re-renders after each call.
    public init(_ action: @escaping (Value) async throws -> Void) {
        self.action = action
        self.receiver = RenderingComponent.current
    }

    /// Runs the action with `value`, then re-renders the component that created the callback.
    public func callAsFunction(_ value: Value) async throws {
        defer { receiver?.component?.stateHasChanged() }
        try await action(value)
    }
    #endif

    public static func == (lhs: EventCallback, rhs: EventCallback) -> Bool { true }
}

extension EventCallback where Value == Void {
    #if hasFeature(Embedded)
        /// `EventCallback { self.remove(todo.id) }`.
        public init(_ action: @escaping () -> Void) {
            self.init { (_: Void) in action() }
        }

        /// Runs the action, then re-renders the component that created the callback.
        public func callAsFunction() { self(()) }
    #else
    /// `EventCallback { self.remove(todo.id) }`.
    public init(_ action: @escaping () async throws -> Void) {
        self.init { (_: Void) in try await action() }
    }

    /// Runs the action, then re-renders the component that created the callback.
    public func callAsFunction() async throws { try await self(()) }
    #endif
}

/// The component whose body is being evaluated, so callbacks and bindings created there know
/// whom to re-render. Bodies run synchronously on their circuit's executor, which is the only place
/// this is read.
struct RenderingComponent: @unchecked Sendable {
    #if hasFeature(Embedded)
        // One thread, and no tasks: the body being evaluated is the one set last.
        nonisolated(unsafe) static var current: RenderingComponent?

        // No weak references in Embedded Swift. A callback outliving its component is called
        // only by a child that is itself gone by then.
        unowned(unsafe) var component: ComponentBase?
    #else
    @TaskLocal static var current: RenderingComponent?

    weak var component: ComponentBase?
    #endif

    init(_ component: ComponentBase) { self.component = component }
}

/// Markup a parent passes into a child, the analog of Blazor's `ChildContent`. It always counts
/// as changed, so a child showing it re-renders with its parent.
public struct Fragment: Equatable {
    let build: () -> Content

    /// Markup built by the parent's closure each time the child renders it.
    public init(@HTMLBuilder _ build: @escaping () -> Content) { self.build = build }

    /// The markup, for the child's body.
    public var content: Content { build() }

    public static func == (lhs: Fragment, rhs: Fragment) -> Bool { false }
}

extension Fragment: HTMLConvertible {
    public var htmlContent: Content { build() }
}
