import TetherProtocol

/// Why an inbound frame was refused. The text goes back to the browser and into the log.
package struct ProtocolViolation: Error, Sendable, Equatable, CustomStringConvertible {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// The wire format, in one place.
///
/// A frame is a JSON array of messages; a message is a JSON array whose first element names its
/// kind. Batching every message produced in one turn into one frame is what lets the browser get
/// past its per-message ceiling.
///
/// | kind | direction | fields |
/// | --- | --- | --- |
/// | `start` | in | descriptor, url |
/// | `resume` | in | circuit id, secret, last applied batch |
/// | `end` | in | (none) |
/// | `ev` | in | handler id, event args, and optionally the page's sequence number for it |
/// | `done` | in | call id, ok, value or {message, stack} |
/// | `inv` | in | call id, module name or object id, method, args array |
/// | `ack` | in | batch number |
/// | `rel` | in | Swift object id |
/// | `nav` | in | url |
/// | `pause` | in | (none): save the circuit and free it; the socket closes with 4006 |
/// | `drained` | in | (none): the answer to `drain`; the page sends nothing more on this socket |
/// | `r` | out | batch number, edits, and when the batch changes the document's head: [title, head elements as HTML, each top-level element marked `data-tether-head`] |
/// | `c` | out | call id, identifier, args array, result mode, and when not 0: JS object id, operation |
/// | `res` | out | call id, ok, value or message |
/// | `err` | out | message |
/// | `go` | out | url, replace, in circuit (only push the history entry) |
/// | `djs` | out | JS object id |
/// | `fatal` | out | message; the server closes the circuit |
/// | `rejected` | out | reason a resume was refused |
/// | `bye` | out | reason, resumes: the server is shutting down and the socket closes next; when resumes is true it saved the circuit (a drain) |
/// | `drain` | out | (none): the server saves the circuit next; the page flushes what it holds and answers `drained` |
/// | `evd` | out | sequence number of an `ev`: it was handled or refused, and its render is ahead of this |
/// | `cfg` | out | settings object, sent first: `maxMessageBytes`, `maxChunkBytes`, `circuitId`, `secret`, `restored` (this socket's resume rebuilt the circuit from its store) |
package enum WireCodec {
    package static func decodeFrame(_ text: String) -> [Result<InboundMessage, ProtocolViolation>] {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            return [.failure(ProtocolViolation("malformed frame: \(error)"))]
        }
        guard case .array(let messages) = root else {
            return [.failure(ProtocolViolation("malformed frame: expected an array of messages, got \(root.typeName)"))]
        }
        return messages.map(decodeMessage)
    }

    package static func decodeMessage(_ value: JSONValue) -> Result<InboundMessage, ProtocolViolation> {
        guard case .array(let fields) = value, let kindName = fields.first?.stringValue else {
            return .failure(ProtocolViolation("malformed message: expected [kind, ...]"))
        }
        guard let kind = MessageKind(rawValue: kindName) else {
            return .failure(ProtocolViolation("unknown message type '\(LogSafe.clip(kindName))'"))
        }
        func field(_ i: Int) -> JSONValue? {
            guard i < fields.count else { return nil }
            return fields[i]
        }
        func fail(_ reason: String) -> Result<InboundMessage, ProtocolViolation> {
            .failure(ProtocolViolation("malformed '\(kind.rawValue)' message: \(reason)"))
        }
        switch kind {
        case .start:
            guard let descriptor = field(1)?.stringValue, let url = field(2)?.stringValue else {
                return fail("expected descriptor and url strings")
            }
            return .success(.start(descriptor: descriptor, url: url))
        case .resume:
            guard let circuitID = field(1)?.stringValue, let secret = field(2)?.stringValue, let last = field(3)?.intValue else {
                return fail("expected circuit id, secret and last batch")
            }
            return .success(.resume(circuitID: circuitID, secret: secret, lastBatch: last))
        case .end:
            return .success(.end)
        case .event:
            guard let handler = field(1)?.stringValue else { return fail("expected a handler id string") }
            guard let number = field(3), !number.isNull else { return .success(.event(handler: handler, args: field(2) ?? .null)) }
            // Echoed back as it came, so any integer will do; anything else is refused.
            guard let sequence = number.intValue else { return fail("expected an integer sequence number") }
            return .success(.event(handler: handler, args: field(2) ?? .null, sequence: sequence))
        case .callCompleted:
            guard let id = field(1)?.intValue, let ok = field(2)?.boolValue else {
                return fail("expected call id and ok flag")
            }
            if ok { return .success(.callCompleted(id: id, outcome: .success(field(3) ?? .null))) }
            let info = field(3) ?? .null
            let message = info["message"]?.stringValue ?? info.stringValue ?? "unknown JavaScript error"
            return .success(.callCompleted(id: id, outcome: .failure(message: message, stack: info["stack"]?.stringValue)))
        case .invoke:
            guard let id = field(1)?.intValue else { return fail("expected a call id") }
            let target: InvocationTarget
            if let module = field(2)?.stringValue {
                target = .module(module)
            } else if let object = field(2)?.intValue {
                target = .object(object)
            } else {
                return fail("expected a module name or object id")
            }
            guard let method = field(3)?.stringValue else { return fail("expected a method id") }
            guard case .array(let args) = field(4) ?? .array([]) else { return fail("expected an arguments array") }
            return .success(.invoke(id: id, target: target, method: method, args: args))
        case .acknowledge:
            guard let batch = field(1)?.intValue else { return fail("expected a batch number") }
            return .success(.ack(batch: batch))
        case .releaseObject:
            guard let id = field(1)?.intValue else { return fail("expected an object id") }
            return .success(.releaseObject(id: id))
        case .navigate:
            guard let url = field(1)?.stringValue else { return fail("expected a url") }
            return .success(.navigate(url: url))
        case .pause:
            return .success(.pause)
        case .drained:
            return .success(.drained)
        case .render, .call, .invocationResult, .protocolError, .navigateTo, .disposeJSObject, .fatal, .rejected, .shutdown, .configure,
            .drain, .eventHandled:
            return .failure(ProtocolViolation("'\(kind.rawValue)' is a message the server sends, never one it receives"))
        }
    }

    package static func encode(_ message: OutboundMessage, to out: inout String) {
        switch message {
        case .render(let batch, let edits, let head):
            begin(.render, &out)
            out += "\(batch),\(edits)"
            if let head {
                out += ",["
                JSONText.appendQuoted(head.title, to: &out)
                out += ","
                JSONText.appendQuoted(head.elements, to: &out)
                out += "]"
            }
            out += "]"
        case .interop(.call(let id, let identifier, let arguments, let mode, let target, let operation)):
            begin(.call, &out)
            out += "\(id),"
            JSONText.appendQuoted(identifier, to: &out)
            out += ",\(arguments),\(mode.rawValue)"
            if target != CallTarget.window.rawValue || operation != .call { out += ",\(target),\(operation.rawValue)" }
            out += "]"
        case .interop(.invocationResult(let id, .success(let json))):
            begin(.invocationResult, &out)
            out += "\(id),true,\(json)]"
        case .interop(.invocationResult(let id, .failure(let message))):
            begin(.invocationResult, &out)
            out += "\(id),false,"
            JSONText.appendQuoted(message, to: &out)
            out += "]"
        case .protocolError(let message):
            appendTextMessage(.protocolError, message, to: &out)
        case .navigateTo(let url, let replace, let inCircuit):
            begin(.navigateTo, &out)
            JSONText.appendQuoted(url, to: &out)
            out += ",\(replace),\(inCircuit)]"
        case .interop(.disposeJSObject(let id)):
            begin(.disposeJSObject, &out)
            out += "\(id)]"
        case .fatal(let message):
            appendTextMessage(.fatal, message, to: &out)
        case .shutdown(let reason, let resumes):
            begin(.shutdown, &out)
            JSONText.appendQuoted(reason, to: &out)
            out += ",\(resumes)]"
        case .rejected(let reason):
            appendTextMessage(.rejected, reason, to: &out)
        case .configure(let json):
            begin(.configure, &out)
            out += "\(json)]"
        case .drain:
            out += "[\"" + MessageKind.drain.rawValue + "\"]"
        case .eventHandled(let sequence):
            begin(.eventHandled, &out)
            out += "\(sequence)]"
        case .interop(.bytes):
            // Byte segments travel in binary frames (see `frames(for:)`), never in JSON.
            break
        }
    }

    /// `["kind",`: the start of every message. No kind needs escaping.
    private static func begin(_ kind: MessageKind, _ out: inout String) {
        out += "[\"" + kind.rawValue + "\","
    }

    /// `["kind",<quoted text>]`: the shape of every message that carries one string.
    private static func appendTextMessage(_ kind: MessageKind, _ text: String, to out: inout String) {
        begin(kind, &out)
        JSONText.appendQuoted(text, to: &out)
        out += "]"
    }

    package enum Frame: Sendable, Equatable {
        case text(String)
        case binary([UInt8])
    }

    /// The frames for one batch: byte segments first, each in its own binary frame, then one
    /// text frame with every other message.
    package static func frames(for messages: [OutboundMessage]) -> [Frame] {
        var frames: [Frame] = []
        var others: [OutboundMessage] = []
        others.reserveCapacity(messages.count)
        for message in messages {
            if case .interop(.bytes(let id, let payload)) = message {
                frames.append(.binary(ByteSegment.frame(id: id, bytes: payload)))
            } else {
                others.append(message)
            }
        }
        if !others.isEmpty { frames.append(.text(encodeFrame(others))) }
        return frames
    }

    package static func encodeFrame(_ messages: some Sequence<OutboundMessage>) -> String {
        var out = "["
        var first = true
        for message in messages {
            if case .interop(.bytes) = message { continue }
            if !first { out += "," }
            first = false
            encode(message, to: &out)
        }
        out += "]"
        return out
    }
}
