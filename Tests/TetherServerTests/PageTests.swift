import HTTPTypes
import Testing
import TetherInterop

@Suite("Pages, the runtime script and the public folder over HTTP")
struct PageTests {
    @Test("GET /counter is 200 text/html with the prerendered count and a signed descriptor")
    func counterPage() async throws {
        try await withDemoServer { server in
            let response = try await server.get("/counter")
            #expect(response.status == .ok)
            #expect(response.contentType?.hasPrefix("text/html") == true, "\(String(describing: response.contentType))")
            #expect(response.body.hasPrefix("<!DOCTYPE html>"))
            #expect(response.body.contains(#"<span id="count">0</span>"#))
            #expect(response.body.firstMatch(of: /<script type="module" src="\/_tether\/v\/[0-9a-f]{16}\/tether\.js"><\/script>/) != nil)
            #expect(response.body.contains(#"<script src="/js/convert-array.js"></script>"#))
            #expect(response.body.contains("<title>Counter (0)</title>"), "the page's PageTitle, in place of the app's")

            let dom = try MirrorDOM(document: response.body)
            let descriptor = try #require(dom.root.attribute("data-tether-descriptor"))
            #expect(descriptor.split(separator: ".").count == 2, "payload.signature: \(descriptor)")
            #expect(dom.handlerID("click", id: "increment") != nil)
        }
    }

    @Test("every page is prerendered with status 200", arguments: ["/", "/counter", "/call-js-example-1", "/interop-lab", "/items/7"])
    func pages(path: String) async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage(path)
            #expect(page.dom.root.children.contains { $0.tag == "nav" }, "the demo menu is rendered")
        }
    }

    @Test("/call-js-example-1 prerenders its heading and button, and no quote")
    func callJsPage() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/call-js-example-1")
            let h1 = try #require(page.dom.root.first { $0.tag == "h1" })
            #expect(h1.textContent == "Call JS convertArray Function")
            #expect(h1.children.contains { $0.tag == "code" && $0.textContent == "convertArray" })
            #expect(page.dom.handlerID("click") { $0.tag == "button" && $0.textContent == "Convert Array" } != nil)
            #expect(!page.html.contains("<em>"))
        }
    }

    @Test("a query string is part of the page's URL and still renders the page")
    func queryString() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/counter?from=test")
            #expect(page.dom.element(id: "count")?.textContent == "0")
            let client = try await server.connect(dom: page.dom)
            try await client.start(descriptor: page.descriptor, url: server.origin + "/counter?from=test")
            try await client.click(id: "increment")
            #expect(try await client.nextRender().number == 1)
        }
    }

    @Test("an unknown path is a 404 HTML page that names the path, escaped")
    func notFound() async throws {
        try await withDemoServer { server in
            let response = try await server.get("/no/such/page")
            #expect(response.status == .notFound)
            #expect(response.contentType?.hasPrefix("text/html") == true)
            let dom = try MirrorDOM(document: response.body)
            #expect(dom.root.first { $0.tag == "h1" }?.textContent == "Not found")
            #expect(dom.root.textContent.contains("There is no page at /no/such/page."))

            let hostile = try await server.get("/%3Cscript%3Ealert(1)%3C/script%3E")
            #expect(hostile.status == .notFound)
            #expect(!hostile.body.contains("<script>alert"))
            let hostileDOM = try MirrorDOM(document: hostile.body)
            #expect(!hostileDOM.root.allNodes.contains { $0.tag == "script" }, "no script element inside the page content")
        }
    }

    @Test("the 404 page is live: its circuit starts clean")
    func notFoundCircuit() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/no/such/page", status: .notFound)
            #expect(page.dom.root.textContent.contains("There is no page at /no/such/page."))
            #expect(client.unexpectedMessages.isEmpty)
        }
    }

    @Test("GET /_tether/<module>.js serves each runtime module as text/javascript; any other name is 404")
    func runtimeScript() async throws {
        try await withDemoServer { server in
            let entry = try await server.get("/_tether/tether.js")
            #expect(entry.status == .ok)
            #expect(entry.contentType?.hasPrefix("text/javascript") == true, "\(String(describing: entry.contentType))")
            #expect(entry.body.contains("from './circuit.js'"))
            let circuit = try await server.get("/_tether/circuit.js")
            #expect(circuit.status == .ok)
            #expect(circuit.body.contains("/_tether/circuit"))
            let wire = try await server.get("/_tether/protocol.js")
            #expect(wire.body.contains("start: 'start',"))
            for path in ["/_tether/nope.js", "/_tether/package.json"] {
                #expect(try await server.get(path).status == .notFound, "\(path)")
            }
        }
    }

    @Test("a page preloads the runtime's modules before the entry script")
    func runtimePreloads() async throws {
        try await withDemoServer { server in
            let body = try await server.get("/counter").body
            let entry = try #require(body.firstMatch(of: /<script type="module" src="(\/_tether\/v\/[0-9a-f]{16}\/)tether\.js"><\/script>/))
            let folder = String(entry.1)
            for module in ["protocol.js", "circuit.js", "log.js"] {
                let link = try #require(body.firstRange(of: #"<link rel="modulepreload" href="\#(folder)\#(module)">"#), "\(module)")
                #expect(link.upperBound <= entry.range.lowerBound, "\(module)")
            }
            #expect(!body.contains(#"href="\#(folder)tether.js""#), "the entry's own script tag fetches it")
        }
    }

    @Test("the public folder is served at the site root")
    func publicFolder() async throws {
        try await withDemoServer { server in
            let response = try await server.get("/js/convert-array.js")
            #expect(response.status == .ok)
            #expect(response.body.contains("window.convertArray"))
            #expect(try await server.get("/js/missing.js").status == .notFound)
        }
    }

    @Test("a plain GET of the circuit path is not a page")
    func circuitPathWithoutUpgrade() async throws {
        try await withDemoServer { server in
            let response = try await server.get("/_tether/circuit")
            #expect(!response.body.contains("tether-root"), "\(response.status): \(response.body.prefix(200))")
        }
    }

    @Test("GET / serves the home page")
    func home() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/")
            #expect(page.dom.root.first { $0.tag == "h1" }?.textContent == "Tether demo")
        }
    }

    @Test("a 404 page for a percent-encoded path starts its circuit clean")
    func notFoundEncodedPath() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/caf%C3%A9/%3Cb%3E", status: .notFound)
            #expect(page.dom.element(id: "not-found")?.textContent.contains("/caf%C3%A9/%3Cb%3E") == true)
            #expect(client.unexpectedMessages.isEmpty)
        }
    }

    @Test("a 404 page whose URL has a query string starts its circuit clean")
    func notFoundWithQuery() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/nowhere?x=1", status: .notFound)
            #expect(page.dom.element(id: "not-found")?.textContent == "There is no page at /nowhere.")
            let client = try await server.connect(dom: page.dom)
            let first = try await client.start(descriptor: page.descriptor, url: server.origin + "/nowhere?x=1")
            #expect(first.edits.isEmpty, "\(first)")
            #expect(client.dom?.element(id: "not-found")?.textContent == "There is no page at /nowhere.")
        }
    }
}
