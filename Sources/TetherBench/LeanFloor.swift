import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The transport experiment of issue 19: an echo WebSocket served by a plain NIO channel handler
/// on a port of its own, on the same event loops as Hummingbird. Its idle sockets measure what a
/// socket costs with no Swift task per connection, where Hummingbird's keeps one task for the
/// socket and a second for its keep-alive pings (BENCHMARKS.md, "Where an idle socket's bytes go").
///
/// It answers every upgrade, on any path, and echoes text and binary frames; it sends no pings.
/// Only the benchmark uses it: it is not how circuits are served.
enum LeanFloor {
    static func start(host: String, port: Int, maxFrameSize: Int) async throws -> any Channel {
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: maxFrameSize,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(LeanEcho()) }
            })
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
            .bind(host: host, port: port).get()
    }
}

/// Echoes data frames, answers pings, and returns the close frame before closing.
final class LeanEcho: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary, .continuation:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: frame.fin, opcode: frame.opcode, data: frame.unmaskedData)), promise: nil)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)))
                .whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }
}
