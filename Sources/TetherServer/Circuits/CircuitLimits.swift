/// Limits on what one browser can make the server hold or do. Every one is configurable through
/// `TetherApp.limits`; exceeding one gives the browser a precise error and logs it.
public struct CircuitLimits: Sendable {
    /// The largest text message accepted from the browser (Blazor's `MaximumReceiveMessageSize`).
    /// The runtime splits its frames to fit, and refuses a single message that cannot.
    public var maxTextMessageBytes = 32 * 1024
    /// The largest binary frame from the browser: one chunk of a byte array. The runtime sends
    /// larger arrays in several chunks. (Arrays from Swift to the browser go in one frame.)
    public var maxBinaryChunkBytes = 256 * 1024
    /// Render batches sent but not yet acknowledged. Past this, rendering pauses until the browser
    /// catches up, so a slow or silent browser cannot make the server hold more.
    public var maxUnacknowledgedBatches = 10
    /// Disconnected circuits kept for their pages to resume. Past this, the oldest of the client
    /// address that holds the most goes first, so one address cannot evict another's.
    public var maxRetainedCircuits = 100
    /// Disconnected circuits kept for one client address; past this, its own oldest goes first.
    public var maxRetainedCircuitsPerClient = 20
    /// How long a disconnected circuit is kept.
    public var retention: Duration = .seconds(180)
    /// Circuits one client address may hold at once, connected or retained.
    public var maxCircuitsPerClient = 200
    /// How long a new socket may take to send its `start` or `resume`.
    public var handshakeTimeout: Duration = .seconds(10)
    /// How often the server pings each socket; a peer that misses a pong is dropped.
    public var keepAliveInterval: Duration = .seconds(30)
    /// Origins (scheme://host[:port]) allowed to open circuits besides the server's own. A
    /// WebSocket upgrade from any other `Origin` is refused (Hummingbird answers it with 400 and
    /// does not switch protocols). An upgrade with no `Origin` header, which no browser sends, is
    /// allowed.
    public var allowedOrigins: Set<String> = []
    /// Addresses of the reverse proxies in front of this server (nginx, a load balancer). A
    /// request from one of them counts against the client its `X-Forwarded-For` names (the
    /// rightmost address that is not itself a trusted proxy), for every per-client limit and
    /// budget; from any other peer, the header is ignored. Empty by default: without it, every
    /// user behind a proxy shares the proxy's address and its limits.
    public var trustedProxies: Set<String> = []
    /// How long a circuit may sit idle before it hibernates: its components and render tree are
    /// dropped for a compressed snapshot of their persisted state, its socket stays open, and the
    /// next message from the page rebuilds them before it is handled. Nil turns hibernation off.
    /// A circuit with work under way (a handler, `launch` work, a subscription, an upload, a call
    /// either way, an unacknowledged batch, a Swift or JS object handed across) does not
    /// hibernate, nor one whose page would not render the same from its snapshot. See the
    /// Hibernation article.
    public var hibernateAfter: Duration? = .seconds(30)
    /// How long shutdown waits for circuits to finish after telling their browsers.
    public var shutdownGracePeriod: Duration = .seconds(10)

    /// The memory one client address may make the server hold across all its circuits: JS→Swift
    /// calls running and waiting, byte arrays not yet claimed, Swift objects handed to JS, queued
    /// events and output not yet sent. Past it, new work is refused with an error; past a quarter
    /// more, the circuit that pushed it over is closed (1008). See SECURITY.md for the arithmetic.
    public var memoryBudgetPerClient = 64 << 20
    /// Browser messages (events, acknowledgements, navigations) queued on one circuit while an
    /// earlier one is handled; more are refused.
    public var maxQueuedEvents = 1_000
    /// Output not yet taken by the socket past which the circuit stops reading its browser's
    /// requests and starting its JS→Swift calls, until the socket drains to half of it.
    public var outboundPauseBytes = 1 << 20
    /// Output not yet taken by the socket past which the circuit is closed (1008): its browser
    /// has stopped reading.
    public var maxOutboundBytes = 16 << 20
    /// How long a paused circuit may wait with its socket taking nothing before it is closed
    /// (1008): a browser that stopped reading holds its share of memory only this long.
    public var outboundStallTimeout: Duration = .seconds(20)

    /// How long a new HTTP connection may take to send its first request's headers (slowloris).
    public var httpHeaderTimeout: Duration = .seconds(10)
    /// How long an HTTP connection may stay idle between requests before it is closed.
    public var httpIdleTimeout: Duration = .seconds(60)

    /// The defaults given with each limit; an app changes them on `TetherApp.limits`.
    public init() {}

    /// What the runtime is told at the start of a circuit.
    /// What the runtime is told first on every socket (`cfg`): the limits it must keep to, and
    /// the circuit's id and secret for a later resume.
    func runtimeConfiguration(circuitID: String, secret: String) -> RuntimeConfiguration {
        RuntimeConfiguration(maxMessageBytes: maxTextMessageBytes, maxChunkBytes: maxBinaryChunkBytes, circuitId: circuitID, secret: secret)
    }

    /// The transport's frame limit: the larger of the two, plus a chunk's 4-byte header.
    var transportMaxFrameBytes: Int { max(maxTextMessageBytes, maxBinaryChunkBytes + 4) }
}

/// The `cfg` message's settings object, in the order the runtime documents them.
struct RuntimeConfiguration: Encodable {
    let maxMessageBytes: Int
    let maxChunkBytes: Int
    let circuitId: String
    let secret: String
    /// This socket's resume rebuilt the circuit from its store: the page's JS→Swift calls that were
    /// in flight are lost, and the runtime rejects them saying so.
    var restored = false
}
