import CompressNIO
import DemoApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import TetherServer

/// The server's side of the WebAssembly render mode: a wasm page's GET is prerendered with the
/// wasm bootstrap and no circuit, and the module is served as `application/wasm` with an ETag,
/// 304 and gzip, or a 404 that says what is missing. The module here is a stand-in file: what
/// the server does with it does not depend on what is inside.
@Suite("WebAssembly pages and the module")
struct WebAssemblyServingTests {
    /// A folder holding a stand-in `TetherDemo.wasm`: the wasm magic number and version, then
    /// repetitive bytes, so gzip makes it smaller as it does a real module.
    static func moduleFolder(_ bytes: [UInt8] = standInModule) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tether-wasm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: folder.appendingPathComponent("TetherDemo.wasm"))
        return folder
    }

    static let standInModule: [UInt8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00] + (0..<20_000).map { UInt8($0 % 7) }

    static func serving(_ folder: URL) -> (inout TetherApp) -> Void {
        { app in app.webAssembly?.directory = folder.path }
    }

    @Test("a wasm page is prerendered by the server, loads wasm.js with the module's URL, and has no descriptor or circuit")
    func wasmPageBootstrap() async throws {
        try await withDemoServer { server in
            let page = try await server.get("/wasm/counter")
            #expect(page.status == .ok)
            #expect(page.contentType == "text/html; charset=utf-8")
            let html = page.body
            // The same page class the server renders at /counter, so the same first HTML.
            #expect(html.contains(#"<span id="count">0</span>"#), "prerendered content")
            #expect(html.contains(#"<title>Counter (0)</title>"#), "the page's own title")
            let wasmJS = RuntimeAsset.path(for: "wasm.js")
            #expect(html.contains(#"<script type="module" src="\#(wasmJS)" data-tether-wasm="/_tether/wasm/TetherDemo.wasm"></script>"#), "\(html)")
            #expect(!html.contains("data-tether-descriptor"), "no circuit descriptor")
            #expect(!html.contains("data-tether-circuit"), "no circuit id")
            #expect(!html.contains(RuntimeAsset.path(for: "tether.js")), "not the circuit runtime")
            let preloads = html.matches(of: /<link rel="modulepreload" href="([^"]+)">/).map { String($0.1) }
            #expect(Set(preloads) == Set(RuntimeAsset.webAssemblyImported.map(RuntimeAsset.path(for:))))
            #expect(preloads.contains(RuntimeAsset.path(for: "dom-edits.js")))
            for circuitOnly in ["circuit.js", "reconnect.js", "wasm.js"] {
                #expect(!preloads.contains(RuntimeAsset.path(for: circuitOnly)), "\(circuitOnly)")
            }
            #expect(html.contains(#"<div id="tether-root">"#))

            // The server-mode page of the same class is untouched.
            let serverPage = try await server.fetchPage("/counter")
            #expect(serverPage.html.contains(RuntimeAsset.path(for: "tether.js")))
            #expect(!serverPage.html.contains("data-tether-wasm"))
            #expect(!serverPage.html.contains(#"<link rel="modulepreload" href="\#(wasmJS)">"#), "server pages do not preload wasm.js")

            let todos = try await server.get("/wasm/todos")
            #expect(todos.status == .ok)
            #expect(todos.body.contains("Write the diff") && todos.body.contains("data-tether-wasm="))
        }
    }

    @Test("the render mode of each URL: wasm pages first, then the server's, nil for none")
    func renderModes() {
        let app = DemoApp.make()
        #expect(app.renderMode(at: "/wasm/counter") == .webAssembly)
        #expect(app.renderMode(at: "/wasm/todos?x=1") == .webAssembly)
        #expect(app.renderMode(at: "/counter") == .server)
        #expect(app.renderMode(at: "/wasm/nothing") == nil)
        var serverOnly = app
        serverOnly.webAssembly = nil
        #expect(serverOnly.renderMode(at: "/wasm/counter") == nil)
    }

    @Test("under a mount path the module's URL and the root's base follow it")
    func mountedBootstrap() {
        var app = DemoApp.make()
        app.webAssembly = WebAssemblyModule(name: "TetherDemo", directory: "/nowhere", pages: [WebAssemblyPage(Counter.self, at: "/wasm/counter")])
        let html = app.document.render(content: "x", bootstrap: .webAssembly(moduleURL: app.webAssembly!.url(base: "/app")), base: "/app")
        #expect(html.contains(#"data-tether-wasm="/app/_tether/wasm/TetherDemo.wasm""#))
        #expect(html.contains(#"src="/app\#(RuntimeAsset.path(for: "wasm.js"))""#))
        #expect(html.contains(#"<div id="tether-root" data-tether-base="/app">"#))
    }

    @Test("the module is application/wasm with an ETag; If-None-Match gets 304; gzip when asked, with its own ETag")
    func moduleServing() async throws {
        let folder = try Self.moduleFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withDemoServer(configure: Self.serving(folder)) { server in
            let path = "/_tether/wasm/TetherDemo.wasm"
            let plain = try await server.fetch(path)
            #expect(plain.status == .ok)
            #expect(plain.headers[.contentType] == "application/wasm")
            #expect(plain.headers[.cacheControl] == "no-cache")
            #expect(plain.headers[.vary] == "Accept-Encoding")
            #expect(plain.headers[.contentEncoding] == nil)
            #expect(plain.body.map { Array($0.readableBytesView) } == Self.standInModule)
            let tag = try #require(plain.headers[.eTag])
            #expect(tag.hasPrefix("\""))

            let again = try await server.fetch(path, headers: [.ifNoneMatch: tag])
            #expect(again.status == .notModified)
            #expect(again.body?.readableBytes ?? 0 == 0)

            let gzipped = try await server.fetch(path, headers: [.acceptEncoding: "gzip"])
            var gzip = try #require(gzipped.body)
            #expect(gzipped.headers[.contentEncoding] == "gzip")
            #expect(gzipped.headers[.contentType] == "application/wasm")
            let gzipTag = try #require(gzipped.headers[.eTag])
            #expect(gzipTag != tag)
            #expect(gzip.readableBytes < Self.standInModule.count / 4, "\(gzip.readableBytes) bytes gzipped")
            let inflated = try gzip.decompress(with: .gzip)
            #expect(Array(inflated.readableBytesView) == Self.standInModule)
            #expect(try await server.fetch(path, headers: [.acceptEncoding: "gzip", .ifNoneMatch: gzipTag]).status == .notModified)

            let head = try await server.raw("HEAD", path)
            #expect(head.head.first == "HTTP/1.1 200 OK")
            #expect(head.body.isEmpty)
        }
    }

    @Test("a module rebuilt while the server runs is served at once, with a new ETag")
    func rebuiltModule() async throws {
        let folder = try Self.moduleFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withDemoServer(configure: Self.serving(folder)) { server in
            let path = "/_tether/wasm/TetherDemo.wasm"
            let before = try #require(try await server.fetch(path).headers[.eTag])
            let rebuilt = Self.standInModule + [42]
            try Data(rebuilt).write(to: folder.appendingPathComponent("TetherDemo.wasm"))
            let after = try await server.fetch(path, headers: [.ifNoneMatch: before])
            #expect(after.status == .ok)
            #expect(after.headers[.eTag] != before)
            #expect(after.body.map { Array($0.readableBytesView) } == rebuilt)
        }
    }

    @Test("a module that is not built is a 404 that names the file and how to build it; so is another name")
    func missingModule() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("tether-wasm-missing-\(UUID().uuidString)")
        try await withDemoServer(configure: Self.serving(empty)) { server in
            let missing = try await server.get("/_tether/wasm/TetherDemo.wasm")
            #expect(missing.status == .notFound)
            #expect(missing.contentType == "text/plain; charset=utf-8")
            #expect(missing.body.contains("The WebAssembly module 'TetherDemo.wasm' is not built: no file at \(empty.path)/TetherDemo.wasm."), "\(missing.body)")
            #expect(missing.body.contains("scripts/build-wasm") && missing.body.contains("TETHER_WASM_DIR"))

            let other = try await server.get("/_tether/wasm/Other.wasm")
            #expect(other.status == .notFound)
            #expect(other.body == "There is no WebAssembly module 'Other.wasm' here: this app's module is 'TetherDemo.wasm'.")
            let traversal = try await server.get("/_tether/wasm/..%2F..%2Fetc%2Fpasswd")
            #expect(traversal.status == .notFound)

            // The page itself still renders: it works as prerendered HTML, and the browser says why it cannot start.
            #expect(try await server.get("/wasm/counter").status == .ok)
        }
        try await withDemoServer(configure: { $0.webAssembly = nil }) { server in
            let none = try await server.get("/_tether/wasm/TetherDemo.wasm")
            #expect(none.status == .notFound)
            #expect(none.body == "This app has no WebAssembly module: no TetherApp.webAssembly is set.")
            #expect(try await server.get("/wasm/counter").status == .notFound, "no wasm pages without a module")
        }
    }

    @Test("the module's folder comes from init, else TETHER_WASM_DIR, else .build/wasm")
    func moduleDirectory() {
        let module = WebAssemblyModule(name: "App", directory: "/srv/wasm", pages: [])
        #expect(module.filePath == "/srv/wasm/App.wasm")
        #expect(module.url(base: "") == "/_tether/wasm/App.wasm")
        let defaulted = WebAssemblyModule(name: "App", pages: [])
        let expected = ProcessInfo.processInfo.environment[WebAssemblyModule.directoryVariable] ?? ".build/wasm"
        #expect(defaulted.directory == expected)
    }
}
