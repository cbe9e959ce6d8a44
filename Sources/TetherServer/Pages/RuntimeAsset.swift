import CompressNIO
import Crypto
import Foundation
import Hummingbird
import NIOCore

/// The browser runtime: the ES modules in `Resources/runtime`, read and gzipped once. The folder
/// is the list, so a module added to it is served and preloaded with no change here, and no other
/// name under `/_tether/` reaches a file.
///
/// Each module is served at two URLs:
/// - `/_tether/v/<version>/<name>`, which pages load: `<version>` is a hash of every module, so the
///   URL names one content for good and is cached with `immutable` for a year. The modules'
///   relative imports (`./protocol.js`) resolve inside the same folder, so a page runs one
///   version throughout. Any other version is 404: see ``response(version:module:request:)``.
/// - `/_tether/<name>`, for pages that start the runtime by hand, revalidated on every load
///   (`no-cache`, with an `ETag`).
///
/// Both answer `HEAD`, `If-None-Match` (304), and `Accept-Encoding` (precompressed gzip, with
/// `Vary: Accept-Encoding` and an ETag of its own).
enum RuntimeAsset {
    /// The module a page loads; it imports the others.
    static let entry = "tether.js"
    /// The module a WebAssembly page loads instead of ``entry``.
    static let webAssemblyEntry = "wasm.js"
    /// The module an auto page loads: it imports ``entry`` or ``webAssemblyEntry``, once it has
    /// chosen.
    static let autoEntry = "auto.js"

    /// The URL of a module as pages reference it, from the root of the site: the versioned,
    /// immutable one. One place, so the mount prefix the server may get is added once.
    static func path(for name: String) -> String {
        "/_tether/v/\(version)/\(name)"
    }

    /// One module's bytes, as they are and gzipped, each with its ETag.
    struct Module: Sendable {
        let identity: ByteBuffer
        let identityTag: EntityTag
        /// Nil when gzip would not make it smaller.
        let gzip: ByteBuffer?
        let gzipTag: EntityTag
    }

    /// Each module by file name; empty only when the bundle lacks the folder.
    static let modules: [String: Module] = {
        guard let folder = Bundle.module.url(forResource: "runtime", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [:] }
        var modules: [String: Module] = [:]
        for name in names where name.hasSuffix(".js") {
            guard let source = try? Data(contentsOf: folder.appendingPathComponent(name)) else { continue }
            modules[name] = module(source)
        }
        return modules
    }()

    static func module(_ source: Data) -> Module {
        let identity = ByteBuffer(bytes: source)
        let hash = hexDigest(of: source)
        var input = identity
        let gzip = try? input.compress(
            with: .gzip, configuration: .init(windowSize: .window128k, compressionLevel: .bestCompression, memoryLevel: .memory256K))
        return Module(
            identity: identity, identityTag: EntityTag(hash),
            gzip: gzip.flatMap { $0.readableBytes < identity.readableBytes ? $0 : nil }, gzipTag: EntityTag(hash + "-gzip"))
    }

