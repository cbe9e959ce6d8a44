import CHeapStats
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import TetherInterop
import TetherServer

/// The bench's own routes. Add them before the app's: the app ends with a `**` catch-all.
///
/// They live under `/_floor/`, not `/_bench/`: once the router has a literal `/_bench/...` route,
/// a request for another path under `/_bench/` (the bench page) no longer falls back to the
/// app's `**` route and gets a 404.
enum BenchRoutes {
    static func add(to router: Router<BasicTetherRequestContext>, maxFrameSize: Int) {
        router.middlewares.add(CrossOriginIsolation<BasicTetherRequestContext>())
        // The floor: what one WebSocket message costs each way on this server, with no Tether.
        router.ws("/_floor/echo") { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: maxFrameSize) {
                switch message {
                case .text(let text): try await outbound.write(.text(text))
                case .binary(let buffer): try await outbound.write(.binary(buffer))
                }
            }
        }
        // What the circuit persister wrote so far: the durability figures' store write rate.
        // Not under `/_bench/` (see above).
        router.get("/bench/persistence") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: PersistenceCounters.json(heapInUseBytes: tether_heap_in_use_bytes()))))
        }
        // How many circuits hibernate now, the bytes their snapshots hold, hibernations and revivals.
        router.get("/bench/hibernation") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: HibernationCounters.json(heapInUseBytes: tether_heap_in_use_bytes()))))
        }
        router.get("/_floor/index.html") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: BenchAssets.floorPage)))
        }
    }
}

extension BenchRoutes {
    /// The transport's frame limit as `TetherApp.application()` sets it: the larger of the text
    /// message limit and a binary chunk with its 4-byte header.
    static func maxFrameSize(_ limits: CircuitLimits) -> Int {
        max(limits.maxTextMessageBytes, limits.maxBinaryChunkBytes + 4)
    }
}

/// Makes every page cross-origin isolated, which gives `performance.now()` 5 µs resolution in
/// Chromium (100 µs otherwise): the floor round trip is well under 100 µs.
struct CrossOriginIsolation<Context: RequestContext>: RouterMiddleware {
    static var opener: HTTPField.Name { HTTPField.Name("Cross-Origin-Opener-Policy")! }
    static var embedder: HTTPField.Name { HTTPField.Name("Cross-Origin-Embedder-Policy")! }

    @concurrent func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[Self.opener] = "same-origin"
        response.headers[Self.embedder] = "require-corp"
        return response
    }
}

/// Swift methods the bench calls from JS, under the module name `Bench`.
enum BenchMethods {
    static func register(in exports: inout JSExports) {
        exports.module("Bench") { bench in
            // The JS→Swift round trip with nothing in it.
            bench.expose("Noop") { (i: Int) in i }
            // `size` bytes for JS to read as a stream, made 256 KiB at a time.
            bench.expose("StreamToJS") { (size: Int) in
                SwiftStreamReference(RepeatedChunks(total: size), length: size)
            }
            // Reads a JS stream to its end and answers how many bytes came.
            bench.expose("StreamFromJS") { (stream: JSStreamReference) in
                var total = 0
                for try await chunk in stream.openReadStream(maxAllowedSize: 256 << 20) { total += chunk.count }
                return total
            }
        }
    }
}

/// `total` bytes as chunks of one reused 256 KiB buffer: the stream costs what the transport costs.
struct RepeatedChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let total: Int
    let chunk = [UInt8](repeating: 0x5A, count: 256 * 1024)

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: Int
        let chunk: [UInt8]

        mutating func next() async -> [UInt8]? {
            guard remaining > 0 else { return nil }
            let n = Swift.min(remaining, chunk.count)
            remaining -= n
            return n == chunk.count ? chunk : Array(chunk[..<n])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: total, chunk: chunk) }
}

enum BenchAssets {
    /// Added to every page's `bodyEnd`: the trivial function Swift calls for Swift→JS round trips.
    static let pageScript = #"<script>window.benchNoop = (i) => i + 1;</script>"#

    /// The floor page: the driver opens `/_floor/echo` from here and times it in the page.
    static let floorPage = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Tether bench: floor</title>
        <link rel="icon" href="data:,"></head>
        <body><h1>Floor</h1><p>A raw WebSocket echo at <code>/_floor/echo</code>; bench/run.py drives it.</p>
        <output id="out">idle</output></body></html>
        """
}

