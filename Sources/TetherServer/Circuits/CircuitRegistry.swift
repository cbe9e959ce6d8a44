import Logging
import TetherInterop

/// The live circuits of one server, and the disconnected ones kept for a while so their pages can
/// resume them with state intact.
///
/// A disconnected circuit is kept for `CircuitLimits.retention`; past
/// `CircuitLimits.maxRetainedCircuits`, the longest-disconnected one is closed first.
actor CircuitRegistry {
    private struct Entry {
        let circuit: Circuit
        let secret: CircuitSecret
        let client: String
        /// Which socket serves the circuit now; a drop reported by an older one is ignored.
        var connection = 0
        var disconnectedSince: ContinuousClock.Instant?
        var expiry: Task<Void, Never>?
    }

    private var entries: [String: Entry] = [:]
    private var perClient: [String: Int] = [:]
    private let limits: CircuitLimits
    private let logger: Logger

    init(limits: CircuitLimits, logger: Logger) {
        self.limits = limits
        self.logger = logger
    }

    var liveCount: Int { entries.values.filter { $0.disconnectedSince == nil }.count }
    var retainedCount: Int { entries.values.filter { $0.disconnectedSince != nil }.count }

    /// How many circuits a client address holds now, connected or retained.
    func count(for client: String) -> Int {
        perClient[client, default: 0]
    }

    func register(_ circuit: Circuit, secret: CircuitSecret, client: String) {
        entries[circuit.id] = Entry(circuit: circuit, secret: secret, client: client)
        perClient[client, default: 0] += 1
    }

    /// The circuit for a resume, if the id is known and the secret matches, with the number of
    /// the new socket. A resume may come before the old socket's drop was noticed; the new socket
    /// wins, and the old one's drop is then ignored.
    func resume(id: String, secret: String) -> (Circuit, Int)? {
        guard var entry = entries[id], entry.secret.matches(secret) else { return nil }
        entry.expiry?.cancel()
        entry.expiry = nil
        entry.disconnectedSince = nil
        entry.connection += 1
        entries[id] = entry
        return (entry.circuit, entry.connection)
    }

    /// The socket dropped: keep the circuit for the retention period. False when a newer socket
    /// already serves the circuit.
    func disconnected(_ circuit: Circuit, connection: Int) async -> Bool {
        guard var entry = entries[circuit.id], entry.connection == connection else { return false }
        entry.disconnectedSince = .now
        let retention = limits.retention
        entry.expiry = Task { [weak self] in
            do { try await Task.sleep(for: retention) } catch { return }
            await self?.expire(circuit.id)
        }
        entries[circuit.id] = entry
        await evictOverflow()
        return true
    }

    /// The circuit ends for good.
    func remove(_ circuit: Circuit) async {
        guard let entry = entries.removeValue(forKey: circuit.id) else { return }
        perClient[entry.client, default: 1] -= 1
        if perClient[entry.client] == 0 { perClient.removeValue(forKey: entry.client) }
        entry.expiry?.cancel()
        await circuit.close()
    }

    private func expire(_ id: String) async {
        guard let entry = entries[id], entry.disconnectedSince != nil else { return }
        logger.info("disconnected circuit expired", metadata: ["circuit": "\(id)"])
        await remove(entry.circuit)
    }

    private func evictOverflow() async {
        let retained = entries.values.filter { $0.disconnectedSince != nil }
            .sorted { $0.disconnectedSince! < $1.disconnectedSince! }
        let excess = retained.count - limits.maxRetainedCircuits
        guard excess > 0 else { return }
        for entry in retained.prefix(excess) {
            logger.info("evicted a disconnected circuit: too many retained", metadata: ["circuit": "\(entry.circuit.id)"])
            await remove(entry.circuit)
        }
    }

    /// Tells every connected browser the server is going away, then closes every circuit.
    func shutdown(reason: String) async {
        for entry in entries.values {
            entry.expiry?.cancel()
            entry.circuit.channel.send(.shutdown(reason))
            await entry.circuit.close()
        }
        entries.removeAll()
        perClient.removeAll()
    }
}