    /// The first 16 hex digits of the SHA-256 of `data`: 64 bits, plenty to tell versions apart.
    private static func hexDigest(of data: some DataProtocol) -> String {
        SHA256.hash(data: data).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// A hash of every module's name and bytes: the folder of the versioned URLs.
    static let version: String = {
        var bytes: [UInt8] = []
        for name in modules.keys.sorted() {
            bytes += Array(name.utf8) + [0] + Array(modules[name]!.identity.readableBytesView) + [0]
        }
        return hexDigest(of: bytes)
    }()

    /// What the entry imports, directly or through other modules, in a fixed order: the
    /// modulepreload links of each page.
    static let imported: [String] = imports(of: entry)
    /// The same for a WebAssembly page's entry, which needs no circuit.
    static let webAssemblyImported: [String] = imports(of: webAssemblyEntry)
    /// An auto page's: both entries, which auto.js imports when it has chosen (dynamic imports,
    /// which ``imports(of:)`` does not follow), and everything either imports. Fetched in
    /// parallel with auto.js, so whichever runs starts without a round trip per import level.
    static let autoImported: [String] =
        Set(imports(of: autoEntry) + imported + webAssemblyImported + [entry, webAssemblyEntry]).subtracting([autoEntry]).sorted()

    /// The modules `entry` loads through its static imports (`import … from './name.js'`), sorted.
    static func imports(of entry: String) -> [String] {
        var found: Set<String> = []
        var pending = [entry]
        while let name = pending.popLast() {
            guard let module = modules[name] else { continue }
            let source = String(buffer: module.identity)
            for match in source.matches(of: /(?m)^import\b[^'"]*'\.\/([a-z-]+\.js)'/) {
                let imported = String(match.1)
                if imported != entry, found.insert(imported).inserted { pending.append(imported) }
            }
        }
        return found.sorted()
    }

    /// A year, the longest `max-age` RFC 9111 advises.
    static let immutable = "public, max-age=31536000, immutable"

    /// Serves the modules, at both URLs, for GET and HEAD.
    static func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>, under base: String = "") {
        // Read and gzip now, not on the first request.
        _ = version
        for method in [HTTPRequest.Method.get, .head] {
            router.on(RouterPath(base + "/_tether/{module}"), method: method) { request, context in
                try response(module: context.parameters.require("module"), request: request, cacheControl: "no-cache")
            }
            router.on(RouterPath(base + "/_tether/v/{version}/{module}"), method: method) { request, context in
                try response(version: context.parameters.require("version"), module: context.parameters.require("module"), request: request)
            }
        }
    }

    /// A versioned URL: immutable when `version` is this server's, 404 otherwise.
    ///
    /// Another version is most likely a page rendered by the previous deploy, loading its runtime
    /// from this one. Serving today's files there would do harm twice: the browser would keep
    /// them for a year under a URL that names other content (and a rolling deploy's old server
    /// would do the same the other way round), and the page would run a runtime that does not
    /// match the server that rendered it, or mix modules of two versions when some are cached.
    /// A 404 leaves the page as it was prerendered; a reload brings the new version.
    static func response(version asked: String, module name: String, request: Request) throws -> Response {
        guard asked == version else {
            guard modules[entry] != nil else { throw missingRuntime }
            throw HTTPError(.notFound)
        }
        return try response(module: name, request: request, cacheControl: immutable)
    }

    static func response(module name: String, request: Request, cacheControl: String) throws -> Response {
        guard let module = modules[name] else {
            guard modules[entry] != nil else { throw missingRuntime }
            throw HTTPError(.notFound)
        }
        return response(serving: module, contentType: "text/javascript; charset=utf-8", request: request, cacheControl: cacheControl)
    }

    /// A GET or HEAD of `module`: gzipped when the client takes it, 304 when its ETag matches.
    /// Every file Tether serves from memory answers through here (the runtime, the WebAssembly module).
    static func response(serving module: Module, contentType: String, request: Request, cacheControl: String) -> Response {
        let gzip = AcceptEncoding(request.headers[.acceptEncoding]).prefersGzip ? module.gzip : nil
        let tag = gzip == nil ? module.identityTag : module.gzipTag
        let body = gzip ?? module.identity
        // A 304 repeats what a cache keeps or keys on, and the length a 200 would have (RFC 9110 §8.6).
        var headers: HTTPFields = [
            .cacheControl: cacheControl, .eTag: tag.header, .vary: "Accept-Encoding", .contentLength: String(body.readableBytes),
        ]
        if tag.matches(ifNoneMatch: request.headers[.ifNoneMatch]) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        if gzip != nil { headers[.contentEncoding] = "gzip" }
        return Response(status: .ok, headers: headers, body: request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: body))
    }

    private static var missingRuntime: HTTPError {
        HTTPError(.internalServerError, message: "the runtime is missing from the bundle")
    }
}
