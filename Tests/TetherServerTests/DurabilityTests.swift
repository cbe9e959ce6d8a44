import Foundation
import Hummingbird
import Synchronization
import HummingbirdTesting
import Testing
import TetherInterop
@testable import TetherServer
import TetherUI

/// Circuits saved to a store and resumed by a server that never saw them, over real sockets: the
/// second server shares only the store with the first, as a restarted process does.
@Suite("Durable circuits: restore, pause, end, bad rows, a failing store")
struct DurabilityTests {
    /// Saves quickly, so a test need not wait a second per write.
    static func durable(_ store: any CircuitStore) -> (inout TetherApp) -> Void {
        { app in
            app.persistence.storage = .store(store)
            app.persistence.persistInterval = .milliseconds(20)
        }
    }

    /// What one server left for the next: the circuit's id, secret and last batch, and the page.
    struct Handoff: Sendable {
        let id: String
        let secret: String
        let lastBatch: Int
        let page: PrerenderedPage
    }

    /// Starts /durable, clicks `clicks` times, types `draft`, waits until the store holds it, and
    /// drops the socket as a dying server would leave it.
    static func leaveState(on server: DemoServer, store: MemoryCircuitStore, clicks: Int, draft: String) async throws -> Handoff {
        let (client, page) = try await server.startCircuit("/durable")
        for n in 1...clicks {
            try await client.click(id: "increment")
            try await client.renders(until: "the count is \(n)") { $0.element(id: "count")?.textContent == "\(n)" }
        }
        try await client.input(id: "draft", value: draft)
        let configuration = try #require(client.configuration)
        let id = try #require(configuration["circuitId"]?.stringValue)
        let secret = try #require(configuration["secret"]?.stringValue)
        try await waitUntilSaved(store, id: id) { $0.contains("\"count\":\(clicks)") && $0.contains(draft) }
        let lastBatch = client.lastBatch
        await client.close()
        return Handoff(id: id, secret: secret, lastBatch: lastBatch, page: page)
    }

    /// A first server leaves state in `store` and stops, as a restarted process's predecessor.
    static func handOff(_ store: MemoryCircuitStore, clicks: Int, draft: String) async throws -> Handoff {
        try await withDemoServerResult(configure: durable(store)) { server in
            try await leaveState(on: server, store: store, clicks: clicks, draft: draft)
        }
    }

    /// Resumes the handed-off circuit on `server`, as its page does.
    static func resume(_ handoff: Handoff, on server: DemoServer) async throws -> ProtocolTestClient {
        let client = try await server.connect(dom: handoff.page.dom)
        try await client.send(["resume", .string(handoff.id), .string(handoff.secret), .number(handoff.lastBatch)])
        return client
    }

    static func waitUntilSaved(_ store: MemoryCircuitStore, id: String, _ condition: (String) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let record = await store.load(id: id, now: Date()), condition(String(decoding: record.snapshot, as: UTF8.self)) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        let saved = await store.load(id: id, now: Date()).map { String(decoding: $0.snapshot, as: UTF8.self) } ?? "nothing"
        Issue.record("the store never held the expected snapshot of \(id); it holds \(saved)")
    }

    @Test("a page resumes with its state on a server that never saw its circuit")
    func restoreOnANewServer() async throws {
        let store = MemoryCircuitStore()
        let handoff = try await Self.handOff(store, clicks: 3, draft: "half typed")
        let record = try #require(await store.load(id: handoff.id, now: Date()))
        #expect(record.url == "/durable")
        #expect(record.secretHash == CircuitSecret.hash(of: handoff.secret, boundTo: .anonymous))
        #expect(!String(decoding: record.snapshot, as: UTF8.self).contains(handoff.secret), "the secret itself is never stored")

        try await withDemoServer(configure: Self.durable(store)) { server in
            let client = try await Self.resume(handoff, on: server)
            // One batch, numbered after the last one the page applied, brings the page to the new render.
            let batch = try await client.nextRender()
            #expect(batch.number == handoff.lastBatch + 1)
            #expect(client.configuration?["restored"] == true)
            #expect(client.configuration?["circuitId"]?.stringValue == handoff.id)
            #expect(client.configuration?["secret"]?.stringValue != handoff.secret, "a resume rotates the secret")
            let dom = try #require(client.dom)
            #expect(dom.element(id: "count")?.textContent == "3")
            #expect(dom.element(id: "draft")?.attribute("value") == "half typed")
            #expect(dom.element(id: "started-from")?.textContent == "restored")
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 4") { $0.element(id: "count")?.textContent == "4" }
        }
    }

