import TetherInterop

/// Reading server messages: each is a JSON array whose first element names its kind.
extension JSONValue {
    var kind: String? { self[0]?.stringValue }

    func isKind(_ kind: String) -> Bool { self.kind == kind }

    /// A frame holding the given messages, as text.
    static func frame(_ messages: JSONValue...) -> String {
        JSONValue.array(messages).serialized()
    }
}

/// One `["r", batch, edits]` message.
struct RenderBatchMessage: Sendable, CustomStringConvertible {
    let number: Int
    let edits: [JSONValue]

    init(_ message: JSONValue) throws {
        guard message.isKind("r"), let number = message[1]?.intValue, case .array(let edits)? = message[2] else {
            throw EditError(description: "not a render batch: \(message)")
        }
        self.number = number
        self.edits = edits
    }

    /// Edit codes in order.
    var codes: [Int] { edits.compactMap { $0[0]?.intValue } }

    /// The HTML carried by replace, insert and replace-all edits.
    var insertedHTML: [String] {
        edits.compactMap { edit in
            switch edit[0]?.intValue {
            case 0, 7: edit[2]?.stringValue
            case 1: edit[3]?.stringValue
            default: nil
            }
        }
    }

    var description: String { "batch \(number): \(JSONValue.array(edits))" }
}

/// One `["c", id, identifier, args, mode]` message.
struct JSCallMessage: Sendable {
    let id: Int
    let identifier: String
    let arguments: [JSONValue]
    let mode: Int

    init(_ message: JSONValue) throws {
        guard message.isKind("c"), let id = message[1]?.intValue, let identifier = message[2]?.stringValue,
            case .array(let arguments)? = message[3], let mode = message[4]?.intValue
        else {
            throw EditError(description: "not a JS call: \(message)")
        }
        self.id = id
        self.identifier = identifier
        self.arguments = arguments
        self.mode = mode
    }
}

/// One `["res", id, ok, value]` message.
struct InvocationResultMessage: Sendable {
    let id: Int
    let ok: Bool
    let value: JSONValue

    init(_ message: JSONValue) throws {
        guard message.isKind("res"), let id = message[1]?.intValue, let ok = message[2]?.boolValue, let value = message[3] else {
            throw EditError(description: "not an invocation result: \(message)")
        }
        self.id = id
        self.ok = ok
        self.value = value
    }
}
