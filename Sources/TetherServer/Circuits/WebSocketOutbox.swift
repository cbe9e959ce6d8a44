import NIOCore
import NIOWebSocket
import Synchronization
import TetherInterop

/// Collects outbound messages and writes them straight to the socket's event loop: everything
/// enqueued before the loop gets to it goes out as one frame. Under load that batches naturally;
/// when idle, a message goes out at once.
///
/// Writing to the NIO channel directly, rather than through a writer task and Hummingbird's async
/// writer, saves a thread hop on every message and a suspended task per circuit.
///
/// Frames go out at most once per `minimumFrameInterval`. A browser takes each WebSocket message
/// in turn at a fixed cost (Chromium here handles about 5,000 a second), so under a burst, frames
/// sent more often than that only wait in the browser; holding the next frame back a little lets
/// it carry everything produced meanwhile. A message after a quiet spell goes out at once.
final class WebSocketOutbox: InteropOutbox {
    private struct State {
        var queue: [OutboundMessage] = []
        var flushScheduled = false
        var closeRequested = false
        /// False once the socket is closing or gone: later messages are dropped.
        var accepting = true
        /// Set by whoever starts the close, so it runs once.
        var closeClaimed = false
        /// The close a flush started, for `closeAfterFlush` to wait on.
        var closing: Task<Void, Never>?
        var lastFlush: NIODeadline?
    }

    static let minimumFrameInterval = TimeAmount.microseconds(150)

    private let state = Mutex(State())
    private let channel: any Channel
    private let close: @Sendable () async -> Void

    /// `close` ends the WebSocket properly (a close frame and the handshake); it runs once, after
    /// everything queued before it is written.
    init(channel: any Channel, close: @escaping @Sendable () async -> Void) {
        self.channel = channel
        self.close = close
    }

    func enqueue(_ message: OutboundMessage) {
        let schedule = state.withLock { state in
            guard state.accepting else { return false }
            state.queue.append(message)
            return Self.claimFlush(&state)
        }
        if schedule { scheduleFlush() }
    }

    /// Stops accepting messages; called when the socket has ended. What is queued is still written.
    func finish() {
        state.withLock { $0.accepting = false }
    }

    /// Closes the socket once everything queued so far is written, without waiting for it.
    func requestClose() {
        let schedule = state.withLock { state in
            guard state.accepting else { return false }
            state.closeRequested = true
            state.accepting = false
            return Self.claimFlush(&state)
        }
        if schedule { scheduleFlush() }
    }

    /// Writes everything queued so far, then closes the socket and waits for the close.
    func closeAfterFlush() async {
        let mine = state.withLock { state in
            state.accepting = false
            return Self.claimClose(&state)
        }
        // A flush may be scheduled for later; this one writes the queue now.
        try? await channel.eventLoop.submit { self.flush() }.get()
        if mine {
            await close()
        } else {
            await state.withLock { $0.closing }?.value
        }
    }

    private func scheduleFlush() {
        let last = state.withLock { $0.lastFlush }
        guard let earliest = last.map({ $0 + Self.minimumFrameInterval }), earliest > channel.eventLoop.now else {
            channel.eventLoop.execute { self.flush() }
            return
        }
        channel.eventLoop.scheduleTask(deadline: earliest) { self.flush() }
    }

    private static func claimFlush(_ state: inout State) -> Bool {
        defer { state.flushScheduled = true }
        return !state.flushScheduled
    }

    private static func claimClose(_ state: inout State) -> Bool {
        defer { state.closeClaimed = true }
        return !state.closeClaimed
    }

    /// `bye` and `fatal` are the last messages a socket carries.
    private static func endsTheSocket(_ message: OutboundMessage) -> Bool {
        switch message {
        case .shutdown, .fatal: true
        default: false
        }
    }

    /// Runs on the event loop: writes what is queued as frames, and closes the socket when asked.
    private func flush() {
        let (messages, closing) = state.withLock { state -> ([OutboundMessage], Bool) in
            state.flushScheduled = false
            state.lastFlush = channel.eventLoop.now
            let messages = state.queue
            state.queue.removeAll(keepingCapacity: true)
            guard state.closeRequested || messages.contains(where: Self.endsTheSocket) else { return (messages, false) }
            state.accepting = false
            return (messages, Self.claimClose(&state))
        }
        if !messages.isEmpty {
            for frame in WireCodec.frames(for: messages) {
                let webSocketFrame: WebSocketFrame
                switch frame {
                case .text(let text):
                    webSocketFrame = WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: text))
                case .binary(let bytes):
                    webSocketFrame = WebSocketFrame(fin: true, opcode: .binary, data: channel.allocator.buffer(bytes: bytes))
                }
                channel.write(webSocketFrame, promise: nil)
            }
            channel.flush()
        }
        if closing {
            let close = self.close
            let task = Task { await close() }
            state.withLock { $0.closing = task }
        }
    }
}
