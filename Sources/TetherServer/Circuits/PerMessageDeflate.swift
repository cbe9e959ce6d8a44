import CompressNIO
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import Synchronization

/// The WebSocket options of the circuit socket.
public struct WebSocketOptions: Sendable {
    /// Compression of circuit messages, when the browser offers it (every current browser does);
    /// nil leaves messages as they are. On by default, without context takeover: measured
    /// (BENCHMARKS.md), a 10 KB re-render goes out in 2.2 KB for 8% more server CPU, a small one
    /// is untouched, and an idle circuit holds no compression state. See ``PerMessageDeflate``.
    public var perMessageDeflate: PerMessageDeflate?

    /// The options; compression is on unless `perMessageDeflate` is nil.
    public init(perMessageDeflate: PerMessageDeflate? = PerMessageDeflate()) {
        self.perMessageDeflate = perMessageDeflate
    }
}

/// permessage-deflate (RFC 7692): the server deflates each outbound text message of at least
/// `minimumMessageBytes`, and inflates what the browser deflates. Binary messages (byte arrays,
/// streams) go out as they are: mostly files and images, already compressed.
///
/// Without context takeover (the default), every message is compressed on its own, in both
/// directions: a socket holds no compression state between messages, so an idle circuit costs
/// nothing more, and the compressors are shared. With context takeover, a message may refer to
/// the ones before it, which shrinks a re-render that repeats earlier markup, at the price of a
/// compressor per socket (`2^(windowBits+2) + 2^(memoryLevel+9)` bytes, 256 KiB at the defaults).
public struct PerMessageDeflate: Sendable, Equatable {
    /// Keep the compressor's window from one outbound message to the next.
    public var contextTakeover: Bool
    /// zlib's level, 1 (fastest) to 9 (smallest); a value outside is clamped.
    public var compressionLevel: Int { didSet { compressionLevel = compressionLevel.clamped(to: 1...9) } }
    /// The compressor's window, 2^windowBits bytes: 9 to 15. A browser may ask for less.
    public var windowBits: Int { didSet { windowBits = windowBits.clamped(to: 9...15) } }
    /// zlib's memory level, 1 to 9: memory for speed and ratio.
    public var memoryLevel: Int { didSet { memoryLevel = memoryLevel.clamped(to: 1...9) } }
    /// Smaller messages go out as they are: deflate cannot shrink them enough to pay for itself.
    public var minimumMessageBytes: Int { didSet { minimumMessageBytes = max(minimumMessageBytes, 0) } }

    /// The defaults are zlib's (level 6, a 32 KB window, memory level 8), without context
    /// takeover, for messages of 256 bytes or more; values out of range are clamped.
    public init(contextTakeover: Bool = false, compressionLevel: Int = 6, windowBits: Int = 15, memoryLevel: Int = 8, minimumMessageBytes: Int = 256) {
        self.contextTakeover = contextTakeover
        self.compressionLevel = compressionLevel.clamped(to: 1...9)
        self.windowBits = windowBits.clamped(to: 9...15)
        self.memoryLevel = memoryLevel.clamped(to: 1...9)
        self.minimumMessageBytes = max(minimumMessageBytes, 0)
    }
}

extension Int {
    fileprivate func clamped(to range: ClosedRange<Int>) -> Int { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}

/// What one socket agreed to: how the server compresses. The browser is always asked not to keep
/// its context (`client_no_context_takeover`), so its messages inflate on their own.
struct DeflateAgreement: Equatable, Sendable {
    var contextTakeover: Bool
    var windowBits: Int
    var compressionLevel: Int
    var memoryLevel: Int
    var minimumMessageBytes: Int

    /// The agreement for one offer, or nil when the offer cannot be accepted as made: a parameter
    /// RFC 7692 does not define, a malformed value, or a server window of 8 bits, which zlib cannot
    /// produce (it widens 8 to 9).
    init?(offer: WebSocketExtensionHTTPParameters, options: PerMessageDeflate) {
        guard offer.name.lowercased() == PerMessageDeflateNegotiation.name else { return nil }
        var windowBits = options.windowBits
        var contextTakeover = options.contextTakeover
        for (name, value) in offer.parameters {
            switch (name.lowercased(), value) {
            case ("server_no_context_takeover", .null): contextTakeover = false
            case ("client_no_context_takeover", .null): continue
            case ("client_max_window_bits", .null): continue
            case ("client_max_window_bits", .value(let bits)):
                guard Self.windowBits(bits) != nil else { return nil }
            case ("server_max_window_bits", .value(let bits)):
                guard let bits = Self.windowBits(bits), bits >= 9 else { return nil }
                windowBits = min(windowBits, bits)
            default: return nil
            }
        }
        self.contextTakeover = contextTakeover
        self.windowBits = windowBits
        self.compressionLevel = options.compressionLevel
        self.memoryLevel = options.memoryLevel
        self.minimumMessageBytes = options.minimumMessageBytes
        self.offeredServerWindow = offer.parameters.keys.contains { $0.lowercased() == "server_max_window_bits" }
    }

