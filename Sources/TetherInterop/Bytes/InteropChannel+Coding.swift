import Foundation

/// The one place values are turned into wire JSON and back, for calls in both directions.
///
/// `[UInt8]` and `Data` arguments and results, and `Data` anywhere inside them, travel as binary
/// byte segments. A `SwiftObjectReference` inside a value is registered with the circuit.
extension InteropChannel {
    public func encode(_ value: some Encodable) throws -> String {
        // Values that need no circuit take the shared path.
        if value is JSONValue || value is String { return try InteropCoding.encode(value) }
        if let bytes = value as? [UInt8] { return sendBytes(bytes) }
        if let data = value as? Data { return sendBytes(Array(data)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.userInfo[SwiftObjectRegistry.userInfoKey] = objects
        encoder.dataEncodingStrategy = .custom { [self] data, encoder in
            let id = nextByteSegmentID()
            send(.bytes(id: id, payload: Array(data)))
            var container = encoder.container(keyedBy: ByteMarkerKey.self)
            try container.encode(id, forKey: .bytes)
        }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private func sendBytes(_ bytes: [UInt8]) -> String {
        let id = nextByteSegmentID()
        send(.bytes(id: id, payload: bytes))
        return "{\"\(ByteSegment.markerKey)\":\(id)}"
    }

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        if T.self == JSStreamReference.self {
            guard let id = value[JSStreamReference.markerKey]?.intValue else {
                throw DecodingError.typeMismatch(
                    JSStreamReference.self, .init(codingPath: [], debugDescription: "expected a JS stream reference, got \(value.typeName)"))
            }
            // The length is the browser's word: absent or null when unknown, otherwise it must be
            // a byte count, so no reader sizes a buffer from a negative or fractional one.
            var length: Int?
            if let declared = value["length"], !declared.isNull {
                guard let count = declared.intValue, count >= 0 else {
                    let got = if case .number(let n) = declared { LogSafe.clip(n) } else { declared.typeName }
                    throw DecodingError.dataCorrupted(
                        .init(codingPath: [], debugDescription: "a JS stream's length must be a byte count, got \(got)"))
                }
                length = count
            }
            return JSStreamReference(objectID: id, length: length, runtime: JSRuntime(channel: self)) as! T
        }
        if T.self == [UInt8].self || T.self == Data.self, let id = value[ByteSegment.markerKey]?.intValue {
            guard let bytes = inboundBytes.take(id) else { throw MissingByteSegment(id: id) }
            return (T.self == Data.self ? Data(bytes) as! T : bytes as! T)
        }
        guard Self.containsByteMarker(value) else { return try InteropCoding.decode(T.self, from: value) }
        if T.self == JSONValue.self {
            throw DecodingError.typeMismatch(
                JSONValue.self,
                .init(codingPath: [], debugDescription: "byte arrays arrive only in a [UInt8] or Data parameter, or a Data field"))
        }
        let decoder = JSONDecoder()
        decoder.dataDecodingStrategy = .custom { [inboundBytes] decoder in
            let container = try decoder.container(keyedBy: ByteMarkerKey.self)
            let id = try container.decode(Int.self, forKey: .bytes)
            guard let bytes = inboundBytes.take(id) else { throw MissingByteSegment(id: id) }
            return Data(bytes)
        }
        return try decoder.decode(T.self, from: Data(value.serialized().utf8))
    }

    /// Accepts a binary frame from the browser: one byte segment for a message that follows.
    public func receiveBinary(_ frame: [UInt8]) throws(ProtocolViolation) {
        try inboundBytes.store(frame)
    }

    func encodeResult(_ value: some Encodable) throws -> InvocationResult {
        InvocationResult(json: try encode(value))
    }

    /// The ids of every byte segment a value refers to.
    static func byteSegmentIDs(in value: JSONValue) -> [Int] {
        switch value {
        case .object(let members):
            if members.count == 1, members[0].key == ByteSegment.markerKey, let id = members[0].value.intValue { return [id] }
            return members.flatMap { byteSegmentIDs(in: $0.value) }
        case .array(let items): return items.flatMap(byteSegmentIDs)
        default: return []
        }
    }

    private static func containsByteMarker(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let members):
            if members.count == 1, members[0].key == ByteSegment.markerKey { return true }
            return members.contains { containsByteMarker($0.value) }
        case .array(let items): return items.contains(where: containsByteMarker)
        default: return false
        }
    }
}

private enum ByteMarkerKey: String, CodingKey {
    case bytes = "__tetherBytes"
}
