import Foundation
import TetherProtocol

/// The one place values are turned into wire JSON and back, for calls in both directions.
///
/// `[UInt8]` and `Data` arguments and results, and `Data` anywhere inside them, travel as binary
/// byte segments. A `SwiftObjectReference` inside a value is registered with the circuit.
extension InteropChannel {
    /// Where a circuit's coders find it, so a handle nested anywhere in a value (a Swift object,
    /// a JS object, a JS stream, a byte array) is registered or resolved on the right circuit.
    static let userInfoKey = CodingUserInfoKey(rawValue: "tether.channel")!

    package func encode(_ value: some Encodable) throws -> String {
        // Values that need no circuit take the shared path.
        if value is JSONValue || value is String { return try InteropCoding.encode(value) }
        if let bytes = value as? [UInt8] { return sendBytes(bytes) }
        if let data = value as? Data { return sendBytes(Array(data)) }
        let encoder = WireEncoder(userInfo: [Self.userInfoKey: self, SwiftObjectRegistry.userInfoKey: objects]) { [self] data, encoder in
            let id = nextByteSegmentID()
            send(.bytes(id: id, payload: Array(data)))
            var container = encoder.container(keyedBy: HandleKey.self)
            try container.encode(id, forKey: HandleKey(.bytes))
        }
        return try encoder.encode(value).serialized()
    }

    private func sendBytes(_ bytes: [UInt8]) -> String {
        let id = nextByteSegmentID()
        send(.bytes(id: id, payload: bytes))
        return "{\"\(Marker.bytes.rawValue)\":\(id)}"
    }

    package func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        if T.self == [UInt8].self || T.self == Data.self, let id = value[Marker.bytes.rawValue]?.intValue {
            guard let bytes = inboundBytes.take(id) else { throw MissingByteSegment(id: id) }
            return (T.self == Data.self ? Data(bytes) as! T : bytes as! T)
        }
        if T.self == JSONValue.self, Self.containsByteMarker(value) {
            throw DecodingError.typeMismatch(
                JSONValue.self,
                .init(codingPath: [], debugDescription: "byte arrays arrive only in a [UInt8] or Data parameter, or a Data field"))
        }
        let decoder = WireDecoder(userInfo: [Self.userInfoKey: self]) { [inboundBytes] decoder in
            let container = try decoder.container(keyedBy: HandleKey.self)
            let id = try container.decode(Int.self, forKey: HandleKey(.bytes))
            guard let bytes = inboundBytes.take(id) else { throw MissingByteSegment(id: id) }
            return Data(bytes)
        }
        return try decoder.decode(T.self, from: value)
    }

    /// The channel a coder works for, or an error naming what needs one.
    static func from(_ userInfo: [CodingUserInfoKey: Any], codingPath: [any CodingKey], for what: String) throws -> InteropChannel {
        guard let channel = userInfo[userInfoKey] as? InteropChannel else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath, debugDescription: "\(what) can only be decoded by a circuit's interop runtime"))
        }
        return channel
    }

    /// Accepts a binary frame from the browser: one byte segment for a message that follows.
    package func receiveBinary(_ frame: [UInt8]) throws(ProtocolViolation) {
        try inboundBytes.store(frame)
    }

    func encodeResult(_ value: some Encodable) throws -> InvocationResult {
        InvocationResult(json: try encode(value))
    }

    /// The ids of every byte segment a value refers to.
    static func byteSegmentIDs(in value: JSONValue) -> [Int] {
        switch value {
        case .object(let members):
            if members.count == 1, members[0].key == Marker.bytes.rawValue, let id = members[0].value.intValue { return [id] }
            return members.flatMap { byteSegmentIDs(in: $0.value) }
        case .array(let items): return items.flatMap(byteSegmentIDs)
        default: return []
        }
    }

    private static func containsByteMarker(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let members):
            if members.count == 1, members[0].key == Marker.bytes.rawValue { return true }
            return members.contains { containsByteMarker($0.value) }
        case .array(let items): return items.contains(where: containsByteMarker)
        default: return false
        }
    }
}
