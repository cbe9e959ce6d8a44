import Hummingbird
import HummingbirdWebSocket
import NIOCore
import TetherUI

/// What Tether needs of a request context: WebSocket upgrades, the connection's channel, and
/// who the request is from. Adopt it in your app's own context to mount Tether on its router:
///
/// ```swift
/// struct AppContext: TetherRequestContext, AuthRequestContext, SessionRequestContext {
///     var coreContext: CoreRequestContextStorage
///     let webSocket: WebSocketHandlerReference<AppContext>
///     let channel: any Channel
///     var identity: User?
///     let sessions = SessionContext<String>()
///
///     init(source: ApplicationRequestContextSource) {
///         coreContext = .init(source: source)
///         webSocket = .init()
///         channel = source.channel
///     }
///
///     var tetherUser: AuthenticatedUser? {
///         identity.map { AuthenticatedUser(id: $0.id, name: $0.name, roles: $0.roles) }
///     }
/// }
/// ```
public protocol TetherRequestContext: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext {
    /// The connection's NIO channel (`source.channel` in `init(source:)`): after an upgrade,
    /// circuits write their frames to it directly.
    var channel: any Channel { get }
    /// The signed-in user, as components will see it; nil for anonymous requests. Read after your
    /// middleware ran, so an authenticator that sets your context's identity decides it.
    var tetherUser: AuthenticatedUser? { get }
}

extension TetherRequestContext {
    public var tetherUser: AuthenticatedUser? { nil }
    public var remoteAddress: SocketAddress? { channel.remoteAddress }
}

/// The request context `TetherApp.run` serves with: nobody is signed in.
public struct BasicTetherRequestContext: TetherRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Hummingbird's handler for the WebSocket upgrade of the circuit endpoint.
    public let webSocket: WebSocketHandlerReference<BasicTetherRequestContext>
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}
