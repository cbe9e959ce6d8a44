import Synchronization
import TetherInterop

/// What carries one circuit's messages to its browser: the socket that serves it now, swapped on
/// a resume and absent while the page reconnects. The circuit sends its own messages (render
/// batches, navigation, a fatal error) here, and its interop channel sends its calls and results
/// through the same transport, seen as an `InteropOutbox`. While no socket is attached, messages
/// are dropped: a resume replays the render batches the browser missed, and calls in flight
/// failed as disconnected when the socket went.
final class CircuitTransport: InteropOutbox {
    private let socket = Mutex<WebSocketOutbox?>(nil)

    init(socket: WebSocketOutbox? = nil) {
        self.socket.withLock { $0 = socket }
    }

    /// Points the transport at a new socket, after a resume.
    func attach(_ socket: WebSocketOutbox) {
        self.socket.withLock { $0 = socket }
    }

    /// The socket went away; until a resume, nothing is sent.
    func detach() {
        socket.withLock { $0 = nil }
    }

    func send(_ message: OutboundMessage) {
        socket.withLock { $0 }?.enqueue(message)
    }

    func enqueue(_ message: InteropMessage) {
        send(.interop(message))
    }
}
