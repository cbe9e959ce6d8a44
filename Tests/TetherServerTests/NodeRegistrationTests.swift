import DemoApp
import Foundation
import Logging
import Synchronization
import Testing
import TetherInterop
import TetherServer

/// A store that several nodes share compares their signing keys when each opens it
/// (`CircuitStore.register`): a node whose key differs must not start.
@Suite("Node registration with the circuit store")
struct NodeRegistrationTests {
    /// A memory store that records each registration, and refuses every one when `refusal` is set.
    final class RegisteringStore: CircuitStore {
        let records = MemoryCircuitStore()
        let refusal: DescriptorSigner.KeyError?
        private let calls = Mutex<[String]>([])
        var registrations: [String] { calls.withLock { $0 } }

        init(refusing refusal: DescriptorSigner.KeyError? = nil) { self.refusal = refusal }

        func register(node: String, keyFingerprint: String) async throws {
            calls.withLock { $0.append("\(node) \(keyFingerprint)") }
            if let refusal { throw refusal }
        }
        func save(_ records: [CircuitRecord]) async throws -> Set<String> { await self.records.save(records) }
        func load(id: String, now: Date) async throws -> CircuitRecord? { await records.load(id: id, now: now) }
        func replaceSecret(id: String, expected: [UInt8], with new: [UInt8], owner: String, now: Date) async throws -> Bool {
            await records.replaceSecret(id: id, expected: expected, with: new, owner: owner, now: now)
        }
        func delete(id: String) async throws { await records.delete(id: id) }
        func deleteExpired(now: Date) async throws -> Int { await records.deleteExpired(now: now) }
        func close() async {}
    }

    private static func app(_ store: RegisteringStore, signer: DescriptorSigner) -> TetherApp {
        var app = DemoApp.make()
        app.signer = signer
        app.persistence.storage = .store(store)
        app.persistence.nodeName = "node-b"
        app.logger.logLevel = .critical
        return app
    }

    @Test("a node whose key differs from a live node's fails at start with the store's error")
    func mismatchFailsTheStart() async throws {
        let mismatch = DescriptorSigner.KeyError.differsFromOtherNodes(node: "node-b", fingerprint: "bbbb", others: ["node-a": "aaaa"])
        let store = RegisteringStore(refusing: mismatch)
        let signer = DescriptorSigner(key: Array(0..<32))
        let service = TetherService(Self.app(store, signer: signer))
        let ended = OneShot<Void>()
        let running = Task {
            do {
                try await service.run()
                ended.fulfill(.success(()))
            } catch {
                ended.fulfill(.failure(error))
            }
        }
        defer { running.cancel() }
        // A service that started would wait for a graceful shutdown: the timeout fails the test
        // rather than hanging it.
        do {
            try await ended.value(timeout: .seconds(10), "the service to refuse to start")
            Issue.record("the service started despite the key mismatch")
        } catch let error as DescriptorSigner.KeyError {
            #expect(error == mismatch)
        }
        #expect(store.registrations == ["node-b \(signer.keyFingerprint)"])
    }

    @Test("a node the store accepts registers its name and its key's fingerprint once it opens the store, and serves")
    func acceptedNodeRegisters() async throws {
        let store = RegisteringStore()
        let signer = DescriptorSigner(key: Array(0..<32))
        let configure: (inout TetherApp) -> Void = { app in
            app = Self.app(store, signer: signer)
            app.limits.allowedOrigins.insert(testClientOrigin)
        }
        try await withDemoServer(configure: configure) { server in
            let (client, _) = try await server.startCircuit("/durable")
            try await client.click(id: "increment")
            try await client.renders(until: "the count is 1") { $0.element(id: "count")?.textContent == "1" }
            try await client.send(["pause"])
            #expect(try await client.closeFrame().code == 4006)
            #expect(store.registrations == ["node-b \(signer.keyFingerprint)"])
        }
    }
}
