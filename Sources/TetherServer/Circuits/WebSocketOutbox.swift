import Synchronization
import TetherInterop

/// Collects outbound messages and hands them to one writer task, which sends everything queued
/// since its last write as one frame. Under load that batches naturally; when idle, a message goes
/// out at once.
final class WebSocketOutbox: InteropOutbox {
    private let queue = Mutex<[OutboundMessage]>([])
    private let closeRequested = Mutex(false)
    private let wakeStream: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init() {
        (wakeStream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func enqueue(_ message: OutboundMessage) {
        queue.withLock { $0.append(message) }
        wake.yield()
    }

    func finish() {
        wake.finish()
    }

    /// Closes the socket once everything queued so far is written.
    func requestClose() {
        closeRequested.withLock { $0 = true }
        wake.yield()
    }

    /// `bye` and `fatal` are the last messages a socket carries.
    private static func endsTheSocket(_ message: OutboundMessage) -> Bool {
        switch message {
        case .shutdown, .fatal: true
        default: false
        }
    }

    /// Writes frames until `finish()`, a write fails, or a `bye` was written, after which it calls
    /// `close`.
    func run(write: (WireCodec.Frame) async throws -> Void, close: () async -> Void) async {
        for await _ in wakeStream {
            let messages = queue.withLock { queue in
                let taken = queue
                queue.removeAll(keepingCapacity: true)
                return taken
            }
            let closing = closeRequested.withLock { $0 }
            guard !messages.isEmpty || closing else { continue }
            do {
                for frame in WireCodec.frames(for: messages) { try await write(frame) }
            } catch {
                return
            }
            if closing || messages.contains(where: Self.endsTheSocket) {
                await close()
                return
            }
        }
    }
}
