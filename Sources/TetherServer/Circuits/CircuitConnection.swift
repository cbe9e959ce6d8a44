import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import TetherInterop
import TetherUI

/// Serves one WebSocket of a circuit: the `start` or `resume` handshake, then every inbound
/// message. When the socket drops, the circuit is kept for a while so the page can resume it.
struct CircuitConnection {
    let app: TetherApp
    let registry: CircuitRegistry
    let client: String

    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel, logger baseLogger: Logger) async {
        let outbox = WebSocketOutbox(channel: channel) {
            try? await outbound.close(.goingAway, reason: "server shutting down")
        }
        var logger = baseLogger
        defer { outbox.finish() }
        let limits = app.limits
        var messages = inbound.messages(maxSize: limits.transportMaxFrameBytes).makeAsyncIterator()
        // A socket that never introduces itself is closed, so it cannot hold a slot for free.
        let handshakeTimer = Task { [logger] in
            do { try await Task.sleep(for: limits.handshakeTimeout) } catch { return }
            refuse("no 'start' or 'resume' within \(limits.handshakeTimeout)", outbox, logger, fatal: true)
            outbox.requestClose()
        }
        let first: WebSocketMessage?
        do { first = try await messages.next() } catch { return }
        handshakeTimer.cancel()
        // The first frame opens the circuit; anything after `start` in it is handled next.
        var firstFrame: [Result<InboundMessage, ProtocolViolation>] = []
        if case .text(let text)? = first { firstFrame = WireCodec.decodeFrame(text) }
        guard let (circuit, connection) = await open(firstFrame.first, outbox: outbox, logger: &logger) else {
            await outbox.closeAfterFlush()
            return
        }
        var ended = false
        for decoded in firstFrame.dropFirst() {
            switch decoded {
            case .success(.end): ended = true
            case .success(let inboundMessage): dispatch(inboundMessage, circuit, outbox: outbox, logger: logger)
            case .failure(let violation): refuse(violation.message, outbox, logger)
            }
        }
        do {
            reading: while !ended, let message = try await messages.next() {
                let text: String
                switch message {
                case .text(let t):
                    guard t.utf8.count <= limits.maxTextMessageBytes else {
                        refuse(
                            "a message of \(t.utf8.count) bytes exceeds the limit of \(limits.maxTextMessageBytes) bytes",
                            outbox, logger)
                        continue
                    }
                    text = t
                case .binary(let buffer):
                    do {
                        try circuit.channel.receiveBinary(Array(buffer.readableBytesView))
                    } catch {
                        refuse(error.message, outbox, logger)
                    }
                    continue
                }
                for decoded in WireCodec.decodeFrame(text) {
                    switch decoded {
                    case .success(.end):
                        ended = true
                        break reading
                    case .success(let inboundMessage): dispatch(inboundMessage, circuit, outbox: outbox, logger: logger)
                    case .failure(let violation): refuse(violation.message, outbox, logger)
                    }
                }
            }
        } catch {
            logger.debug("circuit socket ended", metadata: ["error": "\(error)"])
        }
        let failed = await circuit.failed
        if ended || failed {
            await registry.remove(circuit)
        } else if await registry.disconnected(circuit, connection: connection) {
            await circuit.connectionLost(connection: connection)
        }
    }

    /// Starts a new circuit or resumes a retained one, as the first message asks.
    private func open(
        _ first: Result<InboundMessage, ProtocolViolation>?, outbox: WebSocketOutbox, logger: inout Logger
    ) async -> (Circuit, Int)? {
        guard let decoded = first else {
            refuse("the first message on a circuit must be 'start' or 'resume'", outbox, logger, fatal: true)
            return nil
        }
        switch decoded {
        case .success(.start(let token, _)):
            return await start(token, outbox: outbox, logger: &logger)
        case .success(.resume(let id, let secret, let lastBatch)):
            guard let (circuit, connection) = await registry.resume(id: id, secret: secret) else {
                logger.notice("refused a resume", metadata: ["circuit": "\(id)"])
                outbox.enqueue(.rejected("The circuit \(id) is no longer available. Reload the page."))
                return nil
            }
            logger[metadataKey: "circuit"] = "\(id)"
            outbox.enqueue(.configure(json: configuration(id: id, secret: secret)))
            await circuit.resume(on: outbox, lastBatch: lastBatch, connection: connection)
            logger.debug("circuit resumed", metadata: ["lastBatch": "\(lastBatch)"])
            return (circuit, connection)
        default:
            refuse("the first message on a circuit must be 'start' or 'resume'", outbox, logger, fatal: true)
            return nil
        }
    }

    private func start(_ token: String, outbox: WebSocketOutbox, logger: inout Logger) async -> (Circuit, Int)? {
        let descriptor: PrerenderDescriptor
        do {
            descriptor = try app.signer.verify(token)
        } catch {
            refuse("circuit refused: \(error)", outbox, logger, fatal: true)
            return nil
        }
        let held = await registry.count(for: client)
        guard held < app.limits.maxCircuitsPerClient else {
            refuse("circuit refused: this client already holds \(held) circuits, the limit", outbox, logger, fatal: true)
            return nil
        }
        let id = makeCircuitID()
        let secret = CircuitSecret()
        logger[metadataKey: "circuit"] = "\(id)"
        let channel = InteropChannel(outbox: outbox, options: app.interop, logger: logger)
        outbox.enqueue(.configure(json: configuration(id: id, secret: secret.value)))
        let circuit = Circuit(
            id: id, channel: channel, pages: app.pages, notFound: app.notFoundPage,
            maxUnacknowledgedBatches: app.limits.maxUnacknowledgedBatches, logger: logger)
        await registry.register(circuit, secret: secret, client: client)
        // The circuit outlives this socket: it keeps running while the page reconnects.
        Task { await circuit.run(url: descriptor.url, prerenderedDigest: descriptor.markupDigest) }
        logger.debug("circuit started", metadata: ["url": "\(descriptor.url)"])
        return (circuit, 0)
    }

    private func configuration(id: String, secret: String) -> String {
        var out = String(app.limits.runtimeConfigurationJSON.dropLast())
        out += ",\"circuitId\":"
        JSONText.appendQuoted(id, to: &out)
        out += ",\"secret\":"
        JSONText.appendQuoted(secret, to: &out)
        return out + "}"
    }

    private func dispatch(_ message: InboundMessage, _ circuit: Circuit, outbox: WebSocketOutbox, logger: Logger) {
        switch message {
        case .callCompleted(let id, let outcome):
            if !circuit.channel.complete(callID: id, outcome: outcome) {
                refuse("no pending JavaScript call with id \(id)", outbox, logger, level: .debug)
            }
        case .invoke(let id, let target, let method, let args):
            let channel = circuit.channel
            let exports = app.exports
            // Runs on this thread until the method first suspends, so a method that returns at
            // once answers without a thread hop; one that awaits carries on as its own task.
            Task.immediate { await channel.dispatchInvocation(id: id, target: target, method: method, args: args, exports: exports) }
        case .event(let handler, let args):
            circuit.enqueue(.event(handler: handler, args: args))
        case .ack(let batch):
            circuit.enqueue(.ack(batch: batch))
        case .releaseObject(let id):
            circuit.channel.objects.release(id)
        case .start, .resume:
            refuse("the circuit has already started", outbox, logger)
        case .end:
            break
        case .navigate(let url):
            guard url.hasPrefix("/"), !url.hasPrefix("//") else {
                refuse("navigation must stay on this site: \(url)", outbox, logger)
                return
            }
            circuit.enqueue(.navigate(url: url))
        }
    }

    private func refuse(_ message: String, _ outbox: WebSocketOutbox, _ logger: Logger, fatal: Bool = false, level: Logger.Level = .notice) {
        logger.log(level: level, "refused inbound message", metadata: ["reason": "\(message)"])
        outbox.enqueue(fatal ? .fatal(message) : .protocolError(message))
    }
}
