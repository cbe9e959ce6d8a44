import HummingbirdCore
import Logging
import NIOCore

/// An HTTP child channel whose first request must finish its headers within a deadline.
///
/// Hummingbird's idle timeout starts only after a first request head has been read, so a client
/// that trickles its first headers a byte at a time (slowloris) would hold the connection forever.
/// This closes it at the deadline; once the headers are in, Hummingbird's own idle timeout takes
/// over, and a WebSocket upgrade has its handshake timeout and pings.
struct HeaderDeadlineChannel<Wrapped: ServerChildChannel>: ServerChildChannel {
    let wrapped: Wrapped
    let timeout: Duration

    init(wrapping wrapped: Wrapped, timeout: Duration) {
        self.wrapped = wrapped
        self.timeout = timeout
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Wrapped.Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(FirstRequestHeadDeadline(timeout: TimeAmount(timeout)), position: .first)
        }.flatMap {
            wrapped.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Wrapped.Value, logger: Logger) async {
        await wrapped.handle(value: value, logger: logger)
    }
}

/// Watches the raw bytes of a new connection for the blank line that ends the first request's
/// headers; closes the connection if it has not come by the deadline, and leaves the pipeline
/// once it has.
final class FirstRequestHeadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// The last bytes seen, so a `\r\n\r\n` split across reads is still found.
    private var tail: [UInt8] = []

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let complete = headsComplete(buffer)
        context.fireChannelRead(data)
        if complete {
            deadline?.cancel()
            deadline = nil
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            channel.close(promise: nil)
        }
    }

    private func headsComplete(_ buffer: ByteBuffer) -> Bool {
        var window = tail
        window.append(contentsOf: buffer.readableBytesView.suffix(buffer.readableBytes))
        let terminator: [UInt8] = [13, 10, 13, 10]
        let found = window.count >= 4 && (0...(window.count - 4)).contains { window[$0..<($0 + 4)].elementsEqual(terminator) }
        tail = Array(window.suffix(3))
        return found
    }
}
