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
        public init(@HTMLBuilder _ build: @escaping (any Error) -> Content) { self.build = build }
        public static func == (lhs: ErrorFallback, rhs: ErrorFallback) -> Bool { false }
    }

    var content: Fragment
    var fallback: ErrorFallback
    public static let parameters = Parameters(\ErrorBoundary.content, \ErrorBoundary.fallback)
    /// The error being shown, if any.
    public private(set) var error: (any Error)?

    public init(content: Fragment, fallback: ErrorFallback) {
        self.content = content
        self.fallback = fallback
    }

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
