import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import TetherInterop
import TetherProtocol
import TetherUI

/// Serves one WebSocket of a circuit: the `start` or `resume` handshake, then every inbound
/// message. When the socket drops, the circuit is kept for a while so the page can resume it.
///
/// A class, not a struct, holding the app by reference: the socket's task awaits in its methods
/// for as long as the socket is open, and a struct would be copied into those suspended frames,
/// which a task keeps for its life, with the whole `TetherApp`, a kilobyte, in each
/// (BENCHMARKS.md, "Where an idle socket's bytes go").
final class CircuitConnection: Sendable {
    /// The app, made once per circuit route and shared by its sockets.
    final class SharedApp: Sendable {
        let app: TetherApp
        init(_ app: TetherApp) { self.app = app }
    }

    private let shared: SharedApp
    var app: TetherApp { shared.app }
    let registry: CircuitRegistry
    let client: String
    /// Who the upgrade request came from: whom the circuit serves, and the session it is bound to.
    let identity: RequestIdentity
    let mount: MountPath
    /// The `circuit` query of the socket URL: the runtime names the circuit there so that a proxy
    /// can route every socket of a circuit to the node that holds it. Nil when absent.
    let routingID: String?

    init(app: SharedApp, registry: CircuitRegistry, client: String, identity: RequestIdentity, mount: MountPath, routingID: String?) {
        self.shared = app
        self.registry = registry
        self.client = client
        self.identity = identity
        self.mount = mount
        self.routingID = routingID
    }

    /// How long one socket's reading runs before it lets other tasks have the thread.
    static let readSlice = Duration.milliseconds(1)

