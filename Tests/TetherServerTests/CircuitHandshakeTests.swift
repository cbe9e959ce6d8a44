import Foundation
import HummingbirdWSClient
import Testing
import TetherInterop
import TetherServer

/// A fixed signing key, so a test can sign descriptors the server accepts (or nearly does).
private let testKey: [UInt8] = Array(0..<32)

@Suite("Circuit handshake: start, descriptor checks, refusals")
struct CircuitHandshakeTests {
    @Test("start on /counter is answered with batch 0 and no edits")
    func startCounter() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/counter")
            let client = try await server.connect(dom: page.dom)
            try await client.send(["start", .string(page.descriptor), .string(server.origin + "/counter")])
            let first = try await client.nextMessage()
            #expect(first == ["r", 0, []])
            #expect(client.dom?.root == page.dom.root)
            #expect(client.unexpectedMessages.isEmpty)
            #expect(!client.isClosed)
        }
    }

    @Test("every demo page's live render matches its prerendered HTML", arguments: ["/", "/counter", "/call-js-example-1", "/interop-lab", "/items/42?tab=2"])
    func everyPageStartsClean(path: String) async throws {
        try await withDemoServer { server in
            // startCircuit fails unless batch 0 is empty.
            let (client, _) = try await server.startCircuit(path)
            #expect(client.lastBatch == 0)
            #expect(client.unexpectedMessages.isEmpty)
        }
    }

    @Test("a descriptor with one character of its signature changed is refused with 'fatal' and the socket closes")
    func forgedSignature() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/counter")
            let parts = page.descriptor.split(separator: ".")
            try #require(parts.count == 2)
            // The first character of the MAC carries 6 full bits, so changing it changes the MAC.
            var signature = Array(parts[1])
            signature[0] = signature[0] == "A" ? "B" : "A"
            let forged = parts[0] + "." + String(signature)
            try #require(forged != page.descriptor)

            let client = try await server.connect(dom: page.dom)
            try await client.send(["start", .string(forged), .string(server.origin + "/counter")])
            let fatal = try await client.nextFatal()
            #expect(fatal.contains("circuit refused"))
            #expect(fatal.contains("signature is invalid"))
            try await client.waitUntilClosed()
            #expect(!client.inbox.log.contains { $0.isKind("r") })
        }
    }

    @Test("a descriptor whose payload was edited is refused")
    func forgedPayload() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/counter")
            let parts = page.descriptor.split(separator: ".")
            try #require(parts.count == 2)
            // Point the signed descriptor at another page without re-signing it.
            let payload = try #require(Data(base64URL: String(parts[0])))
            let text = try #require(String(data: payload, encoding: .utf8))
            let edited = text.replacingOccurrences(of: "counter", with: "interop-lab")
            try #require(edited != text)
            let forged = Data(edited.utf8).base64URL + "." + parts[1]

            let client = try await server.connect()
            try await client.send(["start", .string(forged), .string(server.origin + "/interop-lab")])
            #expect(try await client.nextFatal().contains("signature is invalid"))
            try await client.waitUntilClosed()
        }
    }

    @Test("a descriptor signed with another server's key is refused, naming both keys' fingerprints")
    func otherKey() async throws {
        let serverSigner = DescriptorSigner(key: Array(1..<33))
        try await withDemoServer(configure: { $0.signer = serverSigner }) { server in
            let page = try await server.fetchPage("/counter")
            let content = try #require(Self.rootContent(of: page.html))
            let foreignSigner = DescriptorSigner(key: testKey)
            #expect(foreignSigner.keyFingerprint != serverSigner.keyFingerprint)
            let foreign = foreignSigner.sign(url: "/counter", markup: content)
            let client = try await server.connect()
            try await client.send(["start", .string(foreign), .string(server.origin + "/counter")])
            #expect(
                try await client.nextFatal()
                    == "circuit refused: the prerender descriptor was signed by a node whose key fingerprint is "
                    + "\(foreignSigner.keyFingerprint); this node's is \(serverSigner.keyFingerprint): give every node the same TETHER_SIGNING_KEY")
            #expect(try await client.closeFrame().code == 4004)
        }
    }

    @Test("a forged descriptor that claims another key's fingerprint, but not a well-formed one, is only a bad signature")
    func claimedFingerprintIsChecked() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/counter")
            let parts = page.descriptor.split(separator: ".")
            try #require(parts.count == 2)
            let payload = try #require(Data(base64URL: String(parts[0])))
            var json = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
            json["keyFingerprint"] = "<script>alert(1)</script>"
            let forged = try JSONSerialization.data(withJSONObject: json).base64URL + "." + parts[1]
            let client = try await server.connect()
            try await client.send(["start", .string(forged), .string(server.origin + "/counter")])
            #expect(try await client.nextFatal() == "circuit refused: the prerender descriptor's signature is invalid")
        }
    }

    @Test("a descriptor that is not one is refused as malformed")
    func malformedDescriptor() async throws {
        try await withDemoServer { server in
            let client = try await server.connect()
            try await client.send(["start", "not-a-descriptor", .string(server.origin + "/counter")])
            #expect(try await client.nextFatal().contains("malformed"))
            try await client.waitUntilClosed()
        }
    }

    @Test("an expired descriptor is refused")
    func expiredDescriptor() async throws {
        try await withDemoServer(configure: { $0.signer = DescriptorSigner(key: testKey) }) { server in
            let page = try await server.fetchPage("/counter")
            let content = try #require(Self.rootContent(of: page.html))
            let stale = DescriptorSigner(key: testKey).sign(url: "/counter", markup: content, now: Date().addingTimeInterval(-3600))
            let client = try await server.connect()
            try await client.send(["start", .string(stale), .string(server.origin + "/counter")])
            #expect(try await client.nextFatal().contains("expired"))
            try await client.waitUntilClosed()
        }
    }

    @Test("a valid descriptor for a URL no page matches starts the not-found page")
    func noSuchPage() async throws {
        try await withDemoServer(configure: { $0.signer = DescriptorSigner(key: testKey) }) { server in
            let descriptor = DescriptorSigner(key: testKey).sign(url: "/nowhere", markup: "")
            var dom = try MirrorDOM(document: try await server.get("/counter").body)
            dom.root.children = []
            let client = try await server.connect(dom: dom)
            try await client.send(["start", .string(descriptor), .string(server.origin + "/nowhere")])
            let first = try await client.nextRender()
            #expect(first.number == 0)
            #expect(first.codes == [7], "the empty prerendered root is filled: \(first)")
            #expect(client.dom?.element(id: "not-found")?.textContent == "There is no page at /nowhere.")
            #expect(client.unexpectedMessages.isEmpty)
        }
    }

    @Test("the runtime is configured with the circuit's limits before batch 0")
    func configuration() async throws {
        try await withDemoServer(configure: { $0.limits.maxTextMessageBytes = 12_345 }) { server in
            let (client, _) = try await server.startCircuit("/counter")
            let log = client.inbox.log
            let cfg = try #require(log.firstIndex { $0.isKind("cfg") }, "\(log)")
            let r0 = try #require(log.firstIndex { $0.isKind("r") })
            #expect(cfg < r0)
            #expect(client.configuration?["maxMessageBytes"] == 12_345)
        }
    }

    @Test("messages after 'start' in the same frame are handled, not dropped")
    func messagesAfterStartInOneFrame() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/counter")
            let handler = try #require(page.dom.handlerID("click", id: "increment"))
            let client = try await server.connect(dom: page.dom)
            try await client.send(
                ["start", .string(page.descriptor), .string(server.origin + "/counter")],
                ["ev", .string(handler), ["type": "click"]],
                ["inv", 1, "Demo", "Add", [2, 3]]
            )
            #expect(try await client.nextRender().number == 0)
            let sum = try await client.nextResult(id: 1, timeout: .seconds(1))
            #expect(sum.value == 5)
            let batch = try await client.nextRender(timeout: .seconds(1))
            #expect(batch.number == 1)
        }
    }

    @Test("when the prerendered markup differs, batch 0 replaces the root's children (edit 7)")
    func staleMarkupIsReplaced() async throws {
        try await withDemoServer(configure: { $0.signer = DescriptorSigner(key: testKey) }) { server in
            let page = try await server.fetchPage("/counter")
            // What a browser would show had it kept an older rendering of the page.
            let stale = "<p>stale</p>"
            let descriptor = DescriptorSigner(key: testKey).sign(url: "/counter", markup: stale)
            var dom = page.dom
            dom.root.children = try HTMLParser.parse(stale)
            let client = try await server.connect(dom: dom)
            try await client.send(["start", .string(descriptor), .string(server.origin + "/counter")])
            let first = try await client.nextRender()
            #expect(first.number == 0)
            #expect(first.codes == [7])
            #expect(first.edits.first?[1] == [])
            // The page is now the live one, and it works.
            #expect(client.dom?.root == page.dom.root)
            try await client.click(id: "increment")
            try await client.renders(until: "#count shows 1") { $0.element(id: "count")?.textContent == "1" }
            #expect(client.unexpectedMessages.isEmpty)
        }
    }

    @Test("a first message other than 'start' is refused with 'fatal' and the socket closes", arguments: [
        #"[["ev","1.0",{"type":"click"}]]"#,
        #"[["inv",1,"Demo","Add",[2,3]]]"#,
        #"[["start"]]"#,
        #"[]"#,
        #"{"start":true}"#,
        #"not json"#,
    ])
    func firstMessageNotStart(frame: String) async throws {
        try await withDemoServer { server in
            let client = try await server.connect()
            try await client.sendText(frame)
            let fatal = try await client.nextFatal()
            #expect(fatal.hasPrefix("the first message on a circuit must be 'start'"), "\(fatal)")
            try await client.waitUntilClosed()
            #expect(client.inbox.log.count == 1, "nothing but the refusal: \(client.inbox.log)")
        }
    }

    @Test("a binary first frame is refused with 'fatal' and the socket closes")
    func binaryFirstFrame() async throws {
        try await withDemoServer { server in
            let client = try await server.connect()
            try await client.sendBinary([1, 0, 0, 0, 0xFF, 0xFE])
            #expect(try await client.nextFatal().hasPrefix("the first message on a circuit must be 'start'"))
            try await client.waitUntilClosed()
        }
    }

    @Test("a second 'start' on a running circuit is refused with 'err' and the circuit carries on")
    func secondStart() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/counter")
            try await client.send(["start", .string(page.descriptor), .string(server.origin + "/counter")])
            #expect(try await client.nextError() == "the circuit has already started")
            try await client.click(id: "increment")
            let batch = try await client.nextRender()
            #expect(batch.number == 1)
            #expect(client.dom?.element(id: "count")?.textContent == "1")
            #expect(!client.isClosed)
        }
    }

    @Test("a client whose Origin is neither the server's own nor in allowedOrigins cannot open a circuit")
    func originCheck() async throws {
        // Without the test client's origin in allowedOrigins, its upgrade is refused: the server
        // answers with an HTTP status, not 101, and the client reports the upgrade as declined.
        // A server that closed the connection or never answered would fail differently.
        try await withDemoServer(configure: { $0.limits.allowedOrigins = [] }) { server in
            await #expect(throws: WebSocketClientError.webSocketUpgradeFailed) { _ = try await server.connect() }
        }
    }

    /// The markup inside `#tether-root`, which the descriptor's digest covers.
    static func rootContent(of html: String) -> String? {
        guard let open = html.range(of: "<div id=\"tether-root\""), let start = html[open.upperBound...].range(of: ">"),
            let end = html.range(of: "</div><script type=\"module\"", options: .backwards)
        else { return nil }
        return String(html[start.upperBound..<end.lowerBound])
    }
}

extension Data {
    init?(base64URL text: String) {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        self.init(base64Encoded: s)
    }

    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
