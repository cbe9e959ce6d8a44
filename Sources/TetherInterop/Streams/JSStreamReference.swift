import Synchronization
import TetherProtocol

/// A stream of bytes held in the browser — a `Blob`, a `File`, an `ArrayBuffer`, a typed array or
/// a `ReadableStream` — read by Swift chunk by chunk, the analog of Blazor's `IJSStreamReference`.
///
/// Receive one as a parameter of an exposed method (JS passes
/// `Tether.createJSStreamReference(blob)`), or ask `invoke` for this type. Swift pulls one chunk
/// at a time, so the browser never sends faster than Swift reads and the server holds at most one
/// chunk per stream.
///
/// ```swift
/// for try await chunk in file.openReadStream(maxAllowedSize: 100 << 20) { hasher.update(chunk) }
/// ```
public final class JSStreamReference: Sendable, Decodable {
    /// The size in bytes, when the browser knows it up front.
    public let length: Int?
    let objectID: Int
    let runtime: JSRuntime

    init(objectID: Int, length: Int?, runtime: JSRuntime) {
        self.objectID = objectID
        self.length = length
        self.runtime = runtime
    }

    /// Read from `{"__tetherJSStream": id, "length": n}` wherever it sits in a value: a whole
    /// argument or result, a field, an array element.
    public init(from decoder: any Decoder) throws {
        let channel = try InteropChannel.from(decoder.userInfo, codingPath: decoder.codingPath, for: "a JSStreamReference")
        let container = try decoder.container(keyedBy: HandleKey.self)
        objectID = try container.decode(Int.self, forKey: HandleKey(.jsStream))
        // The length is the browser's word: absent or null when unknown, otherwise it must be a
        // byte count, so no reader sizes a buffer from a negative or fractional one.
        if try container.decodeNil(forKey: .length) {
            length = nil
        } else {
            let declared = try container.decode(Int.self, forKey: .length)
            guard declared >= 0 else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "a JS stream's length must be a byte count, got \(declared)"))
            }
            length = declared
        }
        runtime = JSRuntime(channel: channel)
    }

    /// Reads the stream as chunks. Fails with `JSStreamTooLargeError` once more than
    /// `maxAllowedSize` bytes arrive, and with `JSTimeoutError` when one chunk takes longer than
    /// `chunkTimeout`. The browser's object is released when the stream ends or fails, or when the
    /// reader lets go of it early (a `break`, a thrown error, a cancelled task). Like every
    /// `AsyncThrowingStream`, it ends without an error when the reading task is cancelled: call
    /// `Task.checkCancellation()` after the loop before treating what arrived as the whole stream.
    /// (`UploadChunks` does this for uploads.)
    public func openReadStream(
        maxAllowedSize: Int = 512 * 1024, chunkBytes: Int = 256 * 1024, chunkTimeout: CallTimeout = .appDefault
    ) -> AsyncThrowingStream<[UInt8], any Error> {
        let runtime = runtime
        let objectID = objectID
        let received = Mutex(0)
        let finished = Mutex(false)
        if let length, length > maxAllowedSize {
            runtime.channel.send(.disposeJSObject(id: objectID))
            return AsyncThrowingStream { $0.finish(throwing: JSStreamTooLargeError(maxAllowedSize: maxAllowedSize, length: length)) }
        }
        let release: @Sendable () -> Void = {
            let first = finished.withLock { done in
                defer { done = true }
                return !done
            }
            if first { runtime.channel.send(.disposeJSObject(id: objectID)) }
        }
        let releaseWhenDropped = ReleaseWhenDropped(release)
        return AsyncThrowingStream {
            // Held by the stream's closure: a reader that stops early drops it, and the browser's
            // object goes with it instead of staying in `Tether.jsObjects` until the page leaves.
            withExtendedLifetime(releaseWhenDropped) {}
            do {
                let reply = try await runtime.performRaw(
                    .call, "read", arguments: [chunkBytes], on: objectID, mode: .json, timeout: chunkTimeout)
                if reply.isNull {
                    release()
                    return nil
                }
                let chunk = try runtime.channel.decode([UInt8].self, from: reply)
                let total = received.withLock { total in
                    total += chunk.count
                    return total
                }
                if total > maxAllowedSize { throw JSStreamTooLargeError(maxAllowedSize: maxAllowedSize, length: total) }
                return chunk
            } catch {
                release()
                throw error
            }
        }
    }
}

/// Runs a release when the last holder lets go of it.
private final class ReleaseWhenDropped: Sendable {
    private let release: @Sendable () -> Void
    init(_ release: @escaping @Sendable () -> Void) { self.release = release }
    deinit { release() }
}

/// A JS stream delivered more bytes than the receiver allowed.
public struct JSStreamTooLargeError: JSError, Equatable {
    /// The limit the reader passed to `openReadStream(maxAllowedSize:chunkBytes:chunkTimeout:)`.
    public let maxAllowedSize: Int
    /// The stream's declared length, or the bytes received when the limit was passed.
    public let length: Int

    public var description: String {
        "The stream is larger than the \(maxAllowedSize) bytes allowed (at least \(length) bytes)."
    }
}
