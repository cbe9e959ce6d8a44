import Foundation
import Logging
import Testing
import TetherInterop
@testable import TetherServer
import TetherUI

/// Retention and descriptor bookkeeping of the registry, without sockets.
@Suite("CircuitRegistry: retention per client address, single-use descriptors")
struct CircuitRegistryTests {
    final class Blank: Page {
        static let route = "/"
        required init() {}
        var body: Content { p { "" } }
    }

    func circuit(_ id: String) -> Circuit {
        Circuit(id: id, channel: InteropChannel(outbox: nil), pages: PageRouter([Blank.self]), notFound: Blank.self, logger: Logger(label: "test"))
    }

    func open(_ registry: CircuitRegistry, _ id: String, client: String) async throws -> Circuit {
        let circuit = circuit(id)
        _ = try #require(await registry.admit(client: client))
        await registry.register(circuit, secret: CircuitSecret(), client: client, socket: nil)
        return circuit
    }

    @Test("one address that opens and drops many circuits evicts its own, never another address's")
    func retentionPerClient() async throws {
        var limits = CircuitLimits()
        limits.maxRetainedCircuits = 10
        limits.maxRetainedCircuitsPerClient = 4
        let registry = CircuitRegistry(limits: limits, logger: Logger(label: "test"))
        let victim = try await open(registry, "victim", client: "10.0.0.1")
        #expect(await registry.disconnected(victim, connection: 0))
        for i in 0..<150 {
            let dropped = try await open(registry, "attacker-\(i)", client: "10.0.0.2")
            #expect(await registry.disconnected(dropped, connection: 0))
        }
        #expect(await registry.retainedCount == 5, "the victim's one and the attacker's last four")
        #expect(await registry.count(for: "10.0.0.2") == 4)
        #expect(await registry.count(for: "10.0.0.1") == 1)

        // Across many addresses the global bound evicts from whichever holds the most.
        for i in 0..<3 {
            for j in 0..<4 {
                let other = try await open(registry, "other-\(i)-\(j)", client: "10.0.1.\(i)")
                _ = await registry.disconnected(other, connection: 0)
            }
        }
        #expect(await registry.retainedCount == 10)
        #expect(await registry.count(for: "10.0.0.1") == 1, "the address with one is the last to give it up")
    }

    @Test("a descriptor is claimed once; claims are forgotten when they expire")
    func ledger() {
        var ledger = DescriptorLedger()
        let now = Date()
        let soon = Int(now.timeIntervalSince1970) + 60
        let claims = [
            ledger.claim(nonce: "a", expires: soon, now: now), ledger.claim(nonce: "a", expires: soon, now: now),
            ledger.claim(nonce: "b", expires: soon, now: now),
        ]
        #expect(claims == [true, false, true])
        let later = now.addingTimeInterval(120)
        let afterExpiry = ledger.claim(nonce: "c", expires: Int(later.timeIntervalSince1970) + 60, now: later)
        #expect(afterExpiry)
        #expect(ledger.count == 1, "a and b expired and were pruned")
    }
}
