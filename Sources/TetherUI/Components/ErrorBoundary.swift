/// Catches an error thrown by an event handler rendered inside it and shows fallback UI instead
/// of its content, the analog of Blazor's `<ErrorBoundary>`. The rest of the page keeps working.
///
/// ```swift
/// ErrorBoundary.wrap {
///     button(.id("throw")) { "Throw" }.onClick { throw DemoError() }
/// } fallback: { error in
///     p(.id("error-fallback")) { "Something went wrong: \(error)" }
/// }
/// ```
public final class ErrorBoundary: Component {
    /// Builds the fallback for an error. Never equal to another, like `Fragment`.
    public struct ErrorFallback: Equatable {
        let build: (any Error) -> Content
        /// A fallback that builds its markup from the caught error.
        public init(@HTMLBuilder _ build: @escaping (any Error) -> Content) { self.build = build }
        public static func == (lhs: ErrorFallback, rhs: ErrorFallback) -> Bool { false }
    }

    var content: Fragment
    var fallback: ErrorFallback
    public static let parameters = Parameters(\ErrorBoundary.content, \ErrorBoundary.fallback)
    /// The error being shown, if any.
    public private(set) var error: (any Error)?

    /// A boundary around `content`; `wrap(key:_:fallback:)` is the shorter way to write one in
    /// a body.
    public init(content: Fragment, fallback: ErrorFallback) {
        self.content = content
        self.fallback = fallback
    }

    /// The content, or the fallback for the error it caught.
    public var body: Content {
        if let error {
            fallback.build(error)
        } else {
            content.content
        }
    }

    /// Shows the content again.
    public func recover() {
        error = nil
        stateHasChanged()
    }

    func capture(_ error: any Error) {
        self.error = error
        stateHasChanged()
    }

    /// Places a boundary in a body: `content` renders until one of its event handlers throws,
    /// then `fallback` renders with the error until `recover()`. `key` tells boundaries among
    /// siblings apart, as `key(_:)` does for other children.
    public static func wrap(
        key: String? = nil, @HTMLBuilder _ content: @escaping () -> Content,
        @HTMLBuilder fallback: @escaping (any Error) -> Content
    ) -> ChildComponent {
        ChildComponent(ErrorBoundary(content: Fragment(content), fallback: ErrorFallback(fallback)), key: key)
    }
}

extension Renderer {
    /// Hands a handler's error to the nearest boundary; false when there is none.
    public func capture(_ error: any Error, from event: ResolvedEvent) -> Bool {
        guard let boundary = errorBoundary(around: event) else { return false }
        boundary.capture(error)
        return true
    }
}