    /// True when the offer limited the server's window: only then may the answer name it.
    private var offeredServerWindow = false

    private static func windowBits(_ text: String) -> Int? {
        let digits = text.hasPrefix("\"") && text.hasSuffix("\"") && text.count > 2 ? String(text.dropFirst().dropLast()) : text
        guard digits.count <= 2, let bits = Int(digits), (8...15).contains(bits) else { return nil }
        return bits
    }

    /// The `Sec-WebSocket-Extensions` answer.
    var responseHeader: String {
        var header = PerMessageDeflateNegotiation.name + "; client_no_context_takeover"
        if !contextTakeover { header += "; server_no_context_takeover" }
        if offeredServerWindow { header += "; server_max_window_bits=\(windowBits)" }
        return header
    }
}

/// Negotiates permessage-deflate for Hummingbird's WebSocket upgrade, and inflates inbound
/// messages. Outbound messages are deflated by ``WebSocketOutbox``, which writes frames to the
/// channel itself and so never passes through an extension's `processFrameToSend`; what the
/// upgrade agreed reaches it through ``DeflateLink``.
struct PerMessageDeflateNegotiation: WebSocketExtensionBuilder {
    static let name = "permessage-deflate"
    let options: PerMessageDeflate
    /// The largest inflated message: the transport's own frame limit.
    let maxMessageBytes: Int

    func clientRequestHeader() -> String { Self.name }

    func serverReponseHeader(to offer: WebSocketExtensionHTTPParameters) -> String? {
        DeflateAgreement(offer: offer, options: options)?.responseHeader
    }

    func serverExtension(from offer: WebSocketExtensionHTTPParameters) throws -> (any WebSocketExtension)? {
        DeflateAgreement(offer: offer, options: options).map { InboundDeflate(agreement: $0, maxMessageBytes: maxMessageBytes) }
    }

    /// Tether serves only; it never opens a WebSocket as a client.
    func clientExtension(from response: WebSocketExtensionHTTPParameters) throws -> (any WebSocketExtension)? { nil }
}

/// Hands what a socket's upgrade agreed to the connection that serves it. The connection reads the
/// socket with a link bound; the extension, which inflates each message on the reading task,
/// fills it in at the first. A socket that agreed nothing leaves it empty, so the outbox deflates
/// only what the browser was told to expect.
final class DeflateLink: Sendable {
    @TaskLocal static var current: DeflateLink?

    private let agreed = Mutex<DeflateAgreement?>(nil)

    var agreement: DeflateAgreement? { agreed.withLock { $0 } }

    fileprivate func record(_ agreement: DeflateAgreement) {
        agreed.withLock { $0 = agreement }
    }
}

/// A browser's message that does not inflate, or a frame that breaks RFC 7692's rules. The socket
/// is failed (close code 1011: the WebSocket layer has no closer code for it).
struct DeflateProtocolError: Error, CustomStringConvertible {
    let description: String
}

/// The server's side of one socket's permessage-deflate: inflates inbound messages; frames the
/// WebSocket layer writes itself (close, pong, ping) pass unchanged, as control frames must.
final class InboundDeflate: WebSocketExtension {
    let name = PerMessageDeflateNegotiation.name
    let agreement: DeflateAgreement
    let maxMessageBytes: Int
    var reservedBits: WebSocketFrame.ReservedBits { .rsv1 }

    private enum Message {
        case none
        case plain
        /// Inflating, with the inflater borrowed for the message and the bytes so far.
        case compressed(Inflater, inflated: Int)
    }

    private let message = Mutex<Message>(.none)
    /// True once the connection's ``DeflateLink`` has the agreement.
    private let linked = Mutex(false)

    init(agreement: DeflateAgreement, maxMessageBytes: Int) {
        self.agreement = agreement
        self.maxMessageBytes = maxMessageBytes
    }

