import NIOCore
import NIOWebSocket
import Synchronization
import TetherInterop
import TetherProtocol

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
///
/// Output the socket has not yet taken is counted: past `pauseBytes` the socket is *congested*
/// (the connection stops reading the browser's requests and the circuit starts no new JS→Swift
/// calls, so the browser's own reading paces it), and past `maxBytes`, or past the client's hard
/// memory bound, the socket is closed.
final class WebSocketOutbox: Sendable {
    struct Backpressure: Sendable {
        var pauseBytes: Int
        var maxBytes: Int
        /// While congested, how long the socket may take nothing before it is closed.
        var stallTimeout: Duration = .seconds(20)
        static let unlimited = Backpressure(pauseBytes: .max, maxBytes: .max)
    }

    private struct State {
        var queue: [OutboundMessage] = []
        var flushScheduled = false
        /// Set when a close was asked for; the flush that sees it closes the socket.
        var closeRequested: CircuitClose?
        /// False once the socket is closing or gone: later messages are dropped.
        var accepting = true
        /// Set by whoever starts the close, so it runs once.
        var closeClaimed = false
        /// The close a flush started, for `closeAfterFlush` to wait on.
        var closing: Task<Void, Never>?
        var lastFlush: NIODeadline?
        /// Bytes handed to the socket whose write has not completed.
        var unsentBytes = 0
        var congested = false
        /// When a write last completed: a congested socket that takes nothing for the stall
        /// timeout is closed.
        var lastDrain: NIODeadline?
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        var onCongestion: (@Sendable (Bool) -> Void)?
    }

    static let minimumFrameInterval = TimeAmount.microseconds(150)

    private let state = Mutex(State())
    private let channel: any Channel
    private let close: @Sendable (CircuitClose) async -> Void
    private let backpressure: Backpressure
    private let budget: Mutex<BudgetAccount?>
    /// Set once the socket's upgrade agreed to permessage-deflate.
    private let deflate = Mutex<OutboundDeflate?>(nil)

    /// `close` ends the WebSocket properly (a close frame and the handshake); it runs once, after
    /// everything queued before it is written.
    /// The loop the socket's I/O runs on.
    var eventLoop: any EventLoop { channel.eventLoop }

    init(channel: any Channel, backpressure: Backpressure = .unlimited, close: @escaping @Sendable (CircuitClose) async -> Void) {
        self.channel = channel
        self.backpressure = backpressure
        self.close = close
        self.budget = Mutex(nil)
    }

    /// Charges output to a circuit's budget and tells its interop channel when output piles up.
    func serve(budget: BudgetAccount, onCongestion: @escaping @Sendable (Bool) -> Void) {
        self.budget.withLock { $0 = budget }
        let congested = state.withLock { state in
            state.onCongestion = onCongestion
            return state.congested
        }
        if congested { onCongestion(true) }
    }

    /// Deflates every later message of at least the agreed size. Frames this socket writes go
    /// straight to the channel, past the WebSocket layer's extensions, so compression is done here.
    func deflate(as agreement: DeflateAgreement) {
        deflate.withLock { $0 = OutboundDeflate(agreement) }
    }

    func enqueue(_ message: OutboundMessage) {
        let schedule = state.withLock { state in
            guard state.accepting else { return false }
            state.queue.append(message)
            return Self.claimFlush(&state)
        }
        if schedule { scheduleFlush() }
    }

    /// Sends `message`, then closes the socket for `reason`.
    func enqueue(_ message: OutboundMessage, thenClose reason: CircuitClose) {
        let schedule = state.withLock { state in
            guard state.accepting else { return false }
            state.queue.append(message)
            state.closeRequested = state.closeRequested ?? reason
            state.accepting = false
            return Self.claimFlush(&state)
        }
        if schedule { scheduleFlush() }
    }

