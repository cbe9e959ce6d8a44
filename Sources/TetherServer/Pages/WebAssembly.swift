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
    /// Blazor's InteractiveAuto: on the server until the browser holds the module, then in the
    /// browser. A visit whose browser has not stored the module's current version runs in a
    /// circuit, and downloads the module meanwhile into the Cache API; the next visit runs it.
    case auto
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

    /// `.webAssembly`, or `.auto` for a page made with ``auto(_:at:)``.
    public let mode: RenderMode

    /// `page` in WebAssembly mode at `route`, prerendered by the server without its layout, as
    /// the module shows it.
    public init(_ page: any Page.Type, at route: String) {
        self.init(page, at: route, mode: .webAssembly)
    }

    /// A page only the module has, such as one that calls JS synchronously (`invokeSync`), which
    /// the server cannot: the browser gets an empty render root, which the module fills.
    public init(at route: String) {
        page = ModuleOnlyPage.self
        self.route = route
        isPrerendered = false
        mode = .webAssembly
    }

    /// `page` in auto mode at `route`: prerendered like a WebAssembly page, without its layout;
    /// then run in a circuit, which shows it without its layout too, until the browser has stored
    /// the module, and in the browser from then on. The module must register the page at the
    /// same route, as for a WebAssembly page.
    ///
    /// ```swift
    /// WebAssemblyModule(name: "TetherDemo", pages: [
    ///     .auto(Counter.self, at: "/auto/counter"),
    /// ])
    /// ```
    public static func auto(_ page: any Page.Type, at route: String) -> WebAssemblyPage {
        WebAssemblyPage(page, at: route, mode: .auto)
    }

    private init(_ page: any Page.Type, at route: String, mode: RenderMode) {
        self.page = page
        self.route = route
        isPrerendered = true
        self.mode = mode
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
///     .auto(Counter.self, at: "/auto/counter"),
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
    /// The mode of each page, by the route it was given; a route given twice keeps the first.
    private let modes: [String: RenderMode]
    /// The module file as last read, shared by every copy of this value.
    let file = WebAssemblyModuleFile()

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
        modes = Dictionary(pages.map { ($0.route, $0.mode) }, uniquingKeysWith: { first, _ in first })
    }

    /// The module's page at `url` (a path with an optional query, inside the mount) and its mode.
    func match(url: String) -> (mode: RenderMode, page: any Page.Type, route: RouteValues)? {
        guard let (page, route) = router.match(url: url) else { return nil }
        // The router tries its entries in this order too, so the first whose template matches is
        // the one it chose; the router says which page, not which entry.
        let path = URLComponents(string: url)?.percentEncodedPath ?? url
        let entry = router.entries.first { $0.template.match(path) != nil }
        return (entry.flatMap { modes[$0.template.description] } ?? .webAssembly, page, route)
    }

    /// The module's file name, and the last segment of its URL.
    var fileName: String { "\(name).wasm" }

    /// Where the module's file is.
    var filePath: String { URL(fileURLWithPath: directory).appendingPathComponent(fileName).path }

    /// The URL a page loads the module from, under the mount path `base`.
    func url(base: String) -> String { "\(base)/_tether/wasm/\(fileName)" }

    /// The module as it is on disk now; nil when there is no file to read.
    func current() -> RuntimeAsset.Module? { file.current(at: filePath) }

    /// GET or HEAD of `/_tether/wasm/<file>`, optionally `?v=<version>` (`WasmQuery.version`):
    /// an auto page downloads the version it was rendered with, or nothing, never a newer build
    /// under an older version's name.
    func response(file name: String, request: Request) -> Response {
        guard name == fileName else {
            return WebAssemblyModuleFile.notFound("There is no WebAssembly module '\(name)' here: this app's module is '\(fileName)'.")
        }
        guard let asset = current() else {
            return WebAssemblyModuleFile.notFound(
                "The WebAssembly module '\(fileName)' is not built: no file at \(filePath). "
                    + "Build it with scripts/build-wasm, or set \(Self.directoryVariable) to its folder.")
        }
        if let asked = request.uri.queryParameters[Substring(WasmQuery.version.rawValue)].map(String.init), asked != asset.moduleVersion {
            return WebAssemblyModuleFile.notFound(
                "The WebAssembly module '\(fileName)' is not at the version asked for: it was rebuilt since the page was rendered. Reload the page.")
        }
        return RuntimeAsset.response(
            serving: asset, contentType: WebAssemblyModuleFile.contentType, request: request, cacheControl: WebAssemblyModuleFile.cacheControl)
    }
}

extension RuntimeAsset.Module {
    /// The version of a module file, as an auto page names it: its ETag without the quotes, a
    /// hash of its bytes, so a rebuild that changes nothing keeps the version.
    var moduleVersion: String { String(identityTag.opaque.dropFirst().dropLast()) }
}

/// The module file, served from memory and gzipped once per version of the file: it is read
/// again when its path, size or modification date changes, so a rebuild while the server runs is
/// seen at the next request, with a new ETag.
final class WebAssemblyModuleFile: Sendable {
    private let cached = Mutex<(stamp: Stamp, asset: RuntimeAsset.Module)?>(nil)

    struct Stamp: Equatable {
        let path: String
        let size: Int
        let modified: Date
    }

    /// A year would be wrong: the URL does not change when the module does.
    static let cacheControl = "no-cache"
    static let contentType = "application/wasm"

    /// The module file at `path` as it is on disk now; nil when there is no file to read.
    func current(at path: String) -> RuntimeAsset.Module? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.type] as? FileAttributeType) == .typeRegular,
            let size = (attributes[.size] as? NSNumber)?.intValue, let modified = attributes[.modificationDate] as? Date
        else { return nil }
        let stamp = Stamp(path: path, size: size, modified: modified)
        if let hit = cached.withLock({ $0?.stamp == stamp ? $0?.asset : nil }) { return hit }
        // Read and compressed outside the lock: a request for the old version need not wait.
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let asset = RuntimeAsset.module(data)
        cached.withLock { $0 = (stamp, asset) }
        return asset
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
    /// On an auto page's bootstrap script tag: the module's current version (its ETag without the
    /// quotes); absent when the module is not built, and the page then stays in server mode.
    case moduleVersion = "data-tether-wasm-version"
    /// On the render root of a page whose module trapped or exited.
    case broken = "data-tether-broken"
}

/// The query parameters of the module's URL, as auto.js writes them: the same table as
/// `WasmQuery` in protocol.js (ProtocolVocabularyTests compares the two).
package enum WasmQuery: String, CaseIterable, Sendable {
    /// The module version asked for (`RuntimeAsset.Module.moduleVersion`): another one is a 404.
    case version = "v"
}