    /// Serves the socket until it ends. An error the transport reports (a frame over its limit,
    /// text that is not UTF-8) is rethrown, so Hummingbird closes with the code that says so.
    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel, logger: Logger) async throws {
        // The socket is read with a link the deflate extension fills in when the upgrade agreed
        // to it; from the first message on, the outbox deflates.
        let deflateLink = DeflateLink()
        try await DeflateLink.$current.withValue(deflateLink) {
            try await serve(inbound: inbound, outbound: outbound, channel: channel, deflateLink: deflateLink, logger: logger)
        }
    }

    private func serve(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel, deflateLink: DeflateLink,
        logger baseLogger: Logger
    ) async throws {
        // The one limit read on every message; the others are read where they are used, so the
        // whole of `CircuitLimits` is not kept in this frame for the socket's life.
        let maxTextMessageBytes = app.limits.maxTextMessageBytes
        let outbox = WebSocketOutbox(
            channel: channel,
            backpressure: .init(
                pauseBytes: app.limits.outboundPauseBytes, maxBytes: app.limits.maxOutboundBytes, stallTimeout: app.limits.outboundStallTimeout)
        ) { close in
            try? await outbound.close(close.webSocketCode, reason: close.reason)
        }
        var logger = baseLogger
        logger[metadataKey: "client"] = LogSafe.metadata(client)
        // Until a circuit exists, the handshake's refusals are rate-limited on their own.
        let handshakeRefusals = RefusalLog(logger: logger)
        defer { outbox.finish() }
        var messages = inbound.messages(maxSize: app.limits.transportMaxFrameBytes).makeAsyncIterator()
        // The timer's task is let go once the first message is in: held for the socket's life, a
        // finished task would keep its memory (its stack slab and its object, BENCHMARKS.md,
        // "Where an idle socket's bytes go").
        var handshakeTimer: Task<Void, Never>? = startHandshakeTimer(outbox: outbox, refusals: handshakeRefusals)
        let first: WebSocketMessage?
        do {
            first = try await messages.next()
        } catch {
            handshakeTimer?.cancel()
            throw error
        }
        handshakeTimer?.cancel()
        handshakeTimer = nil
        if let agreement = deflateLink.agreement { outbox.deflate(as: agreement) }
        // The first frame is held to the same limits as any other; it opens the circuit, and
        // anything after `start` in it is handled next.
        let firstFrame: [Result<InboundMessage, ProtocolViolation>]
        switch first {
        case .text(let text)?:
            guard text.utf8.count <= maxTextMessageBytes else {
                registry.instruments.refused(.maxTextMessageBytes)
                let reason = "a first message of \(text.utf8.count) bytes exceeds the limit of \(maxTextMessageBytes) bytes"
                refuseCircuit(reason, .tooBig, outbox, handshakeRefusals)
                await outbox.closeAfterFlush(CircuitClose(.tooBig, reason))
                return
            }
            firstFrame = WireCodec.decodeFrame(text)
        case .binary?:
            let reason = "the first message on a circuit must be 'start' or 'resume', in a text frame"
            refuseCircuit(reason, .protocolError, outbox, handshakeRefusals)
            await outbox.closeAfterFlush(CircuitClose(.protocolError, reason))
            return
        case nil:
            return
        }
        guard let (circuit, connection) = await openInOwnTask(firstFrame.first, outbox: outbox, refusals: handshakeRefusals, logger: &logger) else {
            await outbox.closeAfterFlush(CircuitClose(.protocolError, "the circuit could not be opened"))
            return
        }
        let refusals = circuit.channel.refusals
        let current = { circuit.isServed(by: connection) }
        var ended = false
        var pauseRequested = false
        var transportError: (any Error)?
        // The circuit's invocations run on its lane, and start on the thread that read them, so
        // reading there too keeps all of one browser's Swift work to one thread of the pool.
        await withTaskExecutorPreference(circuit.channel.lane) {
            for decoded in firstFrame.dropFirst() where !ended && !pauseRequested {
                switch decoded {
                case .success(.end): ended = true
                case .success(.pause): pauseRequested = true
                case .success(let inboundMessage): dispatch(inboundMessage, circuit, outbox: outbox, refusals: refusals)
                case .failure(let violation): refuse(violation.message, outbox, refusals)
                }
            }
            var slice = ContinuousClock.now
            do {
                reading: while !ended, !pauseRequested, current() {
                    // A browser that does not take its output is not read from either: its own
                    // reading paces what it can ask for.
                    await outbox.waitUntilDrained()
                    guard outbox.isAccepting else { break }
                    // A socket whose frames keep arriving never suspends here; past a slice of
                    // work it steps aside, so a flood on one socket cannot hold a thread others wait for.
                    if ContinuousClock.now - slice > Self.readSlice {
                        await Task.yield()
                        slice = ContinuousClock.now
                    }
                    guard let message = try await messages.next() else { break }
                    // A socket another one replaced is not listened to any more.
                    guard current() else { break }
                    circuit.noteActivity()
                    let text: String
                    switch message {
                    case .text(let t):
                        guard t.utf8.count <= maxTextMessageBytes else {
                            registry.instruments.refused(.maxTextMessageBytes)
                            refuse(
                                "a message of \(t.utf8.count) bytes exceeds the limit of \(maxTextMessageBytes) bytes",
                                outbox, refusals)
                            continue
                        }
                        text = t
                    case .binary(let buffer):
                        // Read one message at a time, so whatever follows waits for the revive.
                        if circuit.isHibernated { await circuit.wake() }
                        do throws(ProtocolViolation) {
                            try circuit.channel.receiveBinary(Array(buffer.readableBytesView))
                        } catch {
                            refuse(error.message, outbox, refusals)
                        }
                        continue
                    }
                    for decoded in WireCodec.decodeFrame(text) {
                        switch decoded {
                        case .success(.end):
                            ended = true
                            break reading
                        case .success(.pause):
                            pauseRequested = true
                            break reading
                        case .success(let inboundMessage):
                            // A message the interop channel handles here finds its circuit rebuilt,
                            // and this socket is not read meanwhile: later messages wait behind it,
                            // in order. Work for the circuit's queue is woken for by the queue.
                            if circuit.isHibernated, inboundMessage.isHandledBesideTheWorkQueue { await circuit.wake() }
                            dispatch(inboundMessage, circuit, outbox: outbox, refusals: refusals)
                        case .failure(let violation): refuse(violation.message, outbox, refusals)
                        }
                    }
                }
            } catch {
                logger.debug("circuit socket ended", metadata: ["error": "\(error)"])
                transportError = error
            }
        }
        // A socket another one replaced leaves only after its 4002 is sent: returning first would
        // let the transport close it with a plain 1000, and the page would try to resume.
        if !current() {
            await outbox.closeAfterFlush(.replaced)
        }
        let failed = await circuit.failed
        let closedByPolicy = outbox.closedFor?.code == .policy
        if current() && (ended || failed || closedByPolicy) {
            await registry.remove(circuit, reason: failed ? .failed : closedByPolicy ? .limit : .closed)
        } else if pauseRequested, current() {
            await pause(circuit, connection: connection, outbox: outbox, logger: logger)
        } else if await registry.disconnected(circuit, connection: connection) {
            await circuit.connectionLost(connection: connection)
            // The page may never come back to this process: save what it showed.
            if let persister = registry.persister { Task { await persister.persistNow([circuit]) } }
        }
        await outbox.finishRequestedClose()
        if let transportError { throw transportError }
    }

    /// Saves the circuit and frees it; the socket closes with 4006 and the page resumes it when
    /// it wants. Without a store the circuit stays in memory instead, for the retention period.
    private func pause(_ circuit: Circuit, connection: Int, outbox: WebSocketOutbox, logger: Logger) async {
        let saved = await registry.pause(circuit, connection: connection)
        if !saved, await registry.disconnected(circuit, connection: connection) {
            await circuit.connectionLost(connection: connection)
        }
        // What the process still holds, so an operator (and the tests) can see the pause freed it.
        let held = await registry.heldCount
        logger.info("circuit paused", metadata: ["freed": "\(saved)", "held": "\(held)"])
        await outbox.closeAfterFlush(CircuitClose(.paused, saved ? "paused" : "paused; kept in memory"))
    }

    /// Closes a socket that never introduces itself, so it cannot hold a slot for free.
    private func startHandshakeTimer(outbox: WebSocketOutbox, refusals: RefusalLog) -> Task<Void, Never> {
        let timeout = app.limits.handshakeTimeout
        return Task {
            do { try await Task.sleep(for: timeout) } catch { return }
            let reason = "no 'start' or 'resume' within \(timeout)"
            registry.instruments.refused(.handshakeTimeout)
            refuseCircuit(reason, .handshakeTimeout, outbox, refusals)
        }
    }

    /// `open`, in a child task. A task keeps the memory its deepest chain of awaits needed for as
    /// long as it lives (Swift's task allocator frees its slabs only when the task ends), and the
    /// socket's task lives as long as the socket: the handshake's chain (verify, claim, admit,
    /// register, restore from the store) runs in a task that ends with the handshake instead
    /// (BENCHMARKS.md, "Where an idle socket's bytes go").
    private func openInOwnTask(
        _ first: Result<InboundMessage, ProtocolViolation>?, outbox: WebSocketOutbox, refusals: RefusalLog, logger: inout Logger
    ) async -> (Circuit, Int)? {
        let (opened, openedLogger) = await withTaskGroup(of: ((Circuit, Int)?, Logger).self) { [logger] group in
            group.addTask {
                var logger = logger
                let opened = await self.open(first, outbox: outbox, refusals: refusals, logger: &logger)
                return (opened, logger)
            }
            return await group.next() ?? (nil, logger)
        }
        logger = openedLogger
        return opened
    }

    /// Starts a new circuit or resumes a retained one, as the first message asks.
    private func open(
        _ first: Result<InboundMessage, ProtocolViolation>?, outbox: WebSocketOutbox, refusals: RefusalLog, logger: inout Logger
    ) async -> (Circuit, Int)? {
        let notAHandshake = "the first message on a circuit must be 'start' or 'resume'"
        switch first {
        case .success(.start(let token, _))?:
            return await start(token, outbox: outbox, refusals: refusals, logger: &logger)
        case .success(.resume(let id, let secret, let lastBatch))?:
            guard routes(id, outbox: outbox, refusals: refusals) else { return nil }
            guard await !registry.isDraining else {
                // The page tries again, and finds the next process.
                refusals.refused("turned away a resume", reason: "the server is draining")
                outbox.enqueue(.shutdown("The server is restarting; this page resumes on its own.", resumes: true))
                return nil
            }
            guard let (circuit, connection, newSecret) = await registry.resume(id: id, secret: secret, session: identity.binding, socket: outbox) else {
                return await restore(id: id, secret: secret, lastBatch: lastBatch, outbox: outbox, refusals: refusals, logger: &logger)
            }
            logger[metadataKey: "circuit"] = "\(id)"
            circuit.channel.telemetry.annotate(&logger)
            outbox.serve(budget: circuit.channel.budget) { [channel = circuit.channel] in channel.setOutboundCongested($0) }
            // The store learns the new secret before the page does, so a crash from here on
            // still finds the page's secret in the store.
            if let persister = registry.persister {
                _ = try? await withDeadline(persister.options.storeTimeout) { await persister.persistNow([circuit]) }
            }
            outbox.enqueue(.configure(json: configuration(id: id, secret: newSecret)))
            await circuit.resume(on: outbox, lastBatch: lastBatch, connection: connection)
            logger.debug("circuit resumed", metadata: ["lastBatch": "\(lastBatch)"])
            return (circuit, connection)
        case .success?, nil:
            refuseCircuit(notAHandshake, .protocolError, outbox, refusals)
            return nil
        case .failure(let violation)?:
            refuseCircuit(notAHandshake, .protocolError, closeReason: "\(notAHandshake): \(violation.message)", outbox, refusals)
            return nil
        }
    }

    private func start(_ token: String, outbox: WebSocketOutbox, refusals: RefusalLog, logger: inout Logger) async -> (Circuit, Int)? {
        let descriptor: PrerenderDescriptor
        do {
            descriptor = try app.signer.verify(token)
            // A descriptor copied out of another browser's page starts nothing here.
            guard SessionBinding(digest: descriptor.session).matches(identity.binding) else { throw DescriptorError.otherSession }
            try await registry.claim(descriptor)
        } catch {
            let reason = "circuit refused: \(error)"
            // Not the browser's doing: the operator gave this node another key than its peers.
            var misconfigured = false
            if let refusal = error as? DescriptorError, case .otherKey = refusal { misconfigured = true }
            refuseCircuit(reason, .descriptorRefused, level: misconfigured ? .error : .notice, outbox, refusals)
            return nil
        }
        guard routes(descriptor.circuit, outbox: outbox, refusals: refusals) else { return nil }
        guard allowed(descriptor.url, outbox: outbox, refusals: refusals) else { return nil }
        guard let budget = await registry.admit(client: client) else {
            refuseOverCircuitLimit(outbox, refusals)
            return nil
        }
        let id = descriptor.circuit
        logger[metadataKey: "circuit"] = "\(id)"
        let telemetry = CircuitTelemetry(instruments: registry.instruments, circuitID: id, page: app.pageRoute(showing: descriptor.url))
        telemetry.annotate(&logger)
        let circuit = await register(
            id: id, secret: CircuitSecret(boundTo: identity.binding), budget: budget, outbox: outbox, restored: false, telemetry: telemetry,
            logger: logger)
        // The circuit outlives this socket: it keeps running while the page reconnects.
        circuit.start(url: descriptor.url, origin: .prerendered(digest: descriptor.markupDigest))
        logger.debug("circuit started", metadata: ["url": "\(descriptor.url)"])
        return (circuit, 0)
    }

    /// Makes a circuit for this socket, tells the page its id and secret, and registers it.
    private func register(
        id: String, secret: CircuitSecret, budget: MemoryBudget, outbox: WebSocketOutbox, restored: Bool, telemetry: CircuitTelemetry,
        logger: Logger
    ) async -> Circuit {
        let transport = CircuitTransport(socket: outbox)
        let channel = InteropChannel(outbox: transport, options: app.interop, budget: BudgetAccount(budget), telemetry: telemetry, logger: logger)
        outbox.serve(budget: channel.budget) { channel.setOutboundCongested($0) }
        outbox.enqueue(.configure(json: configuration(id: id, secret: secret.value, restored: restored)))
        var services = app.services
        services.authentication = identity.state
        let circuit = Circuit(
            id: id, channel: channel, transport: transport, pages: app.circuitPages, services: services, mount: mount,
            maxUnacknowledgedBatches: app.limits.maxUnacknowledgedBatches, maxQueuedBrowserWork: app.limits.maxQueuedEvents,
            persister: registry.persister, secretHash: secret.hash, defaultTitle: app.document.title, eventLoop: outbox.eventLoop,
            logger: logger)
        await registry.register(circuit, secret: secret, client: client, socket: outbox, origin: restored ? .restored : .new)
        return circuit
    }

    /// Resumes a circuit this process does not hold from its store: the page survived a restart,
    /// a deploy, a crash or a pause. The page's DOM is brought to the new render in one batch.
    private func restore(
        id: String, secret: String, lastBatch: Int, outbox: WebSocketOutbox, refusals: RefusalLog, logger: inout Logger
    ) async -> (Circuit, Int)? {
        let unavailable = "The circuit \(LogSafe.clip(id)) is no longer available. Reload the page."
        func reject(_ why: String) -> (Circuit, Int)? {
            refusals.refused("refused a resume", reason: why)
            outbox.enqueue(.rejected(unavailable), thenClose: CircuitClose(.rejected, unavailable))
            return nil
        }
        guard let persister = registry.persister else { return reject("no circuit \(LogSafe.clip(id)) in memory, and no store") }
        // The first batch of the new render is numbered after it.
        guard lastBatch >= -1, lastBatch < Int.max / 2 else { return reject("a last batch of \(lastBatch) is out of range") }
        guard let budget = await registry.admit(client: client) else {
            refuseOverCircuitLimit(outbox, refusals)
            return nil
        }
        let record: CircuitRecord
        let newSecret = CircuitSecret(boundTo: identity.binding)
        do {
            guard let saved = try await persister.load(id: id, secret: secret, session: identity.binding) else {
                await registry.release(client: client)
                return reject("no saved circuit \(LogSafe.clip(id)) with that secret")
            }
            // Held here with another secret: either a stale copy (another node resumed the circuit
            // since, and owns its row) or a replayed secret this process already rotated.
            if await registry.holds(id: id) {
                guard saved.ownerNode != persister.options.nodeName else {
                    await registry.release(client: client)
                    return reject("another socket resumed the circuit \(LogSafe.clip(id)) first")
                }
                await registry.endStaleCopies([id])
            }
            guard try await persister.claim(saved, newSecretHash: newSecret.hash) else {
                await registry.release(client: client)
                return reject("another socket resumed the circuit \(LogSafe.clip(id)) first")
            }
            record = saved
        } catch {
            await registry.release(client: client)
            // Not the page's fault: it tries again.
            refusals.refused("could not resume from the store", reason: "\(error)", level: .warning)
            outbox.enqueue(.shutdown("The server cannot reach its circuit store; trying again."))
            return nil
        }
        logger[metadataKey: "circuit"] = "\(id)"
        guard allowed(record.url, outbox: outbox, refusals: refusals) else {
            await registry.release(client: client)
            return nil
        }
        let telemetry = CircuitTelemetry(instruments: registry.instruments, circuitID: id, page: app.pageRoute(showing: record.url))
        telemetry.annotate(&logger)
        let states: ComponentStates
        do {
            states = try ComponentStates(bytes: record.snapshot, formatVersion: record.formatVersion)
        } catch {
            logger.warning("the saved circuit did not restore; its page starts fresh", metadata: ["reason": LogSafe.metadata("\(error)")])
            states = ComponentStates()
        }
        let circuit = await register(
            id: id, secret: newSecret, budget: budget, outbox: outbox, restored: true, telemetry: telemetry, logger: logger)
        circuit.start(url: record.url, origin: .restored(states, lastBatch: lastBatch))
        logger.info("circuit restored", metadata: ["url": LogSafe.metadata(record.url), "from": LogSafe.metadata(record.ownerNode)])
        return (circuit, 0)
    }

    /// Whether the socket URL's `circuit` query, which a proxy routed this socket by, names the
    /// circuit the handshake opens. A socket without it (a client that is not the runtime) is
    /// taken as is; one naming another circuit reached a node chosen for that one, and is refused.
    private func routes(_ id: String, outbox: WebSocketOutbox, refusals: RefusalLog) -> Bool {
        guard let routingID, routingID != id else { return true }
        let reason = "the socket URL names circuit \(LogSafe.clip(routingID)) but the handshake opens circuit \(LogSafe.clip(id))"
        refuseCircuit(reason, .protocolError, outbox, refusals)
        return false
    }

    /// Whether this socket's user may see the page at `url`. When not (they signed out, or lost a
    /// role), the page is told to reload, and its prerender then sends them to sign in.
    private func allowed(_ url: String, outbox: WebSocketOutbox, refusals: RefusalLog) -> Bool {
        guard let page = app.circuitPages.pageType(at: url), !page.authorization.allows(identity.state) else { return true }
        let reason = "this page requires \(page.authorization.summary)"
        refusals.refused("refused a circuit", reason: reason)
        outbox.requestClose(CircuitClose(.unauthorized, reason))
        return false
    }

    private func configuration(id: String, secret: String, restored: Bool = false) -> String {
        // Integers, strings and a flag always encode; a failure here is a bug, not input.
        var settings = app.limits.runtimeConfiguration(circuitID: id, secret: secret)
        settings.restored = restored
        do {
            return try WireEncoder().encode(settings).serialized()
        } catch {
            preconditionFailure("the runtime configuration did not encode: \(error)")
        }
    }

    private func dispatch(_ message: InboundMessage, _ circuit: Circuit, outbox: WebSocketOutbox, refusals: RefusalLog) {
        switch message {
        case .callCompleted(let id, let outcome):
            // Completions of calls that timed out or were cancelled are expected; they are
            // dropped quietly.
            circuit.channel.complete(callID: id, outcome: outcome)
        case .invoke(let id, let target, let method, let args):
            circuit.channel.receiveInvocation(id: id, target: target, method: method, args: args, exports: app.exports)
        case .event(let handler, let args, let sequence):
            if let refusal = circuit.enqueueFromBrowser(.event(handler: handler, args: args, sequence: sequence)) {
                refuse("event refused: \(refusal)", outbox, refusals)
                // The page still waits for this event to end its loading states.
                if let sequence { outbox.enqueue(.eventHandled(sequence: sequence)) }
            }
        case .ack(let batch):
            if let refusal = circuit.enqueueFromBrowser(.ack(batch: batch)) { refuse("ack refused: \(refusal)", outbox, refusals) }
        case .releaseObject(let id):
            circuit.channel.objects.release(id)
        case .start, .resume:
            refuse("the circuit has already started", outbox, refusals)
        case .end, .pause:
            // Handled by the reading loop, which stops at it.
            break
        case .drained:
            if let refusal = circuit.enqueueFromBrowser(.drained) { refuse("drained refused: \(refusal)", outbox, refusals) }
        case .navigate(let url):
            guard url.hasPrefix("/"), !url.hasPrefix("//") else {
                refuse("navigation must stay on this site: \(LogSafe.clip(url))", outbox, refusals)
                return
            }
            if let refusal = circuit.enqueueFromBrowser(.navigate(url: url)) { refuse("navigation refused: \(refusal)", outbox, refusals) }
        }
    }

    /// Refuses the circuit before it starts: logs why, tells the page in a `fatal`, and closes the
    /// socket with `code` (and `closeReason`, when the close should say more than the page).
    private func refuseCircuit(
        _ reason: String, _ code: CloseCode, closeReason: String? = nil, level: Logger.Level = .notice, _ outbox: WebSocketOutbox,
        _ refusals: RefusalLog
    ) {
        refusals.refused("refused a circuit", reason: closeReason ?? reason, level: level)
        outbox.enqueue(.fatal(reason), thenClose: CircuitClose(code, closeReason ?? reason))
    }

    private func refuseOverCircuitLimit(_ outbox: WebSocketOutbox, _ refusals: RefusalLog) {
        registry.instruments.refused(.maxCircuitsPerClient)
        let reason = "circuit refused: this client address already holds \(app.limits.maxCircuitsPerClient) circuits, the limit"
        refuseCircuit(reason, .policy, outbox, refusals)
    }

    private func refuse(_ message: String, _ outbox: WebSocketOutbox, _ refusals: RefusalLog) {
        refusals.refused("refused inbound message", reason: message)
        outbox.enqueue(.protocolError(message))
    }
}

extension InboundMessage {
    /// Whether the socket hands this message to the interop channel, which needs a hibernated
    /// circuit rebuilt first. Events, acks, navigation and the drain's answer go to the circuit's
    /// work queue instead, where `Circuit.Work.wakesHibernatedCircuit` decides: the answer to a
    /// drain wakes nothing, so a deploy does not revive every hibernated circuit.
    fileprivate var isHandledBesideTheWorkQueue: Bool {
        switch self {
        case .callCompleted, .invoke, .releaseObject: true
        case .event, .ack, .navigate, .drained: false
        // Refused or handled by the reading loop, with no circuit work.
        case .start, .resume, .end, .pause: false
        }
    }
}