    /// Stops accepting messages; called when the socket has ended. What is queued is still written.
    func finish() {
        let waiters = state.withLock { state in
            state.accepting = false
            defer { state.drainWaiters.removeAll() }
            return state.drainWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Closes the socket once everything queued so far is written, without waiting for it.
    func requestClose(_ reason: CircuitClose) {
        let schedule = state.withLock { state in
            guard state.accepting else { return false }
            state.closeRequested = reason
            state.accepting = false
            return Self.claimFlush(&state)
        }
        if schedule { scheduleFlush() }
    }

    /// Writes everything queued so far, then closes the socket and waits for the close.
    func closeAfterFlush(_ reason: CircuitClose) async {
        // The close is published in the same lock that claims it: a second caller that found it
        // claimed but not yet published would return at once, and its socket handler, returning
        // too, would let the transport close with a plain 1000 before this close's code is sent.
        let closing = state.withLock { state -> Task<Void, Never>? in
            state.accepting = false
            state.closeRequested = state.closeRequested ?? reason
            guard Self.claimClose(&state) else { return nil }
            let task = Task {
                // A flush may be scheduled for later; this one writes the queue now.
                try? await self.channel.eventLoop.submit { self.flush() }.get()
                await self.close(self.state.withLock { $0.closeRequested } ?? reason)
            }
            state.closing = task
            return task
        }
        if let closing {
            await closing.value
        } else {
            // A flush that claimed the close publishes it before it returns, and flushes run on
            // the event loop one at a time: once this one has run, the close is there to wait on.
            try? await channel.eventLoop.submit { self.flush() }.get()
            await state.withLock { $0.closing }?.value
        }
    }

    /// False once the socket is closing or has ended.
    var isAccepting: Bool { state.withLock { $0.accepting } }

    /// The close this socket ended with, if the server closed it.
    var closedFor: CircuitClose? {
        state.withLock { $0.closeClaimed ? $0.closeRequested : nil }
    }

    /// Waits until a close already asked for (with `enqueue(_:thenClose:)`, `requestClose`, or a
    /// closing message such as `bye`) has been sent: the socket's handler returning first would
    /// let the transport close with a plain 1000, and the page would misread why.
    func finishRequestedClose() async {
        let requested = state.withLock { state in
            state.closeRequested ?? state.queue.lazy.compactMap(Self.closeReason).first
        }
        guard let requested else { return }
        await closeAfterFlush(requested)
    }

    /// Returns once the socket has taken enough of its output, or at once when it is not congested.
    func waitUntilDrained() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state in
                guard state.congested, state.accepting else { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
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

    /// `bye`, `fatal` and `rejected` are the last messages a socket carries.
    private static func closeReason(after message: OutboundMessage) -> CircuitClose? {
        switch message {
        case .shutdown(let reason, let resumes): CircuitClose(resumes ? .serviceRestart : .goingAway, reason)
        case .fatal(let message): CircuitClose(.fatal, message)
        case .rejected(let reason): CircuitClose(.rejected, reason)
        case .interop, .render, .protocolError, .navigateTo, .configure, .drain, .eventHandled: nil
        }
    }

    /// Runs on the event loop: writes what is queued as frames, and closes the socket when asked.
    private func flush() {
        let (messages, close) = state.withLock { state -> ([OutboundMessage], CircuitClose?) in
            state.flushScheduled = false
            state.lastFlush = channel.eventLoop.now
            let messages = state.queue
            state.queue.removeAll(keepingCapacity: true)
            let ending = state.closeRequested ?? messages.lazy.compactMap(Self.closeReason).first
            guard let ending else { return (messages, nil) }
            state.closeRequested = ending
            state.accepting = false
            return (messages, Self.claimClose(&state) ? ending : nil)
        }
        var overBudget = false
        if !messages.isEmpty {
            let budget = self.budget.withLock { $0 }
            let deflate = self.deflate.withLock { $0 }
            for frame in WireCodec.frames(for: messages) {
                var webSocketFrame: WebSocketFrame
                switch frame {
                case .text(let text):
                    webSocketFrame = WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: text))
                case .binary(let bytes):
                    webSocketFrame = WebSocketFrame(fin: true, opcode: .binary, data: channel.allocator.buffer(bytes: bytes))
                }
                // Only text: binary frames carry byte arrays and streams, mostly files and images
                // already compressed, where deflate would spend CPU for nothing.
                if webSocketFrame.opcode == .text, let compressed = deflate?.deflate(webSocketFrame.data, allocator: channel.allocator) {
                    webSocketFrame.data = compressed
                    webSocketFrame.rsv1 = true
                }
                let size = webSocketFrame.data.readableBytes
                if let budget, !budget.forceReserve(size) { overBudget = true }
                state.withLock { $0.unsentBytes += size }
                let written = channel.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenComplete { _ in self.written(size) }
                channel.write(webSocketFrame, promise: written)
            }
            channel.flush()
            let (notify, congestedNow) = state.withLock { state -> ((@Sendable (Bool) -> Void)?, Bool) in
                guard !state.congested, state.unsentBytes > backpressure.pauseBytes else { return (nil, false) }
                state.congested = true
                state.lastDrain = channel.eventLoop.now
                return (state.onCongestion, true)
            }
            notify?(true)
            if congestedNow { watchForStall() }
        }
        var ending = close
        if ending == nil {
            let maxBytes = backpressure.maxBytes
            ending = state.withLock { state -> CircuitClose? in
                let reason: CircuitClose
                if overBudget {
                    reason = CircuitClose(.policy, "This client is over its memory budget: the server closed the circuit.")
                } else if state.unsentBytes > maxBytes {
                    reason = CircuitClose(.policy, "The browser stopped reading: over \(maxBytes) bytes are waiting to be sent.")
                } else {
                    return nil
                }
                state.closeRequested = state.closeRequested ?? reason
                state.accepting = false
                return Self.claimClose(&state) ? reason : nil
            }
        }
        if let ending {
            let task = Task { await self.close(ending) }
            forceCloseIfStuck()
            // Readers waiting for the socket to drain stop waiting: it is closing.
            let waiters = state.withLock { state in
                state.closing = task
                defer { state.drainWaiters.removeAll() }
                return state.drainWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    /// How long a close may wait for its handshake. A browser that stopped reading never takes
    /// the close frame, and the writer waiting to send it would hold the socket open for good.
    static let closeHandshakeLimit = TimeAmount.seconds(2)

    private func forceCloseIfStuck() {
        let channel = channel
        channel.eventLoop.scheduleTask(in: Self.closeHandshakeLimit) {
            if channel.isActive { channel.close(promise: nil) }
        }
    }

    /// Runs on the event loop while the socket is congested: closes it once it has taken nothing
    /// for the stall timeout.
    private func watchForStall() {
        let timeout = TimeAmount(backpressure.stallTimeout)
        let check = state.withLock { state -> NIODeadline? in
            guard state.congested, state.accepting, let lastDrain = state.lastDrain else { return nil }
            return lastDrain + timeout
        }
        guard let check else { return }
        channel.eventLoop.scheduleTask(deadline: check) {
            let stalled = self.state.withLock { state in
                state.congested && state.lastDrain.map { self.channel.eventLoop.now - $0 >= timeout } == true
            }
            if stalled {
                self.requestClose(
                    CircuitClose(.policy, "The browser stopped reading: nothing was taken for \(self.backpressure.stallTimeout)."))
            } else {
                self.watchForStall()
            }
        }
    }

    /// A frame's write completed (or failed because the socket went away).
    private func written(_ size: Int) {
        budget.withLock { $0 }?.release(size)
        let (waiters, notify) = state.withLock { state -> ([CheckedContinuation<Void, Never>], (@Sendable (Bool) -> Void)?) in
            state.lastDrain = channel.eventLoop.now
            state.unsentBytes = max(0, state.unsentBytes - size)
            // Resuming at half the pause mark keeps a socket near the mark from flapping.
            guard state.congested, state.unsentBytes <= backpressure.pauseBytes / 2 else { return ([], nil) }
            state.congested = false
            defer { state.drainWaiters.removeAll() }
            return (state.drainWaiters, state.onCongestion)
        }
        for waiter in waiters { waiter.resume() }
        notify?(false)
    }
}