    func processReceivedFrame(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
        if !linked.withLock({ $0 }), let link = DeflateLink.current {
            link.record(agreement)
            linked.withLock { $0 = true }
        }
        return try message.withLock { message in
            let starts = frame.opcode != .continuation
            if starts {
                if case .compressed(let inflater, _) = message { Inflater.giveBack(inflater) }
                message = frame.rsv1 ? .compressed(try Inflater.take(), inflated: 0) : .plain
            } else if frame.rsv1 {
                throw DeflateProtocolError(description: "RSV1 set on a continuation frame")
            }
            guard case .compressed(let inflater, let inflatedSoFar) = message else {
                if frame.fin { message = .none }
                return frame
            }
            var out = frame
            var input = frame.unmaskedData
            // RFC 7692 §7.2.2: the sender removed the empty block's tail from the message's end.
            if frame.fin { input.writeBytes([0, 0, 0xff, 0xff]) }
            do {
                out.data = try inflater.inflate(&input, limit: maxMessageBytes - inflatedSoFar)
            } catch {
                message = .none
                Inflater.giveBack(inflater)
                throw error
            }
            out.maskKey = nil
            out.rsv1 = false
            if frame.fin {
                message = .none
                Inflater.giveBack(inflater)
            } else {
                message = .compressed(inflater, inflated: inflatedSoFar + out.data.readableBytes)
            }
            return out
        }
    }

    func processFrameToSend(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
        frame
    }

    func shutdown() async {
        message.withLock { message in
            if case .compressed(let inflater, _) = message { Inflater.giveBack(inflater) }
            message = .none
        }
    }
}

/// A zlib inflater for one message at a time. The browser resets its context every message
/// (`client_no_context_takeover`), so any idle inflater serves any socket.
final class Inflater: @unchecked Sendable {
    // @unchecked: a message holds its inflater from the pool's `take` to its `giveBack`, under its
    // socket's lock; no one else touches it meanwhile.
    private let stream: ZlibDecompressor

    private static let pool = Pool<Int, Inflater>(keep: 16)

    private init() throws {
        stream = try ZlibDecompressor(algorithm: .deflate, windowSize: 15)
    }

    static func take() throws -> Inflater {
        try pool.take(0) { try Inflater() }
    }

    /// Returns the inflater, reset, for the next message; one that does not reset is dropped.
    static func giveBack(_ inflater: Inflater) {
        guard (try? inflater.stream.reset()) != nil else { return }
        pool.giveBack(inflater, 0)
    }

    /// Inflates `input` into a new buffer of at most `limit` bytes.
    func inflate(_ input: inout ByteBuffer, limit: Int) throws -> ByteBuffer {
        var output = ByteBufferAllocator().buffer(capacity: min(max(limit, 0) + 1, max(1024, input.readableBytes * 4)))
        while true {
            do {
                try stream.inflate(from: &input, to: &output)
                if input.readableBytes == 0 { break }
            } catch let error as CompressNIOError where error == .bufferOverflow {
                guard output.readableBytes <= limit else { throw NIOWebSocketError.invalidFrameLength }
                output.reserveCapacity(minimumWritableBytes: min(limit + 1 - output.readableBytes, max(1024, output.readableBytes)))
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                // zlib needs more input: the rest of the message is in the next frame.
                break
            } catch {
                throw DeflateProtocolError(description: "the browser's message did not inflate: \(error)")
            }
        }
        guard output.readableBytes <= limit else { throw NIOWebSocketError.invalidFrameLength }
        return output
    }
}

/// A zlib deflater for outbound messages. Without context takeover it serves one message at a
/// time from a pool shared by every socket; with it, one socket owns it.
final class Deflater: @unchecked Sendable {
    // @unchecked: used on one socket's event loop at a time: by the flush that took it from the
    // pool, or by the outbox that owns it, whose flushes all run on its loop.
    private let stream: ZlibCompressor
    private let settings: Settings

    struct Settings: Hashable, Sendable {
        var windowBits: Int
        var compressionLevel: Int
        var memoryLevel: Int

        init(_ agreement: DeflateAgreement) {
            windowBits = agreement.windowBits
            compressionLevel = agreement.compressionLevel
            memoryLevel = agreement.memoryLevel
        }
    }

    private static let pool = Pool<Settings, Deflater>(keep: 16)

