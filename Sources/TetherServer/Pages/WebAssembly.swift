import Foundation
import Hummingbird
import NIOCore
import Synchronization
import TetherUI

/// Where a page's components run once the browser has it.
public enum RenderMode: Sendable, Equatable {
    /// On the server, in a circuit: the browser sends events over a WebSocket and applies the
    /// edits the server sends back.
    case server
    /// In the browser, compiled to WebAssembly with Embedded Swift: events are handled and edits
    /// applied in the page, and no WebSocket opens.
    case webAssembly
}

/// A page served in WebAssembly mode at a URL of its own. The page class is the one the app's
/// module compiles for the browser; the server renders it too, for the page's first HTML.
public struct WebAssemblyPage: Sendable {
    /// The page class, in the app's module and on the server.
    public let page: any Page.Type
    /// Its route in WebAssembly mode, such as `/wasm/counter`; a route template like a page's own
    /// `route`, and not that route, so one page can be served in both modes.
    public let route: String

    /// False for a page only the module has: the server sends an empty render root, and the
    /// page's first HTML comes from the module.
    public let isPrerendered: Bool

    /// `page` in WebAssembly mode at `route`, prerendered by the server without its layout, as
    /// the module shows it.
    public init(_ page: any Page.Type, at route: String) {
        self.page = page
        self.route = route
        isPrerendered = true
    }

    /// A page only the module has, such as one that calls JS synchronously (`invokeSync`), which
    /// the server cannot: the browser gets an empty render root, which the module fills.
    public init(at route: String) {
        page = ModuleOnlyPage.self
        self.route = route
        isPrerendered = false
    }
}

/// What the server renders for a page only the WebAssembly module has: nothing.
final class ModuleOnlyPage: Page {
    static let route = ""
    var body: Content { [] }
}

/// The app's WebAssembly module (`scripts/build-wasm` builds it) and the pages it renders in the
/// browser. The server prerenders each page's first HTML with the same page class, and serves the
/// module at `/_tether/wasm/<name>.wasm`.
///
/// ```swift
/// app.webAssembly = WebAssemblyModule(name: "TetherDemo", pages: [
///     WebAssemblyPage(Counter.self, at: "/wasm/counter"),
/// ])
/// ```
public struct WebAssemblyModule: Sendable {
    /// The module's name: its file is `<name>.wasm` in ``directory``.
    public let name: String
    /// The folder that holds the module. A relative path is read from the working directory.
    public var directory: String
    /// The pages the module renders, tried before the app's server pages.
    public let pages: [WebAssemblyPage]
    let router: PageRouter

    /// The environment variable that names the module's folder when `init` is given none.
    public static let directoryVariable = "TETHER_WASM_DIR"
    /// The module's folder when neither `init` nor ``directoryVariable`` names one: where
    /// `scripts/build-wasm` writes it.
    public static let defaultDirectory = ".build/wasm"

    /// The module `name` (letters, digits, `-` and `_`, as it appears in a URL and a file name)
    /// with `pages`, read from `directory`, or else from `$TETHER_WASM_DIR`, or else from
    /// `.build/wasm`.
    public init(name: String, directory: String? = nil, pages: [WebAssemblyPage]) {
        precondition(
            !name.isEmpty && name.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "-" || $0 == "_" },
            "a WebAssembly module's name is letters, digits, '-' and '_' only: '\(name)'")
        self.name = name
        self.directory = directory ?? ProcessInfo.processInfo.environment[Self.directoryVariable] ?? Self.defaultDirectory
        self.pages = pages
        router = PageRouter(routes: pages.map { ($0.route, $0.page) })
    }

    /// The module's file name, and the last segment of its URL.
    var fileName: String { "\(name).wasm" }

    /// Where the module's file is.
    var filePath: String { URL(fileURLWithPath: directory).appendingPathComponent(fileName).path }

    /// The URL a page loads the module from, under the mount path `base`.
    func url(base: String) -> String { "\(base)/_tether/wasm/\(fileName)" }
}

/// The module file, served from memory and gzipped once per version of the file: it is read
/// again when its size or modification date changes, so a rebuild while the server runs is seen
/// at the next request, with a new ETag.
final class WebAssemblyModuleFile: Sendable {
    let module: WebAssemblyModule
    private let cached = Mutex<(stamp: Stamp, asset: RuntimeAsset.Module)?>(nil)

    struct Stamp: Equatable {
        let size: Int
        let modified: Date
    }

    init(_ module: WebAssemblyModule) {
        self.module = module
    }

    /// A year would be wrong: the URL does not change when the module does.
    static let cacheControl = "no-cache"
    static let contentType = "application/wasm"

    /// The module as it is on disk now; nil when there is no file to read.
    func current() -> RuntimeAsset.Module? {
        let path = module.filePath
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.type] as? FileAttributeType) == .typeRegular,
            let size = (attributes[.size] as? NSNumber)?.intValue, let modified = attributes[.modificationDate] as? Date
        else { return nil }
        let stamp = Stamp(size: size, modified: modified)
        if let hit = cached.withLock({ $0?.stamp == stamp ? $0?.asset : nil }) { return hit }
        // Read and compressed outside the lock: a request for the old version need not wait.
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let asset = RuntimeAsset.module(data)
        cached.withLock { $0 = (stamp, asset) }
        return asset
    }

    /// GET or HEAD of `/_tether/wasm/<file>`.
    func response(file: String, request: Request) -> Response {
        guard file == module.fileName else {
            return Self.notFound("There is no WebAssembly module '\(file)' here: this app's module is '\(module.fileName)'.")
        }
        guard let asset = current() else {
            return Self.notFound(
                "The WebAssembly module '\(module.fileName)' is not built: no file at \(module.filePath). "
                    + "Build it with scripts/build-wasm, or set \(WebAssemblyModule.directoryVariable) to its folder.")
        }
        return RuntimeAsset.response(serving: asset, contentType: Self.contentType, request: request, cacheControl: Self.cacheControl)
    }

    /// A 404 that says what is missing, as plain text: not the app's HTML not-found page, which
    /// a `fetch` of a module cannot show, and which would hide the reason.
    static func notFound(_ message: String) -> Response {
        Response(
            status: .notFound, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: message)))
    }
}

/// The attributes of a WebAssembly page, as wasm.js reads and writes them: the same table as
/// `WasmAttribute` in protocol.js (ProtocolVocabularyTests compares the two).
package enum WasmAttribute: String, CaseIterable, Sendable {
    /// On the bootstrap script tag: the module's URL.
    case module = "data-tether-wasm"
    /// On the render root of a page whose module trapped or exited.
    case broken = "data-tether-broken"
}
