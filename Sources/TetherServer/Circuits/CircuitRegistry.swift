import Foundation
import Logging
import Synchronization
import TetherInterop
import TetherProtocol

/// The live circuits of one server, the disconnected ones kept for a while so their pages can
/// resume them with state intact, and what each client address holds.
///
/// A disconnected circuit is kept for `CircuitLimits.retention`. Past
/// `maxRetainedCircuitsPerClient`, the client's own oldest goes first; past
/// `maxRetainedCircuits`, the oldest of the client holding the most, so no address can push out
/// another's.
actor CircuitRegistry {
    private struct Entry {
        let circuit: Circuit
        var secret: CircuitSecret
        let client: String
        /// Which socket serves the circuit now; a drop reported by an older one is ignored.
        var connection = 0
        /// Closes the socket that serves the circuit now, when another one resumes it.
        var socket: WebSocketOutbox?
        var disconnectedSince: ContinuousClock.Instant?
        var expiry: Task<Void, Never>?
    }

    /// What one client address holds: its circuits and its memory budget.
    private struct Client {
        var circuits = 0
        let budget: MemoryBudget
    }

    private var entries: [String: Entry] = [:]
    private var clients: [String: Client] = [:]
    private var descriptors = DescriptorLedger()
    private let limits: CircuitLimits
    private let logger: Logger
    /// Saves circuits for resumes on other processes; nil when the app saves nothing.
    let persister: CircuitPersister?
    /// The app's metrics and tracer, made once for this server.
    let instruments: TetherInstruments
    /// Set once a drain began: resumes are turned away, so pages resume on the next process
    /// rather than on this one as it stops.
    private(set) var isDraining = false

    init(limits: CircuitLimits, persister: CircuitPersister? = nil, instruments: TetherInstruments = .disabled, logger: Logger) {
        self.limits = limits
        self.persister = persister
        self.instruments = instruments
        self.logger = logger
        persister?.movedAway.withLock { $0 = { [weak self] ids in await self?.endStaleCopies(ids) } }
    }

    /// Ends this process's copies of circuits another node took over: the page resumed there, and
    /// the row is that node's now. A socket still attached here is closed as replaced.
    func endStaleCopies(_ ids: Set<String>) async {
        for id in ids {
            guard let entry = entries[id] else { continue }
            entry.socket?.requestClose(.replaced)
            await remove(entry.circuit, forget: false, reason: .movedAway)
        }
    }

    var liveCount: Int { entries.values.filter { $0.disconnectedSince == nil }.count }
    var retainedCount: Int { entries.values.filter { $0.disconnectedSince != nil }.count }
    /// Every circuit in this process's memory, live or retained.
    var heldCount: Int { entries.count }

    /// How many circuits a client address holds now, connected or retained.
    func count(for client: String) -> Int {
        clients[client]?.circuits ?? 0
    }

    /// Marks a descriptor used. Descriptors are single-use, as Blazor's are: a page's descriptor
    /// starts one circuit. Throws `alreadyUsed` for one used here before, and `circuitInUse` when
    /// this process already holds its circuit (it was started elsewhere and resumed here).
    func claim(_ descriptor: PrerenderDescriptor) throws(DescriptorError) {
        guard descriptors.claim(nonce: descriptor.nonce, expires: descriptor.expires) else { throw .alreadyUsed }
        guard entries[descriptor.circuit] == nil else { throw .circuitInUse }
    }

    /// Holds a circuit slot for a client address, and gives its budget; nil when the address
    /// already holds `maxCircuitsPerClient`.
    func admit(client: String) -> MemoryBudget? {
        var held = clients[client] ?? Client(budget: MemoryBudget(limit: limits.memoryBudgetPerClient, instruments: instruments))
        guard held.circuits < limits.maxCircuitsPerClient else { return nil }
        held.circuits += 1
        clients[client] = held
        return held.budget
    }

    /// Registers a circuit whose slot `admit` holds.
    func register(_ circuit: Circuit, secret: CircuitSecret, client: String, socket: WebSocketOutbox?, origin: CircuitOrigin = .new) async {
        entries[circuit.id] = Entry(circuit: circuit, secret: secret, client: client, socket: socket)
        startHibernationSweep()
        instruments.circuitStarted(origin)
        await persister?.track(circuit)
    }

    /// Gives back the slot `admit` held, for a circuit that was not registered after all.
    func release(client: String) {
        guard var held = clients[client] else { return }
        held.circuits -= 1
        clients[client] = held.circuits > 0 ? held : nil
    }

    /// Whether this process holds the circuit in memory, live or retained.
    func holds(id: String) -> Bool {
        entries[id] != nil
    }

    /// Resumes a circuit on a new socket if the id is known and the secret matches. The secret is
    /// replaced (the new one is returned, for the page), and the socket that served the circuit
    /// until now is closed at once; anything it still sends is ignored.
    func resume(
        id: String, secret: String, session: SessionBinding, socket: WebSocketOutbox
    ) -> (circuit: Circuit, connection: Int, secret: String)? {
        guard var entry = entries[id], entry.secret.matches(secret, from: session) else { return nil }
        instruments.circuitResumed(wasRetained: entry.disconnectedSince != nil)
        entry.expiry?.cancel()
        entry.expiry = nil
        entry.disconnectedSince = nil
        entry.connection += 1
        entry.secret = CircuitSecret(boundTo: session)
        entry.circuit.rotateSecret(to: entry.secret.hash)
        entry.circuit.serve(connection: entry.connection)
        entry.socket?.requestClose(.replaced)
        entry.socket = socket
        entries[id] = entry
        return (entry.circuit, entry.connection, entry.secret.value)
    }

    /// The socket dropped: keep the circuit for the retention period. False when a newer socket
    /// already serves the circuit.
    func disconnected(_ circuit: Circuit, connection: Int) async -> Bool {
        guard var entry = entries[circuit.id], entry.connection == connection else { return false }
        instruments.circuitRetained()
        entry.disconnectedSince = .now
        entry.socket = nil
        let retention = limits.retention
        entry.expiry = Task { [weak self] in
            do { try await Task.sleep(for: retention) } catch { return }
            await self?.expire(circuit.id)
        }
        entries[circuit.id] = entry
        await evictOverflow(client: entry.client)
        return true
    }

    /// The circuit leaves this process's memory. When `forget`, its page is closed for good and
    /// its saved copy goes too; otherwise the saved copy stays, for a resume on any process.
    func remove(_ circuit: Circuit, forget: Bool = true, reason: CircuitEndReason = .closed) async {
        guard let entry = entries.removeValue(forKey: circuit.id) else { return }
        instruments.circuitEnded(reason, wasRetained: entry.disconnectedSince != nil)
        release(client: entry.client)
        entry.expiry?.cancel()
        await circuit.close()
        await persister?.untrack(circuit.id, forget: forget)
    }

    /// A page closed for good: its circuit ends here or in the store. False when neither knows the
    /// id with this secret.
    func end(id: String, secret: String, session: SessionBinding) async -> Bool {
        if let entry = entries[id] {
            guard entry.secret.matches(secret, from: session) else { return false }
            await remove(entry.circuit)
            return true
        }
        return await persister?.forgetSaved(id: id, secret: secret, session: session) ?? false
    }

    /// A session ended (its user signed out): its circuits end, and each connected page is told
    /// to reload, so the server decides what the browser sees now. Their saved copies can no
    /// longer be resumed, since the session they are bound to is gone, and they go too.
    /// Returns how many circuits ended.
    func endCircuits(boundTo session: SessionBinding, reason: String) async -> Int {
        let ending = entries.values.filter { $0.secret.binding.matches(session) }
        for entry in ending {
            entry.socket?.requestClose(CircuitClose(.unauthorized, reason))
            await remove(entry.circuit, reason: .signedOut)
        }
        return ending.count
    }

    /// The page paused its circuit: save it, then free it. False when it could not be saved; it
    /// then stays in memory as a disconnected circuit, resumable for the retention period.
    func pause(_ circuit: Circuit, connection: Int) async -> Bool {
        guard let persister, entries[circuit.id]?.connection == connection else { return false }
        guard await persister.persistNow([circuit]) else { return false }
        await remove(circuit, forget: false, reason: .paused)
        return true
    }

    // MARK: Hibernation

    private var hibernationSweep: Task<Void, Never>?

    /// Every so often, hibernates the circuits idle for `limits.hibernateAfter`. One task for the
    /// whole server rather than a timer per circuit, which would cost each circuit memory; a
    /// circuit hibernates between one and one and a quarter `hibernateAfter` after it went idle.
    private func startHibernationSweep() {
        guard hibernationSweep == nil, !isDraining, let idle = limits.hibernateAfter, idle > .zero else { return }
        let period = max(min(idle / 4, .seconds(5)), .milliseconds(10))
        hibernationSweep = Task { [weak self] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: period) } catch { return }
                guard let candidates = await self?.idleCircuits(for: idle) else { return }
                // One at a time: a trial render each, so a wave of idle circuits costs the other
                // circuits no more than one render's time at once. A page whose `onInitialized`
                // hangs is given up on (its trial is cancelled), so it cannot stop the sweep.
                for circuit in candidates where !Task.isCancelled {
                    _ = try? await withDeadline(Self.hibernationAttemptLimit) { await circuit.hibernateIfIdle(after: idle) }
                }
            }
        }
    }

    /// How long one circuit's hibernation may take (its trial render, mostly) before the sweep
    /// moves on to the next.
    static let hibernationAttemptLimit = Duration.seconds(2)

    /// The circuits nothing happened on for `idle`, read without visiting any circuit.
    private func idleCircuits(for idle: Duration) -> [Circuit] {
        guard !isDraining else { return [] }
        let now = ContinuousClock.now
        return entries.values.compactMap { $0.circuit.hasBeenIdle(for: idle, now: now) ? $0.circuit : nil }
    }

    /// How many circuits are hibernating now.
    var hibernatedCount: Int { entries.values.filter { $0.circuit.isHibernated }.count }

    private func expire(_ id: String) async {
        guard let entry = entries[id], entry.disconnectedSince != nil else { return }
        entry.circuit.channel.logger.info("disconnected circuit expired")
        // Its saved copy stays until its own expiry: the page can still resume it from there.
        await remove(entry.circuit, forget: false, reason: .expired)
    }

    private func evictOverflow(client: String) async {
        var retained = entries.values.filter { $0.disconnectedSince != nil }
        let own = retained.filter { $0.client == client }
        if own.count > limits.maxRetainedCircuitsPerClient {
            for entry in Self.oldestFirst(own).prefix(own.count - limits.maxRetainedCircuitsPerClient) {
                await evict(entry, because: "too many retained for its client address")
            }
            retained = entries.values.filter { $0.disconnectedSince != nil }
        }
        var excess = retained.count - limits.maxRetainedCircuits
        while excess > 0 {
            // The address holding the most gives one up: an address with a few never loses them
            // to one with many.
            let byClient = Dictionary(grouping: retained, by: \.client)
            guard let (_, heaviest) = byClient.max(by: { $0.value.count < $1.value.count }),
                let oldest = Self.oldestFirst(heaviest).first
            else { break }
            await evict(oldest, because: "too many retained")
            retained.removeAll { $0.circuit.id == oldest.circuit.id }
            excess -= 1
        }
    }

    private static func oldestFirst(_ entries: [Entry]) -> [Entry] {
        entries.sorted { ($0.disconnectedSince ?? .now) < ($1.disconnectedSince ?? .now) }
    }

    private func evict(_ entry: Entry, because reason: String) async {
        entry.circuit.channel.logger.info("evicted a disconnected circuit", metadata: ["reason": "\(reason)"])
        await remove(entry.circuit, forget: false, reason: .evicted)
    }

    /// Asks every connected page to send what it holds and stop sending, and waits until each
    /// answered and its circuit handled all it had sent, or `timeout` passed: what a
    /// user typed just before a deploy is in the save that follows. A page that sends more after
    /// its answer keeps it for the next process.
    private func quiesceConnectedPages(within timeout: Duration) async {
        let waiting = entries.values.compactMap { entry -> (DrainLatch, WebSocketOutbox)? in
            guard let socket = entry.socket, entry.disconnectedSince == nil else { return nil }
            return (entry.circuit.drainLatch, socket)
        }
        guard !waiting.isEmpty else { return }
        for (_, socket) in waiting { socket.enqueue(.drain) }
        let started = ContinuousClock.now
        _ = try? await withDeadline(timeout) { [waiting] in
            await withTaskGroup(of: Void.self) { group in
                for (latch, _) in waiting { group.addTask { await latch.wait() } }
            }
        }
        let answered = waiting.filter { $0.0.isOpen }.count
        logger.info(
            "drain: pages flushed their input",
            metadata: [
                "answered": "\(answered)", "asked": "\(waiting.count)",
                "waited": "\(ContinuousClock.now - started)",
            ])
    }

    /// Saves every circuit, tells every connected browser to resume it on the next process, and
    /// closes them. Without a store (or when it fails), browsers are told the server is going
    /// away, as before persistence.
    func shutdown(reason: String) async {
        isDraining = true
        hibernationSweep?.cancel()
        let all = entries.values.map(\.circuit)
        var saved = false
        if let persister {
            await quiesceConnectedPages(within: persister.options.drainFlushTimeout)
            // A store that hangs must not hold the process past its grace period.
            saved = (try? await withDeadline(persister.options.storeTimeout) { await persister.persistNow(all) }) ?? false
        }
        if saved { logger.info("drained: every circuit is saved", metadata: ["circuits": "\(all.count)"]) }
        let bye: OutboundMessage =
            saved ? .shutdown("The server is restarting; this page resumes on its own.", resumes: true) : .shutdown(reason)
        let byeClose = saved ? CircuitClose(.serviceRestart, "The server is restarting.") : CircuitClose(.goingAway, reason)
        var sockets: [WebSocketOutbox] = []
        for entry in entries.values {
            instruments.circuitEnded(.shutdown, wasRetained: entry.disconnectedSince != nil)
            entry.expiry?.cancel()
            // Asked of the socket before the circuit closes, so its page hears why it ends.
            if let socket = entry.socket { socket.enqueue(bye, thenClose: byeClose) } else { entry.circuit.transport.send(bye) }
            await entry.circuit.close()
            if let socket = entry.socket { sockets.append(socket) }
        }
        // Each page hears `bye` and its close code before the HTTP server, stopping next, closes
        // the sockets itself with a plain 1000.
        _ = try? await withDeadline(.seconds(2)) { [sockets] in
            await withTaskGroup(of: Void.self) { group in
                for socket in sockets { group.addTask { await socket.closeAfterFlush(byeClose) } }
            }
        }
        entries.removeAll()
        clients.removeAll()
        if let persister { _ = try? await withDeadline(persister.options.storeTimeout) { await persister.close() } }
    }
}

/// The prerender descriptors already used, until they expire: a descriptor starts one circuit.
/// Memory stays bounded because entries leave at their expiry, which is at most the signer's
/// lifetime after they were issued.
struct DescriptorLedger {
    private var used: Set<String> = []
    /// In claim order; descriptors of one signer expire in the order they were issued, so the
    /// front is always the next to expire (a stale front only delays pruning, never loses an entry).
    private var byExpiry = FIFOQueue<(expires: Int, nonce: String)>()

    var count: Int { used.count }

    mutating func claim(nonce: String, expires: Int, now: Date = Date()) -> Bool {
        prune(before: Int(now.timeIntervalSince1970))
        guard used.insert(nonce).inserted else { return false }
        byExpiry.append((expires, nonce))
        return true
    }

    private mutating func prune(before now: Int) {
        while let oldest = byExpiry.first, oldest.expires < now {
            used.remove(oldest.nonce)
            _ = byExpiry.popFirst()
        }
    }
}
