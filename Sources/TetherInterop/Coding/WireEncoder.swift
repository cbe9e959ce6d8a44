import Foundation

/// Turns `Encodable` values into `JSONValue`s whose object members keep the order they were
/// encoded in: declaration order for a synthesized conformance, as System.Text.Json writes them.
/// Foundation's `JSONEncoder` orders keys by hash, so its output changes from one process to the
/// next, which breaks snapshot tests, cache keys and diffs of two runs.
///
/// Numbers keep full precision (integers as integers, floating-point values in their shortest
/// form); a non-finite floating-point value cannot be sent and is an error, as in `JSONEncoder`.
/// `Data` goes through `encodeData` when set (the circuit sends it as a binary byte segment),
/// otherwise as Base64 text. A `URL` is its absolute string; a `Decimal` is a number.
package struct WireEncoder {
    package var userInfo: [CodingUserInfoKey: Any] = [:]
    package var encodeData: ((Data, any Encoder) throws -> Void)?

    package init(userInfo: [CodingUserInfoKey: Any] = [:], encodeData: ((Data, any Encoder) throws -> Void)? = nil) {
        self.userInfo = userInfo
        self.encodeData = encodeData
    }

    package func encode(_ value: some Encodable) throws -> JSONValue {
        try WireEncoding(options: self, codingPath: []).box(value).materialized
    }
}

/// A value being built: objects and arrays stay mutable until the whole value is encoded.
private enum Slot {
    case value(JSONValue)
    case object(ObjectNode)
    case array(ArrayNode)
    /// What a `superEncoder()` will hold once the caller has encoded into it.
    case encoder(WireEncoding)

    var materialized: JSONValue {
        switch self {
        case .value(let value): value
        case .object(let node): .object(node.members.map { (key: $0.key, value: $0.slot.materialized) })
        case .array(let node): .array(node.items.map(\.materialized))
        case .encoder(let encoding): (encoding.slot ?? .object(ObjectNode())).materialized
        }
    }
}

private final class ObjectNode {
    var members: [(key: String, slot: Slot)] = []
    var index: [String: Int] = [:]

    /// A key encoded twice keeps its first place and its last value, as in a dictionary.
    func set(_ key: String, _ slot: Slot) {
        if let at = index[key] {
            members[at].slot = slot
        } else {
            index[key] = members.count
            members.append((key, slot))
        }
    }
}

private final class ArrayNode {
    var items: [Slot] = []
}

private final class WireEncoding: Encoder {
    let options: WireEncoder
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }
    var slot: Slot?

    init(options: WireEncoder, codingPath: [any CodingKey]) {
        self.options = options
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let node: ObjectNode
        if case .object(let existing) = slot {
            node = existing
        } else {
            node = ObjectNode()
            slot = .object(node)
        }
        return KeyedEncodingContainer(KeyedWireContainer<Key>(encoding: self, node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let node: ArrayNode
        if case .array(let existing) = slot {
            node = existing
        } else {
            node = ArrayNode()
            slot = .array(node)
        }
        return UnkeyedWireContainer(encoding: self, node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleWireContainer(encoding: self) }

    /// One value, encoded at `codingPath`: the types the wire treats specially first.
    func box(_ value: some Encodable, at path: [any CodingKey]? = nil) throws -> Slot {
        let path = path ?? codingPath
        switch value {
        case let json as JSONValue: return .value(json)
        case let string as String: return .value(.string(string))
        case let bool as Bool: return .value(.bool(bool))
        case let int as Int: return .value(.number(String(int)))
        case let double as Double: return .value(try Self.number(double, path))
        case let float as Float: return .value(try Self.number(Double(float), path))
        case let url as URL: return .value(.string(url.absoluteString))
        case let decimal as Decimal: return .value(.number("\(decimal)"))
        case let data as Data:
            let child = WireEncoding(options: options, codingPath: path)
            if let encodeData = options.encodeData {
                try encodeData(data, child)
                return child.slot ?? .value(.null)
            }
            return .value(.string(data.base64EncodedString()))
        default:
            let child = WireEncoding(options: options, codingPath: path)
            try value.encode(to: child)
            // A type that encodes nothing at all is an empty object, as JSONEncoder makes it.
            return child.slot ?? .object(ObjectNode())
        }
    }

    static func number(_ value: Double, _ path: [any CodingKey]) throws -> JSONValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "\(value) cannot be sent as JSON"))
        }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number("\(value)")
    }

    static func integer(_ value: some BinaryInteger) -> JSONValue { .number(String(value)) }
}

