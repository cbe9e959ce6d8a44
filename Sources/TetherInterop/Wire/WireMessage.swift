import TetherProtocol

/// A message from the browser. Every field has been checked for shape, never for meaning.
package enum InboundMessage: Sendable, Equatable {
    /// The first message on a circuit: which prerendered page to attach to.
    case start(descriptor: String, url: String)
    /// The first message on a new socket for a circuit that lost its socket: its id, its secret,
    /// and the last render batch the browser applied.
    case resume(circuitID: String, secret: String, lastBatch: Int)
    /// The page is going away: the circuit can be released at once.
    case end
    /// A DOM event for a handler id the server rendered. `sequence`, when the page numbers its
    /// events, comes back in `eventHandled` once the handler ran and its render went out.
    case event(handler: String, args: JSONValue, sequence: Int? = nil)
    /// The browser finished a Swift→JS call.
    case callCompleted(id: Int, outcome: JSCallOutcome)
    /// JS asks to call an exposed Swift method: statically by module, or on a Swift object.
    case invoke(id: Int, target: InvocationTarget, method: String, args: [JSONValue])
    /// The browser applied a render batch.
    case ack(batch: Int)
    /// The browser dropped a handle it held to a Swift object.
    case releaseObject(id: Int)
    /// The browser navigated inside the circuit (a link or back/forward).
    case navigate(url: String)
    /// The page asks the server to save the circuit and free it; it resumes it later.
    case pause
    /// The answer to `drain`: everything the page sent before it is on its way, and it sends
    /// nothing more on this socket.
    case drained
}

package enum InvocationTarget: Sendable, Equatable {
    case module(String)
    case object(Int)
}

/// What came back from a Swift→JS call.
public enum JSCallOutcome: Sendable, Equatable {
    /// The function returned this value (a Promise's, once settled).
    case success(JSONValue)
    /// The function threw, or its Promise rejected: the caller gets a `JSException` with this
    /// message and stack.
    case failure(message: String, stack: String?)
}

/// What the interop core sends to the browser: the whole of the narrow protocol between it and
/// the transport that carries it (`InteropOutbox`). Payloads that are already JSON text are
/// carried as text, so they are never parsed again on the way out.
package enum InteropMessage: Sendable {
    /// Target 0 is `window`; any other number is a JS object the browser holds for Swift.
    case call(id: Int, identifier: String, arguments: String, mode: ResultMode, target: Int = CallTarget.window.rawValue, operation: ObjectOperation = .call)
    case invocationResult(id: Int, outcome: InvocationOutcome)
    case disposeJSObject(id: Int)
    /// A byte array, sent as its own binary frame ahead of the JSON that refers to it.
    case bytes(id: Int, payload: [UInt8])
}

/// A message on a circuit's socket: the interop core's, and the circuit's own.
package enum OutboundMessage: Sendable {
    case interop(InteropMessage)
    /// `head` is set when the batch changes the document's head.
    case render(batch: Int, edits: String, head: HeadUpdate? = nil)
    case protocolError(String)
    /// In the circuit, only the history entry changes; otherwise the browser loads the URL.
    case navigateTo(url: String, replace: Bool, inCircuit: Bool)
    case fatal(String)
    /// A resume was refused: the circuit expired or the secret was wrong. The page must reload.
    case rejected(String)
    /// The server is shutting down: after this message the socket closes. When `resumes`, the
    /// server saved the circuit first (a drain), so the page resumes it on the next process.
    case shutdown(String, resumes: Bool = false)
    /// The server is about to save the circuit and stop: the page sends what it holds, answers
    /// `drained`, and keeps whatever comes after for the next process.
    case drain
    /// Settings the runtime needs before anything else, such as the message size limit.
    case configure(json: String)
    /// The event the page numbered `sequence` was handled (or refused) and its render sent: the
    /// page ends the loading states it started.
    case eventHandled(sequence: Int)
}

/// The document's head as a render batch leaves it: the title, and the head elements that
/// `PageTitle` and `HeadContent` render, as escaped HTML whose top-level elements carry
/// `data-tether-head`.
package struct HeadUpdate: Sendable, Equatable {
    package let title: String
    package let elements: String

    package init(title: String, elements: String) {
        self.title = title
        self.elements = elements
    }
}

package enum InvocationOutcome: Sendable {
    case success(json: String)
    case failure(message: String)
}
