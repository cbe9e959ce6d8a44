import Crypto
import Foundation
import Logging
import Synchronization
import TetherInterop
import TetherUI

/// Saves the circuits of one process to its store, and finds saved ones for a resume.
///
/// Events never wait for it: a render only marks its circuit changed, and a loop writes every
/// changed circuit once per `persistInterval`, in one batch. A circuit whose snapshot is the same
/// as the last one written is not written again (until half its expiry has passed). While the
/// store is down, the latest snapshot of each circuit waits, up to `maxQueuedWrites`, and the
/// circuits keep working in memory.
actor CircuitPersister {
    private let openStore: @Sendable () async throws -> any CircuitStore
    private var store: (any CircuitStore)?
    let options: CircuitPersistence
    private let logger: Logger
    private let warnings: RefusalLog

    /// Circuits whose render may have changed persisted state since their last capture.
    private nonisolated let changed = Mutex<Set<String>>([])
    private var circuits: [String: Circuit] = [:]
    /// What was last written for each circuit, so an unchanged snapshot is not written again.
    private var written: [String: (fingerprint: [UInt8], at: ContinuousClock.Instant)] = [:]
    /// Records captured and not yet written, the latest of each circuit, with its fingerprint.
    private var pending: [String: (record: CircuitRecord, fingerprint: [UInt8])] = [:]
    private var writing: Task<Bool, Never>?
    /// Keys and circuits already warned about, so a warning repeats neither per tick nor per circuit.
    private var warned: Set<String> = []
    private var loop: Task<Void, Never>?
    /// Told of circuits whose rows another node owns now, so this stale copy ends: set once by
    /// the registry that owns the circuits.
    nonisolated let movedAway = Mutex<(@Sendable (Set<String>) async -> Void)?>(nil)

    /// The fingerprint of this node's descriptor signing key, which the store compares with the
    /// other nodes' (`CircuitStore.register`).
    private let keyFingerprint: String
    /// Tells the store, now and then, that this node is still alive with its key.
    private var heartbeat: Task<Void, Never>?

    init(
        options: CircuitPersistence, keyFingerprint: String = "", logger: Logger,
        openStore: @escaping @Sendable () async throws -> any CircuitStore
    ) {
        self.options = options
        self.keyFingerprint = keyFingerprint
        self.logger = logger
        self.openStore = openStore
        warnings = RefusalLog(logger: logger)
    }

    /// A persister for `storage`, or nil when circuits are not saved.
    static func make(_ persistence: CircuitPersistence, automatic: CircuitStorage, keyFingerprint: String, logger: Logger) -> CircuitPersister? {
        let storage: CircuitStorage
        if case .automatic = persistence.storage { storage = automatic } else { storage = persistence.storage }
        switch storage {
        case .automatic, .none:
            return nil
        case .sqlite(let path):
            return CircuitPersister(options: persistence, keyFingerprint: keyFingerprint, logger: logger) {
                try await SQLiteCircuitStore(path: path, logger: logger)
            }
        case .store(let store):
            return CircuitPersister(options: persistence, keyFingerprint: keyFingerprint, logger: logger) { store }
        }
    }

    // MARK: Tracking circuits

    /// Called after every render: cheap, since it only notes the id for the next tick.
    nonisolated func markChanged(_ id: String) {
        _ = changed.withLock { $0.insert(id) }
    }

    func track(_ circuit: Circuit) {
        circuits[circuit.id] = circuit
        if loop == nil { loop = Task { await self.runLoop() } }
    }

    /// The circuit left this process. When `forget`, its page is closed for good and its row is
    /// deleted too; otherwise the row stays to be resumed (an expired or evicted circuit, a pause).
    func untrack(_ id: String, forget: Bool) async {
        circuits.removeValue(forKey: id)
        // A paused or evicted circuit keeps nothing here: its next capture, after a resume,
        // writes anew.
        written.removeValue(forKey: id)
        guard forget else { return }
        pending.removeValue(forKey: id)
        _ = changed.withLock { $0.remove(id) }
        await waitForWrite()
        do {
            try await currentStore().delete(id: id)
        } catch {
            warnings.refused("could not delete a saved circuit", reason: "\(error)", level: .warning)
        }
    }

    // MARK: Writing

    private func runLoop() async {
        var lastPrune = ContinuousClock.now
        while !Task.isCancelled {
            do { try await Task.sleep(for: options.persistInterval) } catch { return }
            let ids = changed.withLock { ids in
                defer { ids.removeAll(keepingCapacity: true) }
                return ids
            }
            await capture(ids.compactMap { circuits[$0] }, force: false)
            _ = await writePending()
            if ContinuousClock.now - lastPrune > .seconds(60) {
                lastPrune = .now
                await pruneExpired()
            }
        }
    }

    /// Captures these circuits now and writes them with whatever else waits; true when all of it
    /// reached the store. For a dropped socket, a pause and a drain.
    @discardableResult
    func persistNow(_ circuits: [Circuit]) async -> Bool {
        let captured = await capture(circuits, force: true)
        return await writePending() && captured
    }

    /// Takes the circuits' snapshots and queues each that differs from what was last written.
    /// False when one had nothing to save (it has not rendered, or it is too large).
    @discardableResult
    private func capture(_ circuits: [Circuit], force: Bool) async -> Bool {
        // Each capture runs on its own circuit, and the encoding and hashing beside it, all at
        // once: one after another, thousands of circuits took longer than the interval.
        let limit = options.maxSnapshotBytes
        let snapshots = await withTaskGroup(of: Snapshot?.self, returning: [Snapshot?].self) { group in
            for circuit in circuits { group.addTask { await Snapshot.take(of: circuit, maxBytes: limit) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        var complete = snapshots.count == circuits.count
        for snapshot in snapshots {
            guard let snapshot else {
                complete = false
                continue
            }
            complete = queue(snapshot, force: force) && complete
        }
        return complete
    }

    private func queue(_ snapshot: Snapshot, force: Bool) -> Bool {
        for problem in snapshot.problems { warnOnce("persist:" + problem.key, "a persisted value was left out of the snapshot", problem.description) }
        if let tooLarge = snapshot.tooLarge {
            warnOnce(
                "size:" + snapshot.id, "a circuit's snapshot is too large to save",
                "\(tooLarge.bytes) bytes, over maxSnapshotBytes (\(options.maxSnapshotBytes)); the largest component is "
                    + "\(tooLarge.largest.map { "'\($0.place)' with \($0.bytes) bytes" } ?? "unknown")",
                metadata: circuits[snapshot.id]?.channel.telemetry.metadata ?? [:])
            return false
        }
        if !force, let last = written[snapshot.id], last.fingerprint == snapshot.fingerprint, ContinuousClock.now - last.at < options.expiry / 2 {
            return true
        }
        guard pending[snapshot.id] != nil || pending.count < options.maxQueuedWrites else {
            warnings.refused("dropped a snapshot", reason: "\(options.maxQueuedWrites) snapshots already wait for the store (maxQueuedWrites)", level: .warning)
            return false
        }
        let record = CircuitRecord(
            id: snapshot.id, secretHash: snapshot.secretHash, url: snapshot.url, snapshot: snapshot.bytes,
            formatVersion: ComponentStates.formatVersion, ownerNode: options.nodeName,
            expiresAt: Date() + TimeInterval(options.expiry.components.seconds))
        pending[snapshot.id] = (record, snapshot.fingerprint)
        return true
    }

    /// One circuit's state, encoded and fingerprinted away from the persister's actor.
    struct Snapshot: Sendable {
        let id: String
        let url: String
        let secretHash: [UInt8]
        let bytes: [UInt8]
        /// SHA-256 of everything the row holds that can change, to skip writing an unchanged one.
        let fingerprint: [UInt8]
        let problems: [PersistenceProblem]
        /// Set when the snapshot is over the limit: its size and its largest component.
        let tooLarge: (bytes: Int, largest: (place: String, bytes: Int)?)?

        static func take(of circuit: Circuit, maxBytes: Int) async -> Snapshot? {
            guard let captured = await circuit.captureForPersistence() else { return nil }
            let bytes = captured.states.serialized()
            let secretHash = circuit.secretHash
            var hasher = SHA256()
            hasher.update(data: Array(captured.url.utf8))
            hasher.update(data: [0])
            hasher.update(data: secretHash)
            hasher.update(data: bytes)
            let tooLarge = bytes.count > maxBytes ? (bytes.count, captured.states.sizesByPlace().first) : nil
            return Snapshot(
                id: circuit.id, url: captured.url, secretHash: secretHash, bytes: tooLarge == nil ? bytes : [],
                fingerprint: Array(hasher.finalize()), problems: captured.problems, tooLarge: tooLarge)
        }
    }

    /// Writes what waits, one batch at a time; false when the store refused it (it stays queued).
    private func writePending() async -> Bool {
        await waitForWrite()
        guard !pending.isEmpty else { return true }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        // The task ends only after its bookkeeping (`finishWrite`, which clears `writing`) has
        // run on the actor. Were `writing` cleared by this method after the task ended, a
        // `waitForWrite` resumed first would find the finished task still there, await its value
        // without suspending, and spin on the actor forever: two pauses at once did that.
        let write = Task { () -> Bool in
            var failure: (any Error)?
            var ownedElsewhere: Set<String> = []
            do {
                ownedElsewhere = try await self.currentStore().save(batch.values.map(\.record))
            } catch {
                failure = error
            }
            return self.finishWrite(batch: batch, failure: failure, ownedElsewhere: ownedElsewhere)
        }
        writing = write
        return await write.value
    }

    private func finishWrite(
        batch: [String: (record: CircuitRecord, fingerprint: [UInt8])], failure: (any Error)?, ownedElsewhere: Set<String>
    ) -> Bool {
        writing = nil
        if !ownedElsewhere.isEmpty { stopSaving(ownedElsewhere) }
        if let error = failure {
            PersistenceCounters.recordFailure()
            // Newer captures taken meanwhile win; the rest goes back in the queue.
            for (id, waiting) in batch where pending[id] == nil { pending[id] = waiting }
            warnings.refused("could not save circuits; they stay queued and keep working in memory", reason: "\(error)", level: .warning)
            return false
        }
        PersistenceCounters.recordWrite(rows: batch.count, snapshotBytes: batch.values.reduce(0) { $0 + $1.record.snapshot.count })
        let now = ContinuousClock.now
        for (id, written) in batch where !ownedElsewhere.contains(id) { self.written[id] = (written.fingerprint, now) }
        return true
    }

    /// Another node resumed these circuits from the store since this process last saved them:
    /// what this process holds is stale. It stops saving them, and the registry ends them.
    private func stopSaving(_ ids: Set<String>) {
        for id in ids {
            circuits.removeValue(forKey: id)
            written.removeValue(forKey: id)
            pending.removeValue(forKey: id)
        }
        changed.withLock { $0.subtract(ids) }
        logger.warning(
            "another node owns these saved circuits now; this process's copies are stale and end",
            metadata: ["circuits": "\(ids.sorted().prefix(8).joined(separator: ","))", "count": "\(ids.count)"])
        if let handler = movedAway.withLock({ $0 }) { Task { await handler(ids) } }
    }

    private func waitForWrite() async {
        // The task clears `writing` itself before it ends (`finishWrite`), so each turn of this
        // loop waits for a newer write, never the same finished one.
        while let running = writing { _ = await running.value }
    }

    private func pruneExpired() async {
        do {
            let removed = try await currentStore().deleteExpired(now: Date())
            if removed > 0 { logger.info("deleted expired saved circuits", metadata: ["count": "\(removed)"]) }
        } catch {
            warnings.refused("could not delete expired saved circuits", reason: "\(error)", level: .warning)
        }
    }

    // MARK: Resuming

    /// The saved circuit with this id, if its secret matches; waits for the store at most
    /// `storeTimeout`.
    func load(id: String, secret: String, session: SessionBinding) async throws(LoadError) -> CircuitRecord? {
        let record: CircuitRecord?
        do {
            record = try await withDeadline(options.storeTimeout) { try await self.currentStore().load(id: id, now: Date()) }
        } catch {
            throw .storeUnavailable("\(error)")
        }
        guard let record, CircuitSecret.constantTimeEqual(record.secretHash, CircuitSecret.hash(of: secret, boundTo: session)) else { return nil }
        return record
    }

    /// Moves a saved circuit to a new secret and to this node; false when another resume won.
    func claim(_ record: CircuitRecord, newSecretHash: [UInt8]) async throws(LoadError) -> Bool {
        do {
            return try await withDeadline(options.storeTimeout) {
                try await self.currentStore().replaceSecret(
                    id: record.id, expected: record.secretHash, with: newSecretHash, owner: self.options.nodeName, now: Date())
            }
        } catch {
            throw .storeUnavailable("\(error)")
        }
    }

    /// Deletes a saved circuit whose page closed for good, if the secret matches; true when
    /// there was one.
    func forgetSaved(id: String, secret: String, session: SessionBinding) async -> Bool {
        guard circuits[id] == nil, let record = try? await load(id: id, secret: secret, session: session) else { return false }
        do {
            try await currentStore().delete(id: record.id)
            return true
        } catch {
            warnings.refused("could not delete a saved circuit", reason: "\(error)", level: .warning)
            return false
        }
    }

    enum LoadError: Error, CustomStringConvertible {
        case storeUnavailable(String)

        var description: String {
            switch self {
            case .storeUnavailable(let reason): "the circuit store did not answer: \(reason)"
            }
        }
    }

    func warnOnce(_ key: String, _ message: Logger.Message, _ detail: String, metadata: Logger.Metadata = [:]) {
        guard warned.insert(key).inserted else { return }
        if warned.count > 10_000 { warned.removeAll() }
        warnings.refused(message, reason: detail, level: .warning, metadata: metadata)
    }

    // MARK: The store

    /// Opens the store now rather than at the first write, so a store that cannot be opened is
    /// reported when the server starts. Circuits still work without it; writes try again. Throws
    /// only when the store says another node signs with another key: this node must not serve.
    func prepare() async throws(DescriptorSigner.KeyError) {
        do {
            _ = try await withDeadline(options.storeTimeout) { try await self.currentStore() }
        } catch let mismatch as DescriptorSigner.KeyError {
            logger.critical("this node cannot join the others", metadata: ["error": "\(mismatch)"])
            throw mismatch
        } catch {
            logger.error("the circuit store could not be opened; circuits live in memory until it can", metadata: ["error": "\(error)"])
        }
        if heartbeat == nil { heartbeat = Task { await self.beat() } }
    }

    /// Keeps this node's word in the store fresh, so the other nodes count it alive.
    private func beat() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: CircuitPersistence.nodeHeartbeat) } catch { return }
            do {
                if let store {
                    try await store.register(node: options.nodeName, keyFingerprint: keyFingerprint)
                } else {
                    _ = try await currentStore()
                }
            } catch let mismatch as DescriptorSigner.KeyError {
                logger.error("the nodes sharing the circuit store sign with different keys", metadata: ["error": "\(mismatch)"])
            } catch {
                warnings.refused("could not tell the circuit store this node is alive", reason: "\(error)", level: .warning)
            }
        }
    }

    /// The store, opened on first use; callers that arrive while it opens wait for the same
    /// opening, and a failed opening is tried again by the next caller. A store is used only once
    /// it has recorded this node's key fingerprint without finding another.
    private func currentStore() async throws -> any CircuitStore {
        if let store { return store }
        if let opening { return try await opening.value }
        let attempt = Task { [openStore, node = options.nodeName, keyFingerprint] in
            let opened = try await openStore()
            try await opened.register(node: node, keyFingerprint: keyFingerprint)
            return opened
        }
        opening = attempt
        defer { opening = nil }
        let opened = try await attempt.value
        store = opened
        return opened
    }

    private var opening: Task<any CircuitStore, any Error>?

    func close() async {
        heartbeat?.cancel()
        loop?.cancel()
        await waitForWrite()
        await store?.close()
        store = nil
    }
}
