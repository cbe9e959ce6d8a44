import Synchronization
import TetherProtocol

/// A stream of bytes from Swift that JS reads, the analog of Blazor's `DotNetStreamReference`.
///
/// Pass it as an argument to `js.invoke`. JS receives an object with `stream()`, a
/// `ReadableStream` of `Uint8Array` chunks, and `arrayBuffer()`. JS pulls each chunk when it wants
/// it, so a large transfer never sits in memory on either side.
///
/// ```swift
/// try await js.invokeVoid("downloadFile", "report.bin", SwiftStreamReference(chunks))
/// ```
public final class SwiftStreamReference: Encodable, Sendable {
    /// The total size, when known; JS sees it as `length`.
    public let length: Int?
    let source: StreamSource

    /// Streams `chunks` as JS pulls them, one chunk per pull; `length`, when given, is what JS
    /// sees as the stream's size before reading it.
    public init<S: AsyncSequence & Sendable>(_ chunks: S, length: Int? = nil) where S.Element == [UInt8] {
        self.length = length
        self.source = StreamSource(chunks)
    }

    /// Streams bytes already in memory, in chunks of `chunkBytes`.
    public convenience init(bytes: [UInt8], chunkBytes: Int = 256 * 1024) {
        // A chunk size below 1 would make a reversed range and trap; one byte is the least.
        let size = max(1, chunkBytes)
        let chunks = stride(from: 0, to: bytes.count, by: size).map {
            Array(bytes[$0..<($0 + min(size, bytes.count - $0))])
        }
        self.init(chunks.async, length: bytes.count)
    }

    public func encode(to encoder: any Encoder) throws {
        guard let registry = encoder.userInfo[SwiftObjectRegistry.userInfoKey] as? SwiftObjectRegistry else {
            throw EncodingError.invalidValue(
                self, .init(codingPath: encoder.codingPath, debugDescription: "a SwiftStreamReference can only be sent through a circuit's interop runtime"))
        }
        let id = try registry.track(SwiftObjectReference(source))
        var container = encoder.container(keyedBy: HandleKey.self)
        try container.encode(id, forKey: HandleKey(.swiftStream))
        try container.encodeIfPresent(length, forKey: .length)
    }
}

/// The Swift object behind a stream: JS calls its `Read` for the next chunk, or `null` at the end.
final class StreamSource: JSInvokableObject {
    private let nextChunk: @Sendable () async throws -> [UInt8]?

    init<S: AsyncSequence & Sendable>(_ chunks: S) where S.Element == [UInt8] {
        let pump = Pump(chunks)
        nextChunk = { try await pump.next() }
    }

    static func exposeMethods(_ methods: inout ObjectMethodTable<StreamSource>) {
        methods.expose("Read") { source in try await source.nextChunk() }
    }

    /// Serializes reads: the iterator is advanced by one caller at a time.
    private actor Pump<S: AsyncSequence & Sendable> where S.Element == [UInt8] {
        private var iterator: S.AsyncIterator?

        init(_ chunks: S) { iterator = chunks.makeAsyncIterator() }

        func next() async throws -> [UInt8]? {
            // Taken out while it runs, so no other read can touch it across the suspension.
            guard var current = iterator.take() else { throw StreamBusyError() }
            defer { iterator = current }
            return try await current.next(isolation: self)
        }
    }

    struct StreamBusyError: Error, CustomStringConvertible {
        var description: String { "a stream chunk is already being read" }
    }
}

extension Array where Element: Sendable {
    /// An async sequence over the array's elements.
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
