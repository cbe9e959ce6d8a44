import Foundation

/// Where circuits are saved so that a page can resume its circuit on a process that has never
/// seen it: after a restart, a deploy, a crash, or a pause.
///
/// Tether ships three: ``MemoryCircuitStore`` for tests, ``SQLiteCircuitStore`` (a file, the
/// default of `TetherApp.run`), and `PostgresCircuitStore` in the `TetherPostgres` product, for
/// several nodes. Every one passes the same contract tests.
///
/// A store never sees a circuit's secret, only its SHA-256 (``CircuitRecord/secretHash``), so a
/// leaked table resumes nothing. Implementations must be safe to call from many tasks at once.
public protocol CircuitStore: Sendable {
    /// Inserts or replaces each record, by id, in one transaction where the store has them, and
    /// returns the ids it left alone: those whose row another node owns now (its `ownerNode`
    /// differs, and it has not expired). That node resumed the circuit from the store, so the
    /// copy saving here is stale and must not overwrite it.
    @discardableResult
    func save(_ records: [CircuitRecord]) async throws -> Set<String>
    /// The record with this id, or nil when there is none or it expired before `now`.
    func load(id: String, now: Date) async throws -> CircuitRecord?
    /// Replaces the secret hash and the owner of a record, only if its hash is still `expected`:
    /// false when it is not (another node resumed it first) or the record is gone or expired.
    /// A resume rotates the secret, so an old one is refused from then on, on every node.
    func replaceSecret(id: String, expected: [UInt8], with new: [UInt8], owner: String, now: Date) async throws -> Bool
    /// Deletes the record with this id; deleting one that does not exist is not an error.
    func delete(id: String) async throws
    /// Deletes every record that expired before `now`, and says how many.
    func deleteExpired(now: Date) async throws -> Int
    /// Releases the store's connections; called once, when the app stops.
    func close() async
    /// Records that `node` signs prerender descriptors with the key whose fingerprint is
    /// `keyFingerprint` (``DescriptorSigner/keyFingerprint``), and that it is alive. Tether calls
    /// it when the store opens, and again now and then while the app runs. A store that several
    /// nodes share throws ``DescriptorSigner/KeyError/differsFromOtherNodes(node:fingerprint:others:)``
    /// when a live node signs with another key, and does not record this one: pages rendered by
    /// one node would be refused by the other, so the app fails at start instead. The default,
    /// for a store of one process, records nothing.
    func register(node: String, keyFingerprint: String) async throws
}

extension CircuitStore {
    /// Records nothing: only a store shared by several nodes needs to compare their keys.
    public func register(node: String, keyFingerprint: String) async throws {}
}

/// One saved circuit: a row of the store.
public struct CircuitRecord: Sendable, Equatable {
    /// The circuit's public id, the key.
    public var id: String
    /// SHA-256 of the circuit's current secret (32 bytes); never the secret.
    public var secretHash: [UInt8]
    /// The URL the page shows: the circuit is rebuilt from it and its route values.
    public var url: String
    /// The components' persisted state, as JSON: each mounted component's persisted values by
    /// its place in the page and their names, `{"components": {"Notes": {"draft": "milk"}}}`.
    public var snapshot: [UInt8]
    /// The snapshot's format; a process refuses formats it does not know.
    public var formatVersion: Int
    /// The node that holds the circuit live, or held it last.
    public var ownerNode: String
    /// After this the record is gone: `load` does not return it and `deleteExpired` removes it.
    /// The file and database stores keep it to the millisecond.
    public var expiresAt: Date

    /// A record with every field given; a store rebuilds one from its row this way.
    public init(id: String, secretHash: [UInt8], url: String, snapshot: [UInt8], formatVersion: Int, ownerNode: String, expiresAt: Date) {
        self.id = id
        self.secretHash = secretHash
        self.url = url
        self.snapshot = snapshot
        self.formatVersion = formatVersion
        self.ownerNode = ownerNode
        self.expiresAt = expiresAt
    }
}

/// A store that keeps records in this process's memory: for tests, and for an app that wants
/// pause and resume without surviving a restart.
public actor MemoryCircuitStore: CircuitStore {
    private var records: [String: CircuitRecord] = [:]

    /// An empty store.
    public init() {}

    /// How many records the store holds, expired ones included.
    public var count: Int { records.count }

    @discardableResult
    public func save(_ records: [CircuitRecord]) -> Set<String> {
        var ownedElsewhere: Set<String> = []
        let now = Date()
        for record in records {
            if let existing = self.records[record.id], existing.ownerNode != record.ownerNode, existing.expiresAt > now {
                ownedElsewhere.insert(record.id)
                continue
            }
            self.records[record.id] = record
        }
        return ownedElsewhere
    }

    public func load(id: String, now: Date) -> CircuitRecord? {
        guard let record = records[id], record.expiresAt > now else { return nil }
        return record
    }

    public func replaceSecret(id: String, expected: [UInt8], with new: [UInt8], owner: String, now: Date) -> Bool {
        guard var record = records[id], record.expiresAt > now, record.secretHash == expected else { return false }
        record.secretHash = new
        record.ownerNode = owner
        records[id] = record
        return true
    }

    public func delete(id: String) {
        records.removeValue(forKey: id)
    }

    public func deleteExpired(now: Date) -> Int {
        let expired = records.values.filter { $0.expiresAt <= now }.map(\.id)
        for id in expired { records.removeValue(forKey: id) }
        return expired.count
    }

    public func close() {}
}
