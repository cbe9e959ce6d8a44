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
public final class ErrorBoundary: Component, ParameterizedComponent {
    public struct Parameters: Equatable {
        public var content: Fragment
        public var fallback: ErrorFallback
    }

    /// Builds the fallback for an error. Never equal to another, like `Fragment`.
    public struct ErrorFallback: Equatable {
        let build: (any Error) -> Content
        public init(@HTMLBuilder _ build: @escaping (any Error) -> Content) { self.build = build }
        public static func == (lhs: ErrorFallback, rhs: ErrorFallback) -> Bool { false }
    }

    public var parameters = Parameters(content: Fragment { [] }, fallback: ErrorFallback { _ in [] })
    /// The error being shown, if any.
    public private(set) var error: (any Error)?

    public required init() {}

    public var body: Content {
        if let error {
            parameters.fallback.build(error)
        } else {
            parameters.content.content
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
        Child(ErrorBoundary.self, Parameters(content: Fragment(content), fallback: ErrorFallback(fallback)), key: key)
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
