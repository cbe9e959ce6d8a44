import Foundation
import HTTPTypes
import Testing
import TetherInterop
import TetherServer

/// The circuit id is chosen at prerender, signed into the descriptor and shown to the page, so the
/// runtime can name it in every socket URL (`?circuit=`) and a proxy in front of several nodes can
/// route the start and each resume to the node that holds the circuit.
@Suite("Circuit routing: the id chosen at prerender")
struct CircuitRoutingTests {
    /// A fixed key, so a test can sign descriptors with a circuit id of its choosing.
    private static let key: [UInt8] = Array(100..<132)

    @Test("the circuit id on the page, in its descriptor and in the socket URL is the id the circuit gets")
    func pageIDIsTheCircuitsID() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/counter")
            let id = try #require(page.dom.root.attribute("data-tether-circuit"))
            #expect(!id.isEmpty)
            #expect(try Self.payload(of: page.descriptor)["circuit"]?.stringValue == id, "the signed descriptor names the same circuit")
            let client = try await server.connect(path: "/_tether/circuit?circuit=\(id)", dom: page.dom)
            _ = try await client.start(descriptor: page.descriptor, url: server.origin + "/counter")
            #expect(client.configuration?["circuitId"]?.stringValue == id)
            // Another render of the same page is another circuit.
            let other = try await server.fetchPage("/counter")
            #expect(other.dom.root.attribute("data-tether-circuit") != id)
        }
    }

    @Test("a resume whose URL names its circuit is served; one naming another circuit is refused")
    func resumeURLMustNameTheCircuit() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/counter")
            let id = try #require(client.configuration?["circuitId"]?.stringValue)
            let secret = try #require(client.configuration?["secret"]?.stringValue)
            await client.close()

            let misrouted = try await server.connect(path: "/_tether/circuit?circuit=someone-else", dom: page.dom)
            try await misrouted.send(["resume", .string(id), .string(secret), .number(client.lastBatch)])
            let fatal = try await misrouted.nextFatal()
            #expect(fatal == "the socket URL names circuit someone-else but the handshake opens circuit \(id)")
            #expect(try await misrouted.closeFrame().code == 4005)

            // The refusal left the circuit alone: the right URL resumes it.
            let resumed = try await server.connect(path: "/_tether/circuit?circuit=\(id)", dom: page.dom)
            try await resumed.send(["resume", .string(id), .string(secret), .number(client.lastBatch)])
            try await resumed.click(id: "increment")
            try await resumed.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            #expect(resumed.configuration?["circuitId"]?.stringValue == id)
        }
    }

    @Test("a start whose URL names another circuit than its descriptor is refused")
    func startURLMustNameTheDescriptorsCircuit() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/counter")
            let id = try #require(page.dom.root.attribute("data-tether-circuit"))
            let client = try await server.connect(path: "/_tether/circuit?circuit=x\(id)", dom: page.dom)
            try await client.send(["start", .string(page.descriptor), .string(server.origin + "/counter")])
            #expect(try await client.nextFatal() == "the socket URL names circuit x\(id) but the handshake opens circuit \(id)")
            #expect(try await client.closeFrame().code == 4005)
        }
    }

    @Test("/_tether/prerender names the circuit too, and its start gets that id")
    func manualStartJSON() async throws {
        try await withDemoServer { server in
            let response = try await server.get("/_tether/prerender?url=%2Fcounter")
            #expect(response.status == .ok)
            let json = try JSONParser.parse(response.body)
            let id = try #require(json["circuit"]?.stringValue)
            let descriptor = try #require(json["descriptor"]?.stringValue)
            #expect(try Self.payload(of: descriptor)["circuit"]?.stringValue == id)
            let client = try await server.connect(path: "/_tether/circuit?circuit=\(id)")
            try await client.send(["start", .string(descriptor), .string(server.origin + "/counter")])
            _ = try await client.nextRender()
            #expect(client.configuration?["circuitId"]?.stringValue == id)
        }
    }

    @Test("a second descriptor for a circuit this server already runs is refused as in use; a replayed one as used")
    func circuitInUse() async throws {
        try await withDemoServer(configure: { $0.signer = DescriptorSigner(key: Self.key) }) { server in
            let page = try await server.fetchPage("/counter")
            let id = try #require(page.dom.root.attribute("data-tether-circuit"))
            let client = try await server.connect(dom: page.dom)
            _ = try await client.start(descriptor: page.descriptor, url: server.origin + "/counter")

            let replay = try await server.connect()
            try await replay.send(["start", .string(page.descriptor), .string(server.origin + "/counter")])
            #expect(try await replay.nextFatal() == "circuit refused: the prerender descriptor was already used; reload the page")

            // Signed with the server's key for the same circuit, as a page prerendered on another
            // node and started there would be, before the circuit moved here.
            let twin = DescriptorSigner(key: Self.key).sign(url: "/counter", markup: "", circuit: id)
            let second = try await server.connect()
            try await second.send(["start", .string(twin), .string(server.origin + "/counter")])
            #expect(
                try await second.nextFatal()
                    == "circuit refused: the prerender descriptor's circuit is already running on this server; reload the page")
            #expect(try await second.closeFrame().code == 4004)
            #expect(!client.isClosed, "the running circuit carries on")
        }
    }

    /// The descriptor's payload, which is signed but not encrypted: the page can read it.
    private static func payload(of descriptor: String) throws -> JSONValue {
        let parts = descriptor.split(separator: ".")
        try #require(parts.count == 2)
        let bytes = try #require(Data(base64URL: String(parts[0])))
        return try JSONParser.parse(String(decoding: bytes, as: UTF8.self))
    }

    @Test("circuit ids are 13 base-36 characters, always: a page's length does not depend on its id")
    func circuitIDsHaveOneLength() {
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyz")
        for _ in 0..<2_000 {
            let id = makeCircuitID()
            #expect(id.count == 13, "\(id)")
            #expect(id.allSatisfy(allowed.contains), "\(id)")
        }
    }
}
