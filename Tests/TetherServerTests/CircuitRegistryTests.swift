import Foundation
import Logging
import NIOEmbedded
import Testing
import TetherInterop
@testable import TetherServer
import TetherUI

/// Retention and descriptor bookkeeping of the registry, without sockets.
@Suite("CircuitRegistry: retention per client address, single-use descriptors")
struct CircuitRegistryTests {
    final class Blank: Page {
        static let route = "/"
        var body: Content { p { "" } }
    }

    func circuit(_ id: String) -> Circuit {
        Circuit(id: id, channel: InteropChannel(outbox: nil), transport: CircuitTransport(), pages: CircuitPages(server: PageRouter([Blank.self]), notFound: Blank.self), logger: Logger(label: "test"))
    }

    func open(_ registry: CircuitRegistry, _ id: String, client: String) async throws -> Circuit {
        let circuit = circuit(id)
        _ = try #require(await registry.admit(client: client))
        await registry.register(circuit, secret: CircuitSecret(), client: client, socket: nil)
        return circuit
    }

    func open(_ registry: CircuitRegistry, _ id: String, client: String, secret: CircuitSecret) async throws -> Circuit {
        let circuit = circuit(id)
        _ = try #require(await registry.admit(client: client))
        await registry.register(circuit, secret: secret, client: client, socket: nil)
        return circuit
    }

    /// A socket for `resume`; nothing is sent on it in these tests.
    func socket() -> WebSocketOutbox {
        WebSocketOutbox(channel: EmbeddedChannel(), close: { _ in })
    }

    /// True when the registry still holds the circuit: it resumes with its current secret. The
    /// secret rotates, so the new one is handed back for the next check.
    func resumes(_ registry: CircuitRegistry, _ id: String, secret: inout String) async -> Bool {
        guard let resumed = await registry.resume(id: id, secret: secret, session: .anonymous, socket: socket()) else { return false }
        secret = resumed.secret
        return true
    }

    @Test("the README's retention defaults: 100 circuits, 20 per client address, for 3 minutes")
    func retentionDefaults() {
        let limits = CircuitLimits()
        #expect(limits.retention == .seconds(180))
        #expect(limits.maxRetainedCircuits == 100)
        #expect(limits.maxRetainedCircuitsPerClient == 20)
    }

    @Test("a disconnected circuit is removed once the retention period has passed, not before; a resumed one stays")
    func retentionExpires() async throws {
        var limits = CircuitLimits()
        // Short, but long enough that the resume below comes inside it on a loaded machine.
        limits.retention = .seconds(1)
        let registry = CircuitRegistry(limits: limits, logger: Logger(label: "test"))
        let goneSecret = CircuitSecret()
        let gone = try await open(registry, "gone", client: "10.0.0.1", secret: goneSecret)
        let backSecret = CircuitSecret()
        let back = try await open(registry, "back", client: "10.0.0.2", secret: backSecret)

        let dropped = ContinuousClock.now
        #expect(await registry.disconnected(gone, connection: 0))
        #expect(await registry.disconnected(back, connection: 0))
        #expect(await registry.retainedCount == 2)
        var backCurrent = backSecret.value
        #expect(await resumes(registry, "back", secret: &backCurrent), "resumed well inside its retention")
        #expect(await registry.liveCount == 1)
        #expect(await registry.retainedCount == 1)

        // Polled, with a bound far past the retention period: on a loaded 2-core machine the
        // parallel suites can keep the expiry task from running for seconds. A passing run stops
        // polling as soon as the circuit is gone.
        var removedAfter: Duration?
        while ContinuousClock.now - dropped < .seconds(60) {
            if await registry.count(for: "10.0.0.1") == 0 {
                removedAfter = ContinuousClock.now - dropped
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let after = try #require(removedAfter, "the disconnected circuit was still held 60 s after it dropped")
        #expect(after >= .seconds(1), "removed after \(after), before its retention ran out")
        #expect(await registry.retainedCount == 0)
        var goneCurrent = goneSecret.value
        #expect(await !resumes(registry, "gone", secret: &goneCurrent), "an expired circuit cannot be resumed")

        // The resumed circuit's expiry was cancelled: well past its old deadline it is still held.
        try await Task.sleep(until: dropped.advanced(by: .milliseconds(1500)), clock: .continuous)
        #expect(await registry.count(for: "10.0.0.2") == 1)
        #expect(await registry.liveCount == 1)
        #expect(await resumes(registry, "back", secret: &backCurrent))
        await registry.shutdown(reason: "test over")
    }

    @Test("past maxRetainedCircuits the oldest circuit of the address holding the most is evicted")
    func globalRetentionLimit() async throws {
        var limits = CircuitLimits()
        limits.maxRetainedCircuits = 3
        let registry = CircuitRegistry(limits: limits, logger: Logger(label: "test"))
        var secrets: [String: String] = [:]
        func retain(_ id: String, client: String) async throws {
            let secret = CircuitSecret()
            secrets[id] = secret.value
            let circuit = try await open(registry, id, client: client, secret: secret)
            #expect(await registry.disconnected(circuit, connection: 0))
        }
        // b1 is the oldest of all; a1 the oldest of address a, which holds the most.
        try await retain("b1", client: "10.0.0.2")
        try await retain("a1", client: "10.0.0.1")
        try await retain("a2", client: "10.0.0.1")
        #expect(await registry.retainedCount == 3, "three fit")
        try await retain("c1", client: "10.0.0.3")
        #expect(await registry.retainedCount == 3)
        #expect(await registry.count(for: "10.0.0.1") == 1)
        #expect(await registry.count(for: "10.0.0.2") == 1)
        #expect(await registry.count(for: "10.0.0.3") == 1)
        var a1 = secrets["a1"]!, a2 = secrets["a2"]!, b1 = secrets["b1"]!, c1 = secrets["c1"]!
        #expect(await !resumes(registry, "a1", secret: &a1), "a1, the oldest of the heaviest address, was evicted")
        #expect(await resumes(registry, "a2", secret: &a2))
        #expect(await resumes(registry, "b1", secret: &b1), "the oldest overall belongs to an address with one")
        #expect(await resumes(registry, "c1", secret: &c1))
        await registry.shutdown(reason: "test over")
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
