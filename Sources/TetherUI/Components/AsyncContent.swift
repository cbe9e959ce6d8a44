/// Shows `loading` at once, starts `load` in the background, and shows `content` with its value
/// when it returns, the analog of LiveView's `assign_async` and of Blazor's streaming rendering:
///
/// ```swift
/// AsyncContent {
///     try await orders.recent()
/// } content: { recent in
///     ul { for order in recent { li { order.title } } }
/// } loading: {
///     p { "Loading…" }
/// } failure: { error in
///     p(.class("error")) { "Could not load the orders: \(error)" }
/// }
/// ```
///
/// A thrown error shows `failure`; without `failure`, it goes to the nearest `ErrorBoundary`
/// around the component, and with none the circuit ends, as for an event handler's error.
///
/// `load` runs once, when the component is mounted in a connected circuit, on the circuit like
/// `launch` work, and is cancelled when the component leaves the page. It does not run during
/// prerendering: the prerendered page shows `loading` without waiting for the work, the circuit's
/// first render matches it, and the finished content arrives as a later render batch. Give the
/// component a `key(_:)` that changes to load again.
public final class AsyncContent<Value>: Component {
    /// Where the load stands.
    public enum Phase {
        /// The work has not returned yet: `loading` shows.
        case loading
        /// The work returned this value: `content` shows it.
        case loaded(Value)
        /// The work threw this error: `failure` shows it.
        case failed(any Error)
    }

    private let load: () async throws -> Value
    var content: (Value) -> Content
    var loading: () -> Content
    var failure: ((any Error) -> Content)?
    /// Where the load stands; the body shows the matching content.
    public private(set) var phase = Phase.loading

    // Computed: a generic class has no static stored properties. The builders are closures, so
    // the parent's every render hands in new ones and re-renders this component with them.
    public static var parameters: Parameters { Parameters(\AsyncContent.content, \AsyncContent.loading, \AsyncContent.failure) }

    /// Loads with `load`, showing `loading` until it returns, then `content` with the value, or
    /// `failure` with the error it threw.
    public init(
        _ load: @escaping () async throws -> Value, @HTMLBuilder content: @escaping (Value) -> Content,
        @HTMLBuilder loading: @escaping () -> Content, @HTMLBuilder failure: @escaping (any Error) -> Content
    ) {
        self.load = load
        self.content = content
        self.loading = loading
        self.failure = failure
    }

    /// Loads with `load`, showing `loading` until it returns, then `content` with the value; an
    /// error goes to the nearest `ErrorBoundary`.
    public init(
        _ load: @escaping () async throws -> Value, @HTMLBuilder content: @escaping (Value) -> Content,
        @HTMLBuilder loading: @escaping () -> Content
    ) {
        self.load = load
        self.content = content
        self.loading = loading
        self.failure = nil
    }

    /// The content for where the load stands.
    public var body: Content {
        switch phase {
        case .loading: loading()
        case .loaded(let value): content(value)
        case .failed(let error): failure?(error) ?? []
        }
    }

    /// Starts the load, on the circuit; not during prerendering.
    public override func onInitialized() async throws {
        // Not awaited: the first render, and a prerender, must not wait for the work.
        launch { [weak self] in await self?.run() }
    }

    private func run() async {
        do {
            let value = try await load()
            guard !Task.isCancelled else { return }
            phase = .loaded(value)
        } catch {
            // A load cancelled because the component left the page failed no one.
            guard !Task.isCancelled else { return }
            guard failure != nil else {
                context.captureError("an AsyncContent load threw", error)
                return
            }
            phase = .failed(error)
        }
        stateHasChanged()
    }
}