    @Test("a wrong secret is refused by a server that never saw the circuit")
    func wrongSecretOnANewServer() async throws {
        let store = MemoryCircuitStore()
        let handoff = try await Self.handOff(store, clicks: 1, draft: "x")
        try await withDemoServer(configure: Self.durable(store)) { server in
            let intruder = try await server.connect()
            try await intruder.send(["resume", .string(handoff.id), .string(handoff.secret + "x"), 0])
            #expect(try await intruder.next(kind: "rejected")[1]?.stringValue?.contains("no longer available") == true)
            #expect(try await intruder.closeFrame().code == 4001)
            // The refused attempt changed nothing: the owner still resumes.
            let owner = try await Self.resume(handoff, on: server)
            _ = try await owner.nextRender()
            #expect(owner.dom?.element(id: "count")?.textContent == "1")
        }
    }

    @Test("a replayed resume is refused: the first one rotated the secret in the store")
    func replayedResumeIsRefused() async throws {
        let store = MemoryCircuitStore()
        let handoff = try await Self.handOff(store, clicks: 1, draft: "x")
        try await withDemoServer(configure: Self.durable(store)) { server in
            let first = try await Self.resume(handoff, on: server)
            _ = try await first.nextRender()
            let rotated = try #require(first.configuration?["secret"]?.stringValue)
            #expect(await store.load(id: handoff.id, now: Date())?.secretHash == CircuitSecret.hash(of: rotated, boundTo: .anonymous))
        }
        // A third process: the old secret is refused there too.
        try await withDemoServer(configure: Self.durable(store)) { server in
            let replay = try await server.connect()
            try await replay.send(["resume", .string(handoff.id), .string(handoff.secret), .number(handoff.lastBatch)])
            _ = try await replay.next(kind: "rejected")
        }
    }

    static func node(_ name: String, _ store: any CircuitStore) -> (inout TetherApp) -> Void {
        { app in
            durable(store)(&app)
            app.persistence.nodeName = name
        }
    }