    private init(_ settings: Settings) throws {
        self.settings = settings
        stream = try ZlibCompressor(
            algorithm: .deflate,
            configuration: ZlibConfiguration(
                windowSize: Int32(settings.windowBits), compressionLevel: Int32(settings.compressionLevel), memoryLevel: Int32(settings.memoryLevel)))
    }

    /// A deflater of its own, for a socket with context takeover.
    static func make(_ agreement: DeflateAgreement) -> Deflater? {
        try? Deflater(Settings(agreement))
    }

    /// Deflates one message with a shared deflater, which starts and ends it with an empty window.
    static func deflateAlone(_ payload: ByteBuffer, agreement: DeflateAgreement, allocator: ByteBufferAllocator) -> ByteBuffer? {
        let settings = Settings(agreement)
        guard let deflater = try? pool.take(settings, make: { try Deflater(settings) }) else { return nil }
        let compressed = deflater.deflate(payload, allocator: allocator)
        if compressed != nil, (try? deflater.stream.reset()) != nil { pool.giveBack(deflater, settings) }
        return compressed
    }

    /// The message's payload deflated and sync-flushed, without the flush's `00 00 ff ff` tail
    /// (RFC 7692 §7.2.1); nil when zlib fails, and then this deflater must not be used again.
    func deflate(_ payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        var input = payload
        // Room for the worst case, so one sync flush writes everything.
        var output = allocator.buffer(capacity: stream.maxSize(from: input))
        do {
            try stream.deflate(from: &input, to: &output, flush: .sync)
        } catch {
            return nil
        }
        guard input.readableBytes == 0, output.writableBytes > 0, output.readableBytes >= 4,
            output.getBytes(at: output.writerIndex - 4, length: 4) == [0, 0, 0xff, 0xff]
        else { return nil }
        output.moveWriterIndex(to: output.writerIndex - 4)
        return output
    }
}

/// Idle zlib streams shared by every socket, at most `keep` of each kind.
final class Pool<Key: Hashable & Sendable, Element: AnyObject & Sendable>: Sendable {
    private let idle = Mutex<[Key: [Element]]>([:])
    private let keep: Int

    init(keep: Int) {
        self.keep = keep
    }

    func take(_ key: Key, make: () throws -> Element) throws -> Element {
        try idle.withLock { $0[key]?.popLast() } ?? make()
    }

    func giveBack(_ element: Element, _ key: Key) {
        idle.withLock { idle in
            if idle[key, default: []].count < keep { idle[key, default: []].append(element) }
        }
    }
}

/// How one socket's outbox deflates, once its upgrade agreed to it.
final class OutboundDeflate: @unchecked Sendable {
    // @unchecked: `deflate` runs only in the outbox's flushes, all on the socket's event loop.
    let agreement: DeflateAgreement
    /// With context takeover: the socket's own deflater, made at its first compressed message.
    private var own: Deflater?
    /// Set when zlib failed: the stream's state is unknown, so every later message goes out as it is.
    private var failed = false

    init(_ agreement: DeflateAgreement) {
        self.agreement = agreement
    }

    /// The deflated payload, or nil to send it as it is: too small, or zlib failed.
    func deflate(_ payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard !failed, payload.readableBytes >= agreement.minimumMessageBytes else { return nil }
        guard agreement.contextTakeover else {
            // A message that does not shrink (bytes already compressed) goes out as it is: with no
            // shared context, nothing on either side depends on it having gone through zlib.
            return Deflater.deflateAlone(payload, agreement: agreement, allocator: allocator)
                .flatMap { $0.readableBytes < payload.readableBytes ? $0 : nil }
        }
        if own == nil { own = Deflater.make(agreement) }
        guard let compressed = own?.deflate(payload, allocator: allocator) else {
            failed = true
            own = nil
            return nil
        }
        return compressed
    }
}

extension TetherApp {
    /// The server's WebSocket configuration: the circuit's frame limit, keep-alive pings, UTF-8
    /// checks, and permessage-deflate when `webSocket.perMessageDeflate` is set.
    package var webSocketConfiguration: WebSocketServerConfiguration {
        let maxFrameBytes = limits.transportMaxFrameBytes
        let extensions = webSocket.perMessageDeflate.map { options in
            [WebSocketExtensionFactory { PerMessageDeflateNegotiation(options: options, maxMessageBytes: maxFrameBytes) }]
        }
        return WebSocketServerConfiguration(
            maxFrameSize: maxFrameBytes, extensions: extensions ?? [], autoPing: .enabled(timePeriod: limits.keepAliveInterval),
            validateUTF8: true)
    }
}
