import DemoApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TetherInterop
import TetherUI

@testable import TetherServer

/// The server's side of auto mode: an auto page's GET is prerendered as a WebAssembly page's
/// (same class, no layout) and carries a circuit descriptor and the module's URL and version; a
/// circuit started from it shows the page without its layout, so its first render is the
/// prerender; the module answers a version query with that version or 404. The browser's side is
/// Tests/js/auto.test.mjs and Tests/e2e/test_wasm_auto.py.
@Suite("Auto render mode: server first, WebAssembly once the module is stored")
struct AutoRenderModeTests {
    static let modulePath = "/_tether/wasm/TetherDemo.wasm"

    /// The `#tether-root` of a page and its bootstrap script tag's attributes.
    static func bootstrap(of html: String) throws -> (root: HTMLNode, script: HTMLNode) {
        let dom = try MirrorDOM(document: html)
        let scripts = try HTMLParser.parse(html).flatMap(\.allNodes)
            .filter { $0.tag == "script" && $0.attribute("src")?.contains("/_tether/") == true }
        let script = try #require(scripts.count == 1 ? scripts.first : nil, "one runtime script tag, not \(scripts.count)")
        return (dom.root, script)
    }

    @Test("an auto page is prerendered without its layout and carries a signed descriptor, the module's URL and its current version")
    func autoPageDocument() async throws {
        let folder = try WebAssemblyServingTests.moduleFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withDemoServer(configure: WebAssemblyServingTests.serving(folder)) { server in
            let page = try await server.fetchPage("/auto/counter")
            let (root, script) = try Self.bootstrap(of: page.html)
            #expect(!page.descriptor.isEmpty)
            #expect(root.attribute("data-tether-circuit")?.isEmpty == false, "the circuit id a proxy routes by")
            #expect(script.attribute("src") == RuntimeAsset.path(for: "auto.js"))
            #expect(script.attribute(WasmAttribute.module.rawValue) == Self.modulePath)
            let etag = try #require(try await server.fetch(Self.modulePath).headers[.eTag])
            #expect(script.attribute(WasmAttribute.moduleVersion.rawValue).map { "\"\($0)\"" } == etag, "the version is the module's ETag")

            // The same HTML as the WebAssembly page of the same class: no layout, the same count.
            #expect(page.dom.element(id: "count")?.textContent == "0")
            #expect(!page.html.contains("demo-nav"), "no layout")
            let wasmPage = try await server.get("/wasm/counter")
            let wasmRoot = try MirrorDOM(document: wasmPage.body).root
            #expect(root.children == wasmRoot.children, "the auto page's prerender is the WebAssembly page's")
            #expect(page.html.contains("<title>Counter (0)</title>"))

            // Both runtimes are preloaded: auto.js imports whichever it chooses.
            let preloads = page.html.matches(of: /<link rel="modulepreload" href="([^"]+)">/).map { String($0.1) }
            #expect(Set(preloads) == Set(RuntimeAsset.autoImported.map(RuntimeAsset.path(for:))))
            for module in ["tether.js", "wasm.js", "circuit.js", "dom-edits.js", "protocol.js"] {
                #expect(preloads.contains(RuntimeAsset.path(for: module)), "\(module)")
            }
            #expect(!preloads.contains(RuntimeAsset.path(for: "auto.js")), "the entry is the script tag itself")
        }
    }

    @Test("under a mount path an auto page's runtime, module URL and root follow it")
    func mountedAutoBootstrap() throws {
        let app = DemoApp.make()
        let module = WebAssemblyModule(name: "TetherDemo", directory: "/nowhere", pages: [.auto(Counter.self, at: "/auto/counter")])
        let html = app.document.render(
            content: "x", bootstrap: .auto(descriptor: "signed", circuit: "c1", moduleURL: module.url(base: "/app"), moduleVersion: "0a1b\"<"),
            base: "/app")
        let (root, script) = try Self.bootstrap(of: html)
        #expect(script.attribute("src") == "/app" + RuntimeAsset.path(for: "auto.js"))
        #expect(script.attribute(WasmAttribute.module.rawValue) == "/app/_tether/wasm/TetherDemo.wasm")
        #expect(script.attribute(WasmAttribute.moduleVersion.rawValue) == "0a1b\"<", "escaped in the attribute, read back whole")
        #expect(root.attribute("data-tether-base") == "/app")
        #expect(root.attribute("data-tether-descriptor") == "signed")
        #expect(root.attribute("data-tether-circuit") == "c1")
    }

    @Test("a rebuilt module changes the version the next auto page names")
    func versionFollowsTheFile() async throws {
        let folder = try WebAssemblyServingTests.moduleFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withDemoServer(configure: WebAssemblyServingTests.serving(folder)) { server in
            let before = try Self.bootstrap(of: try await server.get("/auto/counter").body).script.attribute(WasmAttribute.moduleVersion.rawValue)
            try Data(WebAssemblyServingTests.standInModule + [1, 2, 3]).write(to: folder.appendingPathComponent("TetherDemo.wasm"))
            let after = try Self.bootstrap(of: try await server.get("/auto/counter").body).script.attribute(WasmAttribute.moduleVersion.rawValue)
            #expect(before != nil && after != nil)
            #expect(before != after)
        }
    }

    @Test("with no module built, an auto page names no version, so the browser stays in server mode; its circuit still runs")
    func unbuiltModule() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("tether-wasm-missing-\(UUID().uuidString)")
        try await withDemoServer(configure: WebAssemblyServingTests.serving(empty)) { server in
            let (client, page) = try await server.startCircuit("/auto/counter")
            let (_, script) = try Self.bootstrap(of: page.html)
            #expect(script.attribute(WasmAttribute.module.rawValue) == Self.modulePath)
            #expect(script.attribute(WasmAttribute.moduleVersion.rawValue) == nil)
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
        }
    }

    @Test("a circuit for an auto page renders it without its layout, as prerendered, and counts clicks")
    func autoCircuit() async throws {
        try await withDemoServer { server in
            // startCircuit requires a first batch with no edits: the live render is the prerender.
            let (client, _) = try await server.startCircuit("/auto/counter")
            for expected in ["1", "2"] {
                try await client.click(id: "increment")
                try await client.renders(until: "the count is \(expected)") { $0.element(id: "count")?.textContent == expected }
            }
            #expect(client.dom?.root.first { $0.attribute("class") == "demo-nav" } == nil, "no layout in the circuit either")
            #expect(client.dom?.element(id: "page") == nil, "no layout's <main id=page>")
        }
    }

    @Test("an auto page's circuit leaves by a full load, and a server page's circuit reaches an auto page by one")
    func navigationAcrossModes() async throws {
        try await withDemoServer { server in
            let (auto, _) = try await server.startCircuit("/auto/counter")
            try await auto.send(["nav", "/counter"])
            let toServerPage = try await auto.next(kind: "go")
            #expect(toServerPage[1]?.stringValue == "/counter")
            #expect(toServerPage[3]?.boolValue == false, "not shown in the auto page's circuit, which has no layout")

            let (serverCircuit, _) = try await server.startCircuit("/counter")
            try await serverCircuit.send(["nav", "/auto/counter"])
            let toAutoPage = try await serverCircuit.next(kind: "go")
            #expect(toAutoPage[1]?.stringValue == "/auto/counter")
            #expect(toAutoPage[3]?.boolValue == false, "the browser chooses the auto page's mode on a load of its own")
            try await serverCircuit.send(["nav", "/wasm/counter"])
            #expect(try await serverCircuit.next(kind: "go")[3]?.boolValue == false, "a WebAssembly page is never shown in a circuit")
            // Between server pages, navigation stays in the circuit.
            try await serverCircuit.send(["nav", "/todos"])
            try await serverCircuit.renders(until: "the todos show") { $0.element(id: "todo-count") != nil }
        }
    }

    @Test("the module at a version: that version, or 404 once the file is another")
    func versionedModule() async throws {
        let folder = try WebAssemblyServingTests.moduleFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withDemoServer(configure: WebAssemblyServingTests.serving(folder)) { server in
            let etag = try #require(try await server.fetch(Self.modulePath).headers[.eTag])
            let version = String(etag.dropFirst().dropLast())
            let current = try await server.fetch("\(Self.modulePath)?v=\(version)")
            #expect(current.status == .ok)
            #expect(current.headers[.contentType] == "application/wasm")
            #expect(current.body.map { Array($0.readableBytesView) } == WebAssemblyServingTests.standInModule)

            let other = try await server.get("\(Self.modulePath)?v=0123456789abcdef")
            #expect(other.status == .notFound)
            #expect(other.body.contains("is not at the version asked for"), "\(other.body)")

            try Data(WebAssemblyServingTests.standInModule + [7]).write(to: folder.appendingPathComponent("TetherDemo.wasm"))
            #expect(try await server.fetch("\(Self.modulePath)?v=\(version)").status == .notFound, "the old version is gone")
            #expect(try await server.fetch(Self.modulePath).status == .ok, "the unversioned URL serves the new file")
        }
    }

    @Test("render modes and what a circuit may show: auto pages without layout, WebAssembly-only pages never")
    func modesAndCircuitPages() throws {
        let app = DemoApp.make()
        #expect(app.renderMode(at: "/auto/counter") == .auto)
        #expect(app.renderMode(at: "/auto/counter?x=1") == .auto)
        #expect(app.renderMode(at: "/wasm/counter") == .webAssembly)
        #expect(app.renderMode(at: "/counter") == .server)

        let pages = app.circuitPages
        let auto = pages.resolve("/auto/counter")
        #expect(auto.page is Counter)
        #expect(!auto.showsLayout)
        let server = pages.resolve("/counter")
        #expect(server.page is Counter)
        #expect(server.showsLayout)
        #expect(pages.resolve("/wasm/counter").page is NotFoundPage, "no circuit renders a WebAssembly-only page")
        #expect(pages.resolve("/wasm/call-js-example-1").page is NotFoundPage)
        #expect(pages.serverPage(at: "/counter") != nil)
        #expect(pages.serverPage(at: "/auto/counter") == nil)
        #expect(pages.serverPage(at: "/wasm/counter") == nil)
        #expect(!pages.showsLayout(at: "/auto/counter"))
        #expect(pages.showsLayout(at: "/counter"))
    }

    @Test("WebAssemblyPage: the initializer means WebAssembly mode, .auto means auto; the first page at a route decides its mode")
    func pageModes() {
        #expect(WebAssemblyPage(Counter.self, at: "/a").mode == .webAssembly)
        #expect(WebAssemblyPage(at: "/b").mode == .webAssembly)
        let auto = WebAssemblyPage.auto(Counter.self, at: "/c/{id:int}")
        #expect(auto.mode == .auto)
        #expect(auto.isPrerendered)
        let module = WebAssemblyModule(
            name: "App", directory: "/nowhere",
            pages: [.auto(Counter.self, at: "/c/{id:int}"), WebAssemblyPage(Counter.self, at: "/c/new"), .auto(Todos.self, at: "/c/new")])
        #expect(module.match(url: "/c/7")?.mode == .auto)
        #expect(module.match(url: "/c/7")?.route.int("id") == 7)
        // More literal segments first, as every router here: /c/new is the WebAssembly page.
        #expect(module.match(url: "/c/new")?.mode == .webAssembly)
        #expect(module.match(url: "/c/new").map { ObjectIdentifier($0.page) } == ObjectIdentifier(Counter.self))
        #expect(module.match(url: "/d") == nil)
    }
}
