import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import TetherInterop
import TetherProtocol
import TetherUI

/// Serves one WebSocket of a circuit: the `start` or `resume` handshake, then every inbound
/// message. When the socket drops, the circuit is kept for a while so the page can resume it.
struct CircuitConnection {
    let app: TetherApp
    let registry: CircuitRegistry
    let client: String

    /// How long one socket's reading runs before it lets other tasks have the thread.
    static let readSlice = Duration.milliseconds(1)

    /// Serves the socket until it ends. An error the transport reports (a frame over its limit,
    /// text that is not UTF-8) is rethrown, so Hummingbird closes with the code that says so.
    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel, logger baseLogger: Logger) async throws {
        let limits = app.limits
        let outbox = WebSocketOutbox(
            channel: channel,
            backpressure: .init(pauseBytes: limits.outboundPauseBytes, maxBytes: limits.maxOutboundBytes, stallTimeout: limits.outboundStallTimeout)
        ) { close in
            try? await outbound.close(close.webSocketCode, reason: close.reason)
        }
        var logger = baseLogger
        logger[metadataKey: "client"] = LogSafe.metadata(client)
        // Until a circuit exists, the handshake's refusals are rate-limited on their own.
        let handshakeRefusals = RefusalLog(logger: logger)
        defer { outbox.finish() }
        var messages = inbound.messages(maxSize: limits.transportMaxFrameBytes).makeAsyncIterator()
        // A socket that never introduces itself is closed, so it cannot hold a slot for free.
        let handshakeTimer = Task {
            do { try await Task.sleep(for: limits.handshakeTimeout) } catch { return }
            let reason = "no 'start' or 'resume' within \(limits.handshakeTimeout)"
            refuseCircuit(reason, .handshakeTimeout, outbox, handshakeRefusals)
        }
        let first: WebSocketMessage?
        do {
            first = try await messages.next()
        } catch {
            handshakeTimer.cancel()
            throw error
        }
        handshakeTimer.cancel()
        // The first frame is held to the same limits as any other; it opens the circuit, and
        // anything after `start` in it is handled next.
        let firstFrame: [Result<InboundMessage, ProtocolViolation>]
        switch first {
        case .text(let text)?:
            guard text.utf8.count <= limits.maxTextMessageBytes else {
                let reason = "a first message of \(text.utf8.count) bytes exceeds the limit of \(limits.maxTextMessageBytes) bytes"
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
        guard let (circuit, connection) = await open(firstFrame.first, outbox: outbox, refusals: handshakeRefusals, logger: &logger) else {
            await outbox.closeAfterFlush(CircuitClose(.protocolError, "the circuit could not be opened"))
            return
        }
        let refusals = circuit.channel.refusals
        let current = { circuit.isServed(by: connection) }
        var ended = false
        for decoded in firstFrame.dropFirst() {
            switch decoded {
            case .success(.end): ended = true
            case .success(let inboundMessage): dispatch(inboundMessage, circuit, outbox: outbox, refusals: refusals)
            case .failure(let violation): refuse(violation.message, outbox, refusals)
            }
        }
        var transportError: (any Error)?
        var slice = ContinuousClock.now
        do {
            reading: while !ended, current() {
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
                let text: String
                switch message {
                case .text(let t):
                    guard t.utf8.count <= limits.maxTextMessageBytes else {
                        refuse(
                            "a message of \(t.utf8.count) bytes exceeds the limit of \(limits.maxTextMessageBytes) bytes",
                            outbox, refusals)
                        continue
                    }
                    text = t
                case .binary(let buffer):
                    do {
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
                    case .success(let inboundMessage): dispatch(inboundMessage, circuit, outbox: outbox, refusals: refusals)
                    case .failure(let violation): refuse(violation.message, outbox, refusals)
                    }
                }
            }
        } catch {
            logger.debug("circuit socket ended", metadata: ["error": "\(error)"])
            transportError = error
        }
        // A socket another one replaced leaves only after its 4002 is sent: returning first would
        // let the transport close it with a plain 1000, and the page would try to resume.
        if !current() {
            await outbox.closeAfterFlush(.replaced)
        }
        let failed = await circuit.failed
        let closedByPolicy = outbox.closedFor?.code == .policy
        if current() && (ended || failed || closedByPolicy) {
            await registry.remove(circuit)
        } else if await registry.disconnected(circuit, connection: connection) {
            await circuit.connectionLost(connection: connection)
        }
        if let transportError { throw transportError }
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
            guard let (circuit, connection, newSecret) = await registry.resume(id: id, secret: secret, socket: outbox) else {
                let reason = "The circuit \(LogSafe.clip(id)) is no longer available. Reload the page."
                refusals.refused("refused a resume", reason: reason)
                outbox.enqueue(.rejected(reason), thenClose: CircuitClose(.rejected, reason))
                return nil
            }
            logger[metadataKey: "circuit"] = "\(id)"
            outbox.serve(budget: circuit.channel.budget) { [channel = circuit.channel] in channel.setOutboundCongested($0) }
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
            guard await registry.claim(descriptor) else { throw DescriptorError.alreadyUsed }
        } catch {
            let reason = "circuit refused: \(error)"
            refuseCircuit(reason, .descriptorRefused, outbox, refusals)
            return nil
        }
        guard let budget = await registry.admit(client: client) else {
            let reason = "circuit refused: this client address already holds \(app.limits.maxCircuitsPerClient) circuits, the limit"
            refuseCircuit(reason, .policy, outbox, refusals)
            return nil
        }
        let id = makeCircuitID()
        let secret = CircuitSecret()
        logger[metadataKey: "circuit"] = "\(id)"
        let transport = CircuitTransport(socket: outbox)
        let channel = InteropChannel(outbox: transport, options: app.interop, budget: BudgetAccount(budget), logger: logger)
        outbox.serve(budget: channel.budget) { channel.setOutboundCongested($0) }
        outbox.enqueue(.configure(json: configuration(id: id, secret: secret.value)))
        let circuit = Circuit(
            id: id, channel: channel, transport: transport, pages: app.pages, notFound: app.notFoundPage, services: app.services,
            maxUnacknowledgedBatches: app.limits.maxUnacknowledgedBatches, maxQueuedBrowserWork: app.limits.maxQueuedEvents, logger: logger)
        await registry.register(circuit, secret: secret, client: client, socket: outbox)
        // The circuit outlives this socket: it keeps running while the page reconnects.
        Task { await circuit.run(url: descriptor.url, prerenderedDigest: descriptor.markupDigest) }
        logger.debug("circuit started", metadata: ["url": "\(descriptor.url)"])
        return (circuit, 0)
    }

    private func configuration(id: String, secret: String) -> String {
        // Two integers and two strings always encode; a failure here is a bug, not input.
        let settings = app.limits.runtimeConfiguration(circuitID: id, secret: secret)
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
        case .event(let handler, let args):
            if let refusal = circuit.enqueueFromBrowser(.event(handler: handler, args: args)) { refuse("event refused: \(refusal)", outbox, refusals) }
        case .ack(let batch):
            if let refusal = circuit.enqueueFromBrowser(.ack(batch: batch)) { refuse("ack refused: \(refusal)", outbox, refusals) }
        case .releaseObject(let id):
            circuit.channel.objects.release(id)
        case .start, .resume:
            refuse("the circuit has already started", outbox, refusals)
        case .end:
            break
        case .pause:
            refuse("this server does not pause circuits", outbox, refusals)
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
        _ reason: String, _ code: CloseCode, closeReason: String? = nil, _ outbox: WebSocketOutbox, _ refusals: RefusalLog
    ) {
        refusals.refused("refused a circuit", reason: closeReason ?? reason)
        outbox.enqueue(.fatal(reason), thenClose: CircuitClose(code, closeReason ?? reason))
    }

    private func refuse(_ message: String, _ outbox: WebSocketOutbox, _ refusals: RefusalLog) {
        refusals.refused("refused inbound message", reason: message)
        outbox.enqueue(.protocolError(message))
    }
}
