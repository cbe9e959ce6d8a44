import Foundation

/// Encodes Swift values to JSON text and decodes JSON values into Swift types.
///
/// One place owns the encoder settings, so every interop path encodes the same way.
package enum InteropCoding {
    /// Object members come out in the order they were encoded (declaration order), the same in
    /// every process.
    package static func encode(_ value: some Encodable) throws -> String {
        if let json = value as? JSONValue { return json.serialized() }
        if let s = value as? String { return JSONText.quoted(s) }
        return try WireEncoder().encode(value).serialized()
    }

    package static func encodeArguments(_ args: [any Encodable]) throws -> String {
        var out = "["
        for (i, arg) in args.enumerated() {
            if i > 0 { out += "," }
            out += try encode(arg)
        }
        out += "]"
        return out
    }

    /// Numbers are checked: an integer type takes a whole number it can hold, in any spelling
    /// (`1e3` is 1000), a floating-point type only a finite one; property names match
    /// case-insensitively when no exact match exists.
    package static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        if let direct = value as? T { return direct }
        return try WireDecoder().decode(T.self, from: value)
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .number(String(i))
        } else if let d = try? container.decode(Double.self) {
            self = .number(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else if let o = try? container.decode([String: JSONValue].self) {
            self = .object(o.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .number(let n):
            if let i = Int64(n) { try container.encode(i) } else { try container.encode(Double(n) ?? 0) }
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o):
            var keyed = encoder.container(keyedBy: AnyKey.self)
            for (k, v) in o { try keyed.encode(v, forKey: AnyKey(k)) }
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