private struct KeyedWireContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoding: WireEncoding
    let node: ObjectNode
    let codingPath: [any CodingKey]

    func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }

    mutating func encodeNil(forKey key: Key) throws { node.set(key.stringValue, .value(.null)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { node.set(key.stringValue, .value(.bool(value))) }
    mutating func encode(_ value: String, forKey key: Key) throws { node.set(key.stringValue, .value(.string(value))) }
    mutating func encode(_ value: Double, forKey key: Key) throws { node.set(key.stringValue, .value(try WireEncoding.number(value, path(key)))) }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        node.set(key.stringValue, .value(try WireEncoding.number(Double(value), path(key))))
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { node.set(key.stringValue, .value(WireEncoding.integer(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { node.set(key.stringValue, .value(WireEncoding.integer(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { node.set(key.stringValue, .value(WireEncoding.integer(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { node.set(key.stringValue, .value(WireEncoding.integer(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { node.set(key.stringValue, .value(WireEncoding.integer(value))) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { node.set(key.stringValue, .value(WireEncoding.integer(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { node.set(key.stringValue, .value(WireEncoding.integer(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { node.set(key.stringValue, .value(WireEncoding.integer(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { node.set(key.stringValue, .value(WireEncoding.integer(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { node.set(key.stringValue, .value(WireEncoding.integer(value))) }
    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        node.set(key.stringValue, try encoding.box(value, at: path(key)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectNode()
        node.set(key.stringValue, .object(nested))
        return KeyedEncodingContainer(KeyedWireContainer<NestedKey>(encoding: encoding, node: nested, codingPath: path(key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = ArrayNode()
        node.set(key.stringValue, .array(nested))
        return UnkeyedWireContainer(encoding: encoding, node: nested, codingPath: path(key))
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: "super", at: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue, at: path(key)) }

    private func superEncoder(named name: String, at path: [any CodingKey]) -> any Encoder {
        let child = WireEncoding(options: encoding.options, codingPath: path)
        node.set(name, .encoder(child))
        return child
    }
}

private struct UnkeyedWireContainer: UnkeyedEncodingContainer {
    let encoding: WireEncoding
    let node: ArrayNode
    let codingPath: [any CodingKey]
    var count: Int { node.items.count }

    private var nextPath: [any CodingKey] { codingPath + [IndexKey(intValue: count)] }

    mutating func encodeNil() throws { node.items.append(.value(.null)) }
    mutating func encode(_ value: Bool) throws { node.items.append(.value(.bool(value))) }
    mutating func encode(_ value: String) throws { node.items.append(.value(.string(value))) }
    mutating func encode(_ value: Double) throws { node.items.append(.value(try WireEncoding.number(value, nextPath))) }
    mutating func encode(_ value: Float) throws { node.items.append(.value(try WireEncoding.number(Double(value), nextPath))) }
    mutating func encode(_ value: Int) throws { node.items.append(.value(WireEncoding.integer(value))) }
    mutating func encode(_ value: Int8) throws { node.items.append(.value(WireEncoding.integer(value))) }
    mutating func encode(_ value: Int16) throws { node.items.append(.value(WireEncoding.integer(value))) }
    mutating func encode(_ value: Int32) throws { node.items.append(.value(WireEncoding.integer(value))) }
    mutating func encode(_ value: Int64) throws { node.items.append(.value(WireEncoding.integer(value))) }
    mutating func encode(_ value: UInt) throws { node.items.append(.value(WireEncoding.integer(value))) }
    mutating func encode(_ value: UInt8) throws { node.items.append(.value(WireEncoding.integer(value))) }
    mutating func encode(_ value: UInt16) throws { node.items.append(.value(WireEncoding.integer(value))) }
    mutating func encode(_ value: UInt32) throws { node.items.append(.value(WireEncoding.integer(value))) }
    mutating func encode(_ value: UInt64) throws { node.items.append(.value(WireEncoding.integer(value))) }
    mutating func encode(_ value: some Encodable) throws { node.items.append(try encoding.box(value, at: nextPath)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectNode()
        let path = nextPath
        node.items.append(.object(nested))
        return KeyedEncodingContainer(KeyedWireContainer<NestedKey>(encoding: encoding, node: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = ArrayNode()
        let path = nextPath
        node.items.append(.array(nested))
        return UnkeyedWireContainer(encoding: encoding, node: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let child = WireEncoding(options: encoding.options, codingPath: nextPath)
        node.items.append(.encoder(child))
        return child
    }
}

private struct SingleWireContainer: SingleValueEncodingContainer {
    let encoding: WireEncoding
    var codingPath: [any CodingKey] { encoding.codingPath }

    mutating func encodeNil() throws { encoding.slot = .value(.null) }
    mutating func encode(_ value: Bool) throws { encoding.slot = .value(.bool(value)) }
    mutating func encode(_ value: String) throws { encoding.slot = .value(.string(value)) }
    mutating func encode(_ value: Double) throws { encoding.slot = .value(try WireEncoding.number(value, codingPath)) }
    mutating func encode(_ value: Float) throws { encoding.slot = .value(try WireEncoding.number(Double(value), codingPath)) }
    mutating func encode(_ value: Int) throws { encoding.slot = .value(WireEncoding.integer(value)) }
    mutating func encode(_ value: Int8) throws { encoding.slot = .value(WireEncoding.integer(value)) }
    mutating func encode(_ value: Int16) throws { encoding.slot = .value(WireEncoding.integer(value)) }
    mutating func encode(_ value: Int32) throws { encoding.slot = .value(WireEncoding.integer(value)) }
    mutating func encode(_ value: Int64) throws { encoding.slot = .value(WireEncoding.integer(value)) }
    mutating func encode(_ value: UInt) throws { encoding.slot = .value(WireEncoding.integer(value)) }
    mutating func encode(_ value: UInt8) throws { encoding.slot = .value(WireEncoding.integer(value)) }
    mutating func encode(_ value: UInt16) throws { encoding.slot = .value(WireEncoding.integer(value)) }
    mutating func encode(_ value: UInt32) throws { encoding.slot = .value(WireEncoding.integer(value)) }
    mutating func encode(_ value: UInt64) throws { encoding.slot = .value(WireEncoding.integer(value)) }
    mutating func encode(_ value: some Encodable) throws { encoding.slot = try encoding.box(value) }
}

/// The coding key of an array element.
struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { intValue.map(String.init) ?? "" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}
