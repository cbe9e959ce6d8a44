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
    /// Disconnected circuits kept for their pages to resume; the oldest goes first past this.
    public var maxRetainedCircuits = 100
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
    /// How long shutdown waits for circuits to finish after telling their browsers.
    public var shutdownGracePeriod: Duration = .seconds(10)

    public init() {}

    /// What the runtime is told at the start of a circuit.
    var runtimeConfigurationJSON: String {
        "{\"maxMessageBytes\":\(maxTextMessageBytes),\"maxChunkBytes\":\(maxBinaryChunkBytes)}"
    }

    /// The transport's frame limit: the larger of the two, plus a chunk's 4-byte header.
    var transportMaxFrameBytes: Int { max(maxTextMessageBytes, maxBinaryChunkBytes + 4) }
}
