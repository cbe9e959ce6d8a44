import Foundation
import Testing
import TetherInterop
import TetherServer

/// Circuit identity, resumption, origins and the per-circuit limits, over a real socket.
@Suite("Security: secrets, resumption, origins and limits")
struct SecurityTests {
    @Test("a circuit resumes only with its secret; the public id alone is refused")
    func resumeNeedsTheSecret() async throws {
        try await withDemoServer { server in
            let (first, page) = try await server.startCircuit("/counter")
            let configuration = try #require(first.configuration)
            let id = try #require(configuration["circuitId"]?.stringValue)
            let secret = try #require(configuration["secret"]?.stringValue)
            #expect(secret.count >= 22, "at least 128 bits, base64url")
            try await first.click(id: "increment")
            _ = try await first.nextRender()
            await first.close()

            let intruder = try await server.connect()
            try await intruder.send(["resume", .string(id), "not-the-secret", 1])
            let refusal = try await intruder.next(kind: "rejected")
            #expect(refusal[1]?.stringValue?.contains("no longer available") == true)

            let owner = try await server.connect()
            try await owner.send(["resume", .string(id), .string(secret), 1])
            // State is intact: the next click renders 2.
            try await owner.send(["ev", .string(try #require(page.dom.handlerID("click", id: "increment"))), ["type": "click"]])
            let batch = try await owner.next(kind: "r")
            #expect(batch[1] == 2)
            #expect(batch[2]?.serialized().contains("\"2\"") == true)
            #expect(owner.configuration?["circuitId"]?.stringValue == id)
        }
    }

    @Test("batches rendered while the page was away are replayed on resume")
    func missedBatchesAreReplayed() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/counter")
            let client = try await server.connect(dom: page.dom, autoAck: false)
            _ = try await client.start(descriptor: page.descriptor, url: server.origin + "/counter")
            let configuration = try #require(client.configuration)
            let handler = try #require(page.dom.handlerID("click", id: "increment"))
            // A click whose batch the page never acknowledges, then the socket drops.
            try await client.send(["ev", .string(handler), ["type": "click"]])
            _ = try await client.nextRender()
            await client.close()
            let again = try await server.connect()
            try await again.send(["resume", configuration["circuitId"]!, configuration["secret"]!, 0])
            let replay = try await again.next(kind: "r")
            #expect(replay[1] == 1)
            #expect(replay[2]?.serialized().contains("\"1\"") == true)
        }
    }

    @Test("past the unacknowledged-batch limit rendering pauses, and resumes on ack")
    func unacknowledgedBatchesPauseRendering() async throws {
        try await withDemoServer(configure: { $0.limits.maxUnacknowledgedBatches = 3 }) { server in
            let page = try await server.fetchPage("/counter")
            let client = try await server.connect(dom: page.dom, autoAck: false)
            _ = try await client.start(descriptor: page.descriptor, url: server.origin + "/counter")
            let handler = try #require(page.dom.handlerID("click", id: "increment"))
            for _ in 0..<6 { try await client.send(["ev", .string(handler), ["type": "click"]]) }
            // Batch 0 is unacknowledged too: 1 and 2 fit under the limit of 3, then rendering waits.
            var numbers = [try await client.nextRender().number, try await client.nextRender().number]
            // The wait runs out: no third batch arrives, and the connection stays up.
            await #expect(throws: WaitTimeout.self) { _ = try await client.nextRender(timeout: .milliseconds(400)) }
            #expect(!client.isClosed)
            try await client.send(["ack", 2])
            let caughtUp = try await client.nextRender()
            numbers.append(caughtUp.number)
            #expect(numbers == [1, 2, 3])
            #expect(caughtUp.edits.description.contains("\"6\""), "one batch with the latest state")
        }
    }

    @Test("a WebSocket upgrade from another origin is refused")
    func crossOriginUpgradeIsRefused() async throws {
        try await withDemoServer { server in
            // Hummingbird answers a refused upgrade with 400 and does not switch protocols.
            let refused = try await rawUpgradeStatusLine(port: server.port, origin: "http://evil.example")
            #expect(refused == "HTTP/1.1 400 Bad Request", "an upgrade from another origin must not switch protocols")
            #expect(!refused.contains(" 101 "))
            let own = try await rawUpgradeStatusLine(port: server.port, origin: server.origin)
            #expect(own == "HTTP/1.1 101 Switching Protocols")
        }
    }

    @Test("a socket that never says start or resume is closed after the handshake timeout")
    func handshakeTimeout() async throws {
        try await withDemoServer(configure: { $0.limits.handshakeTimeout = .milliseconds(300) }) { server in
            let client = try await server.connect()
            let fatal = try await client.nextFatal(timeout: .seconds(3))
            #expect(fatal.contains("no 'start' or 'resume'"))
        }
    }

    @Test("JS→Swift calls past the running and waiting limits are refused; the circuit carries on")
    func concurrentInvocationLimit() async throws {
        try await withDemoServer(configure: {
            $0.interop.maxConcurrentInvocations = 1
            $0.interop.maxWaitingInvocations = 0
        }) { server in
            let (client, _) = try await server.startCircuit("/counter")
            // InvokeJS stays running until this client answers its JS call.
            try await client.send(["inv", 1, "Demo", "InvokeJS", ["slow", [], nil]])
            let call = try await client.nextCall("slow")
            try await client.send(["inv", 2, "Demo", "Add", [1, 2]])
            let refused = try await client.nextResult(id: 2)
            #expect(!refused.ok)
            #expect(refused.value.stringValue?.contains("Too many calls to Swift are waiting") == true)
            try await client.send(["done", .number(call.id), true, 7])
            #expect(try await client.nextResult(id: 1).value == 7)
            try await client.send(["inv", 3, "Demo", "Add", [1, 2]])
            #expect(try await client.nextResult(id: 3).value == 3)
        }
    }

    @Test("a flood of events is handled in order and the circuit survives")
    func eventFlood() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/counter")
            let handler = try #require(page.dom.handlerID("click", id: "increment"))
            let click: JSONValue = ["ev", .string(handler), ["type": "click"]]
            // 300 clicks in 10 frames, as fast as the socket takes them.
            for _ in 0..<10 {
                try await client.sendText(JSONValue.array(Array(repeating: click, count: 30)).serialized())
            }
            try await client.renders(until: "#count reads 300", timeout: .seconds(30)) { $0.element(id: "count")?.textContent == "300" }
        }
    }
}

/// Sends a WebSocket upgrade by hand and returns the status line of the answer. Throws when the
/// server sends nothing (closes the connection or stays silent for 5 s), so a refusal that is
/// no answer at all does not pass for one.
private func rawUpgradeStatusLine(port: Int, origin: String) async throws -> String {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            do {
                let handle = try SocketLine.connect(port: port)
                defer { handle.close() }
                let request = "GET /_tether/circuit HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: \(origin)\r\n\r\n"
                try handle.write(request)
                continuation.resume(returning: try handle.readStatusLine(timeout: .seconds(5)))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}
