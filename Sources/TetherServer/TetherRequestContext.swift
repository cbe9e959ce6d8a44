import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of a Tether server: WebSocket upgrades, plus the client's address, which
/// the per-client circuit limit counts by.
public struct TetherRequestContext: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<TetherRequestContext>
    public let remoteAddress: SocketAddress?
    /// The connection's NIO channel: after an upgrade, circuits write their frames to it directly.
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
    }
}
