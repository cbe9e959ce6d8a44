import HummingbirdWebSocket
import Logging
import NIOCore
import TetherInterop
import TetherUI

/// Serves one circuit over one WebSocket: the start handshake, then every inbound message.
struct CircuitConnection {
    let app: TetherApp

    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger baseLogger: Logger) async {
        let outbox = WebSocketOutbox()
        var logger = baseLogger
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await outbox.run { frame in
                    switch frame {
                    case .text(let text): try await outbound.write(.text(text))
                    case .binary(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                    }
                }
            }
            defer { outbox.finish() }
            let limits = app.limits
            var messages = inbound.messages(maxSize: limits.transportMaxFrameBytes).makeAsyncIterator()
            let first: WebSocketMessage?
            do { first = try await messages.next() } catch { return }
            guard let circuit = start(first, outbox: outbox, logger: &logger) else { return }
            group.addTask {
                await circuit.circuit.run(url: circuit.url, prerenderedDigest: circuit.startDigest)
            }
            do {
                while let message = try await messages.next() {
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
                            try circuit.circuit.channel.receiveBinary(Array(buffer.readableBytesView))
                        } catch {
                            refuse((error as? ProtocolViolation)?.message ?? "\(error)", outbox, logger)
                        }
                        continue
                    }
                    for decoded in WireCodec.decodeFrame(text) {
                        switch decoded {
                        case .success(let inboundMessage): await dispatch(inboundMessage, circuit.circuit, outbox: outbox, logger: logger)
                        case .failure(let violation): refuse(violation.message, outbox, logger)
                        }
                    }
                }
            } catch {
                logger.debug("circuit socket ended", metadata: ["error": "\(error)"])
            }
            await circuit.circuit.close()
        }
    }

    struct Started: Sendable {
        let circuit: Circuit
        let url: String
        let startDigest: String
    }

    private func start(_ first: WebSocketMessage?, outbox: WebSocketOutbox, logger: inout Logger) -> Started? {
        guard case .text(let text) = first, let decoded = WireCodec.decodeFrame(text).first,
            case .success(.start(let token, _)) = decoded
        else {
            refuse("the first message on a circuit must be 'start'", outbox, logger, fatal: true)
            return nil
        }
        let descriptor: PrerenderDescriptor
        do {
            descriptor = try app.signer.verify(token)
        } catch {
            refuse("circuit refused: \(error)", outbox, logger, fatal: true)
            return nil
        }
        let id = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        logger[metadataKey: "circuit"] = "\(id)"
        let channel = InteropChannel(outbox: outbox, options: app.interop, logger: logger)
        outbox.enqueue(.configure(json: app.limits.runtimeConfigurationJSON))
        let circuit = Circuit(id: id, channel: channel, pages: app.pages, notFound: app.notFoundPage, logger: logger)
        logger.debug("circuit started", metadata: ["url": "\(descriptor.url)"])
        return Started(circuit: circuit, url: descriptor.url, startDigest: descriptor.markupDigest)
    }

    private func dispatch(_ message: InboundMessage, _ circuit: Circuit, outbox: WebSocketOutbox, logger: Logger) async {
        switch message {
        case .callCompleted(let id, let outcome):
            if !circuit.channel.complete(callID: id, outcome: outcome) {
                refuse("no pending JavaScript call with id \(id)", outbox, logger, level: .debug)
            }
        case .invoke(let id, let target, let method, let args):
            let channel = circuit.channel
            let exports = app.exports
            Task { await channel.dispatchInvocation(id: id, target: target, method: method, args: args, exports: exports) }
        case .event(let handler, let args):
            circuit.enqueue(.event(handler: handler, args: args))
        case .ack(let batch):
            circuit.enqueue(.ack(batch: batch))
        case .releaseObject(let id):
            circuit.channel.objects.release(id)
        case .start:
            refuse("the circuit has already started", outbox, logger)
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