    @Test("a stale node that comes back gives way: the page's resume there takes the other node's state")
    func staleNodeGivesWayOnResume() async throws {
        let store = MemoryCircuitStore()
        try await withDemoServer(configure: Self.node("node-a", store)) { nodeA in
            // Node A holds the circuit, retained after its socket dropped.
            let handoff = try await Self.leaveState(on: nodeA, store: store, clicks: 2, draft: "on a")
            try await withDemoServer(configure: Self.node("node-b", store)) { nodeB in
                // The page's socket reached node B meanwhile (A was unreachable): B took it over.
                let onB = try await Self.resume(handoff, on: nodeB)
                _ = try await onB.nextRender()
                try await onB.click(id: "increment")
                try await onB.renders(until: "the count is 3") { $0.element(id: "count")?.textContent == "3" }
                let secretFromB = try #require(onB.configuration?["secret"]?.stringValue)
                try await Self.waitUntilSaved(store, id: handoff.id) { $0.contains(#""count":3"#) }
                #expect(await store.load(id: handoff.id, now: Date())?.ownerNode == "node-b")
                await onB.close()

                // Back on A, which still holds its stale copy at count 2.
                let backOnA = try await nodeA.connect(dom: handoff.page.dom)
                try await backOnA.send(["resume", .string(handoff.id), .string(secretFromB), .number(onB.lastBatch)])
                _ = try await backOnA.nextRender()
                #expect(backOnA.configuration?["restored"] == true, "A rebuilt the circuit from the store, not from its stale copy")
                #expect(backOnA.dom?.element(id: "count")?.textContent == "3")
                #expect(await store.load(id: handoff.id, now: Date())?.ownerNode == "node-a")

                // The secret A's stale copy knew resumes nothing anywhere.
                let replay = try await nodeA.connect()
                try await replay.send(["resume", .string(handoff.id), .string(handoff.secret), .number(handoff.lastBatch)])
                _ = try await replay.next(kind: "rejected")
            }
        }
    }

    @Test("a node that lost a circuit to another does not overwrite its row, and ends its stale copy")
    func staleNodeDoesNotOverwrite() async throws {
        let store = MemoryCircuitStore()
        try await withDemoServer(configure: Self.node("node-a", store)) { nodeA in
            // A's page stays connected, as through a partition A does not notice.
            let (onA, page) = try await nodeA.startCircuit("/durable")
            try await onA.click(id: "increment")
            try await onA.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            let id = try #require(onA.configuration?["circuitId"]?.stringValue)
            let secret = try #require(onA.configuration?["secret"]?.stringValue)
            try await Self.waitUntilSaved(store, id: id) { $0.contains(#""count":1"#) }
            try await withDemoServer(configure: Self.node("node-b", store)) { nodeB in
                let onB = try await nodeB.connect(dom: page.dom)
                try await onB.send(["resume", .string(id), .string(secret), .number(onA.lastBatch)])
                _ = try await onB.nextRender()
                try await onB.click(id: "increment")
                try await onB.renders(until: "the count is 2 on B") { $0.element(id: "count")?.textContent == "2" }
                try await Self.waitUntilSaved(store, id: id) { $0.contains(#""count":2"#) }

                // A's copy changes and tries to save: B's row stays, and A ends its copy.
                for _ in 0..<3 { try await onA.click(id: "increment") }
                #expect(try await onA.closeFrame().code == 4002, "A closed the socket of its stale copy as replaced")
                let row = try #require(await store.load(id: id, now: Date()))
                #expect(row.ownerNode == "node-b")
                #expect(String(decoding: row.snapshot, as: UTF8.self).contains(#""count":2"#))
                try await onB.click(id: "increment")
                try await onB.renders(until: "B goes on") { $0.element(id: "count")?.textContent == "3" }
            }
        }
    }

    @Test("a last batch no number can follow is refused, not trapped on")
    func extremeLastBatch() async throws {
        let store = MemoryCircuitStore()
        let handoff = try await Self.handOff(store, clicks: 1, draft: "x")
        try await withDemoServer(configure: Self.durable(store)) { server in
            for lastBatch in [JSONValue.number(Int.max), .number(-5)] {
                let client = try await server.connect()
                try await client.send(["resume", .string(handoff.id), .string(handoff.secret), lastBatch])
                _ = try await client.next(kind: "rejected")
            }
        }
    }

    @Test("pause saves the circuit, frees it and closes with 4006; a resume rebuilds it on the same server")
    func pauseAndResume() async throws {
        let store = MemoryCircuitStore()
        try await withDemoServer(configure: Self.durable(store)) { server in
            let (client, page) = try await server.startCircuit("/durable")
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            let id = try #require(client.configuration?["circuitId"]?.stringValue)
            let secret = try #require(client.configuration?["secret"]?.stringValue)
            try await client.send(["pause"])
            #expect(try await client.closeFrame().code == 4006)
            #expect(await store.load(id: id, now: Date()) != nil)

            let again = try await server.connect(dom: page.dom)
            try await again.send(["resume", .string(id), .string(secret), .number(client.lastBatch)])
            _ = try await again.nextRender()
            #expect(again.configuration?["restored"] == true, "a paused circuit is rebuilt from the store, not found in memory")
            #expect(again.dom?.element(id: "count")?.textContent == "1")
        }
    }

    @Test("many pauses at once are all saved and closed: concurrent writes wait their turn and never stall the persister")
    func concurrentPauses() async throws {
        let store = MemoryCircuitStore()
        try await withDemoServer(configure: Self.durable(store)) { server in
            var clients: [ProtocolTestClient] = []
            for _ in 0..<20 { clients.append(try await server.startCircuit("/durable").client) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in clients { group.addTask { try await client.send(["pause"]) } }
                try await group.waitForAll()
            }
            for client in clients { #expect(try await client.closeFrame().code == 4006) }
            #expect(await store.count == 20)
            // The persister still works after them: a new circuit is saved.
            let (late, _) = try await server.startCircuit("/durable")
            let id = try #require(late.configuration?["circuitId"]?.stringValue)
            try await Self.waitUntilSaved(store, id: id) { _ in true }
        }
    }

    @Test("the end beacon deletes a saved circuit only with its secret")
    func endBeacon() async throws {
        let store = MemoryCircuitStore()
        try await withDemoServer(configure: Self.durable(store)) { server in
            let (client, _) = try await server.startCircuit("/durable")
            let id = try #require(client.configuration?["circuitId"]?.stringValue)
            let secret = try #require(client.configuration?["secret"]?.stringValue)
            try await client.send(["pause"])
            _ = try await client.closeFrame()

            let wrong = try await server.post("/_tether/circuit/end", body: #"{"id":"\#(id)","secret":"nope"}"#)
            #expect(wrong == .notFound)
            #expect(await store.load(id: id, now: Date()) != nil)
            #expect(try await server.post("/_tether/circuit/end", body: "not json") == .badRequest)
            let right = try await server.post("/_tether/circuit/end", body: #"{"id":"\#(id)","secret":"\#(secret)"}"#)
            #expect(right == .noContent)
            #expect(await store.load(id: id, now: Date()) == nil)
        }
    }

    @Test("a page that ends its circuit deletes its saved copy")
    func endDeletesTheRow() async throws {
        let store = MemoryCircuitStore()
        try await withDemoServer(configure: Self.durable(store)) { server in
            let (client, _) = try await server.startCircuit("/durable")
            let id = try #require(client.configuration?["circuitId"]?.stringValue)
            try await Self.waitUntilSaved(store, id: id) { _ in true }
            await client.end()
            let deadline = ContinuousClock.now + .seconds(5)
            while await store.load(id: id, now: Date()) != nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(await store.load(id: id, now: Date()) == nil)
        }
    }

    @Test("a corrupt row and a row of an unknown format start the page fresh")
    func unreadableRowsStartFresh() async throws {
        for (snapshot, version) in [(Array("{not json".utf8), ComponentStates.formatVersion), (Array(#"{"components":{}}"#.utf8), 99)] {
            let store = MemoryCircuitStore()
            let handoff = try await Self.handOff(store, clicks: 2, draft: "x")
            var record = try #require(await store.load(id: handoff.id, now: Date()))
            record.snapshot = snapshot
            record.formatVersion = version
            await store.save([record])
            try await withDemoServer(configure: Self.durable(store)) { server in
                let client = try await Self.resume(handoff, on: server)
                _ = try await client.nextRender()
                #expect(client.dom?.element(id: "count")?.textContent == "0")
                #expect(client.dom?.element(id: "started-from")?.textContent == "fresh")
                try await client.click(id: "increment")
                try await client.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            }
        }
    }

    @Test("a snapshot over maxSnapshotBytes is not written")
    func oversizeSnapshotIsNotWritten() async throws {
        let store = MemoryCircuitStore()
        try await withDemoServer(configure: { app in
            Self.durable(store)(&app)
            app.persistence.maxSnapshotBytes = 40
        }) { server in
            let (client, _) = try await server.startCircuit("/durable")
            try await client.input(id: "draft", value: String(repeating: "long ", count: 20))
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            try await Task.sleep(for: .milliseconds(200))
            #expect(await store.count == 0)
        }
    }

    @Test("a store that fails never stops events; what waits is written once it recovers")
    func failingStore() async throws {
        let store = FlakyStore()
        store.failing.withLock { $0 = true }
        try await withDemoServer(configure: Self.durable(store)) { server in
            let (client, _) = try await server.startCircuit("/durable")
            for n in 1...5 {
                try await client.click(id: "increment")
                try await client.renders(until: "the count is \(n)") { $0.element(id: "count")?.textContent == "\(n)" }
            }
            let tried = ContinuousClock.now + .seconds(5)
            while store.attempts.withLock({ $0 }) < 2, ContinuousClock.now < tried { try await Task.sleep(for: .milliseconds(10)) }
            #expect(store.attempts.withLock { $0 } >= 2, "the persister must have tried, and tried again")
            #expect(store.saved.withLock { $0.isEmpty })
            // Events go on while the store is down.
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 6") { $0.element(id: "count")?.textContent == "6" }
            store.failing.withLock { $0 = false }
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline, !(store.saved.withLock { $0.values.contains { String(decoding: $0.snapshot, as: UTF8.self).contains("\"count\":6") } }) {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(store.saved.withLock { $0.values.contains { String(decoding: $0.snapshot, as: UTF8.self).contains("\"count\":6") } })
        }
    }
}

/// A store whose writes fail while `failing` is set.
final class FlakyStore: CircuitStore {
    let failing = Mutex(false)
    let attempts = Mutex(0)
    let saved = Mutex<[String: CircuitRecord]>([:])

    struct Down: Error {}

    func save(_ records: [CircuitRecord]) async throws -> Set<String> {
        attempts.withLock { $0 += 1 }
        if failing.withLock({ $0 }) { throw Down() }
        saved.withLock { for record in records { $0[record.id] = record } }
        return []
    }
    func load(id: String, now: Date) async throws -> CircuitRecord? { saved.withLock { $0[id] } }
    func replaceSecret(id: String, expected: [UInt8], with new: [UInt8], owner: String, now: Date) async throws -> Bool { false }
    func delete(id: String) async throws { _ = saved.withLock { $0.removeValue(forKey: id) } }
    func deleteExpired(now: Date) async throws -> Int { 0 }
    func close() async {}
}
