/// Every way a call into JavaScript can fail, so that one `catch` handles them all while each kind
/// stays reachable by its own type:
///
/// ```swift
/// do {
///     try await js.invokeVoid("charts.draw", points)
/// } catch let error as JSException {
///     logger.warning("the chart threw: \(error.message)")
/// } catch let error as any JSError {
///     logger.warning("the chart could not be drawn: \(error)")
/// }
/// ```
///
/// Cancelling the calling task is not a failure of the call: it throws `CancellationError`.
public protocol JSError: Error, Sendable, CustomStringConvertible {}

/// A JavaScript function threw, or the Promise it returned was rejected.
public struct JSException: JSError, Equatable {
    /// The function, property or module the call named.
    public let identifier: String
    /// The JavaScript error's message, or the rejection value as text; also what `description`
    /// shows. A missing function reads `Could not find 'a.b.c' ('b' was undefined).`
    public let message: String
    /// The JavaScript error's stack, when it had one.
    public let stack: String?

    /// An exception as the browser reported it; a test double (such as `ScriptedJS`) makes one
    /// the same way.
    public init(identifier: String, message: String, stack: String?) {
        self.identifier = identifier
        self.message = message
        self.stack = stack
    }

    public var description: String { message }
}

/// A Swift→JS call did not complete within its timeout.
public struct JSTimeoutError: JSError, Equatable {
    /// The function, property or module the call named.
    public let identifier: String
    /// The timeout that passed.
    public let timeout: Duration

    public var description: String {
        "The JavaScript call '\(identifier)' timed out after \(timeout.formattedForHumans)."
    }
}

/// The circuit went away while a call was in flight, or before it was made.
public struct JSDisconnectedError: JSError, Equatable {
    /// The function, property or module the call named.
    public let identifier: String

    public var description: String {
        "The JavaScript call '\(identifier)' failed: the circuit is disconnected."
    }
}

/// The value JavaScript returned could not be decoded as the type the caller asked for.
public struct JSResultDecodingError: JSError, Equatable {
    /// The function, property or module the call named.
    public let identifier: String
    /// The Swift type the caller asked for, fully qualified.
    public let expectedType: String
    /// Where and why decoding failed: `expected Int at .count: …`.
    public let underlying: String

    package init(identifier: String, expectedType: String, underlying: String) {
        self.identifier = identifier
        self.expectedType = expectedType
        self.underlying = underlying
    }

    public var description: String {
        "The result of JavaScript call '\(identifier)' could not be decoded as \(expectedType): \(underlying)"
    }
}

/// JavaScript cannot be called yet: the component is being prerendered and no browser is attached.
public struct JSPrerenderingError: JSError, Equatable {
    /// The function, property or module the call named.
    public let identifier: String

    public var description: String {
        "JavaScript interop calls cannot be issued during prerendering ('\(identifier)'). "
            + "No browser is connected yet: make the call from onAfterRender(firstRender:), which runs once the page is interactive."
    }
}

/// An argument could not be encoded as JSON; nothing was sent.
public struct JSArgumentEncodingError: JSError, Equatable {
    /// The function, property or module the call named.
    public let identifier: String
    /// Why an argument could not be encoded (a NaN, say, which JSON has no spelling for).
    public let underlying: String

    public var description: String {
        "The arguments of JavaScript call '\(identifier)' could not be encoded: \(underlying)"
    }
}

extension Duration {
    var formattedForHumans: String {
        let (seconds, attoseconds) = components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if ms % 1000 == 0 { return "\(ms / 1000) s" }
        return "\(ms) ms"
    }
}

/// Too many Swift→JS calls were already in flight on this circuit; nothing was sent.
public struct JSCallLimitError: JSError, Equatable {
    /// The function, property or module the call named.
    public let identifier: String
    /// The most calls in flight the circuit allows (`InteropOptions.maxPendingCalls`).
    public let limit: Int

    public var description: String {
        "The JavaScript call '\(identifier)' was not sent: \(limit) calls are already in flight on this circuit."
    }
}
