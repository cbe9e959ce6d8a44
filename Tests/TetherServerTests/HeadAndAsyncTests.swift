import Foundation
import Testing
import TetherInterop

@Suite("PageTitle, HeadContent and AsyncContent over HTTP and the circuit")
struct HeadAndAsyncTests {
    /// The head carried by the next render batch that changes it.
    private static func nextHead(_ client: ProtocolTestClient) async throws -> (title: String?, elements: String?) {
        let message = try await client.next("a render batch that changes the head") { $0.isKind("r") && $0[3] != nil }
        return (message[3]?[0]?.stringValue, message[3]?[1]?.stringValue)
    }

    @Test("the prerendered head has the page's title in place of the app's, and its marked elements")
    func prerenderedHead() async throws {
        try await withDemoServer { server in
            let counter = try await server.get("/counter")
            #expect(counter.body.contains("<title>Counter (0)</title>"))
            #expect(!counter.body.contains("<title>Tether demo</title>"))
            #expect(!counter.body.contains("data-tether-head"))
            let async = try await server.get("/async")
            #expect(async.body.contains("<title>Async content</title>"))
            let head = try #require(async.body.split(separator: "</head>").first)
            #expect(head.contains(#"<meta name="description" content="Tether&#39;s async content demo" data-tether-head>"#))
            #expect(head.components(separatedBy: "<title>").count == 2, "one title")
            let home = try await server.get("/")
            #expect(home.body.contains("<title>Tether demo</title>"), "no PageTitle: the template's")
        }
    }

    @Test("a render batch carries the head when it changes it: after a state change and after navigation")
    func liveHead() async throws {
        try await withDemoServer { server in
            // startCircuit took the first batch; CircuitHandshakeTests checks it is `["r", 0, []]`:
            // the prerendered page already has the head.
            let (client, _) = try await server.startCircuit("/counter")
            try await client.click(id: "increment")
            let clicked = try await Self.nextHead(client)
            #expect(clicked.title == "Counter (1)" && clicked.elements == "")
            try await client.send(["nav", .string("/async")])
            let async = try await Self.nextHead(client)
            #expect(async.title == "Async content", "the new page's, never the app's in between")
            #expect(async.elements == #"<meta name="description" content="Tether&#39;s async content demo" data-tether-head>"#)
            try await client.send(["nav", .string("/")])
            let home = try await Self.nextHead(client)
            #expect(home.title == "Tether demo" && home.elements == "", "the app's title, and no page elements")
        }
    }

    @Test("the prerender of a page with a slow AsyncContent does not wait for it: first byte long before the load's 10 s")
    func timeToFirstByte() async throws {
        try await withDemoServer { server in
            let port = server.port
            let (firstByte, body) = try await offThePool {
                let socket = try SocketLine.connect(port: port)
                defer { socket.close() }
                let started = ContinuousClock.now
                try socket.write("GET /async?delay=10000 HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
                let status = try socket.readStatusLine(timeout: .seconds(10))
                let firstByte = ContinuousClock.now - started
                guard status.hasPrefix("HTTP/1.1 200") else { throw EditError(description: "status \(status)") }
                return (firstByte, String(decoding: socket.readAll(timeout: .seconds(10)), as: UTF8.self))
            }
            // The load never runs in a prerender: the bound is loose only for a loaded machine.
            #expect(firstByte < .seconds(5), "the first byte came after \(firstByte); the load takes 10 s")
            #expect(body.contains(#"<p id="slow-loading">Loading…</p>"#))
            #expect(!body.contains("slow-value"))
        }
    }

    @Test("the circuit starts from the prerendered loading state, loads once, and sends the content and the failures")
    func liveAsync() async throws {
        try await withDemoServer { server in
            // startCircuit checks the first batch is empty: the live render matched the loading state.
            let (client, _) = try await server.startCircuit("/async?delay=300")
            try await client.renders(until: "the value, the failure and the boundary show") { dom in
                dom.element(id: "slow-value")?.textContent == "Loaded: 42"
                    && dom.element(id: "failing-error")?.textContent == "Could not load: load failed: the service is down"
                    && dom.element(id: "bounded-fallback")?.textContent == "The boundary caught: load failed: no failure content here"
            }
            #expect(client.dom?.element(id: "slow-loading") == nil)
            // The circuit lives on after the errors.
            try await client.send(["nav", .string("/counter")])
            try await client.renders(until: "the counter shows") { $0.element(id: "count") != nil }
        }
    }
}
