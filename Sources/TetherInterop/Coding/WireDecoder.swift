import Foundation

/// Decodes `Decodable` types straight from a `JSONValue`, the way Blazor's interop reads JSON:
/// property names match case-insensitively when no exact match exists (`{Id, Name}` fills
/// `id, name`), and every number is checked rather than trusted — an integer type takes only a
/// whole number it can hold, a floating-point type only a finite one.
///
/// `Data` comes from `decodeData` when set (the circuit's byte segments), otherwise from Base64
/// text; a `URL` from a string; a `Decimal` from a number's exact text.
package struct WireDecoder {
    package var userInfo: [CodingUserInfoKey: Any] = [:]
    package var decodeData: ((any Decoder) throws -> Data)?

    package init(userInfo: [CodingUserInfoKey: Any] = [:], decodeData: ((any Decoder) throws -> Data)? = nil) {
        self.userInfo = userInfo
        self.decodeData = decodeData
    }

    package func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try WireDecoding(options: self, value: value, codingPath: []).unbox(T.self)
    }
}

private struct WireDecoding: Decoder {
    let options: WireDecoder
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: JSONValue].self, "an object") }
        return KeyedDecodingContainer(KeyedWireDecoding<Key>(decoding: self, members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch([JSONValue].self, "an array") }
        return UnkeyedWireDecoding(decoding: self, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleWireDecoding(decoding: self) }

    func child(_ value: JSONValue, _ key: any CodingKey) -> WireDecoding {
        WireDecoding(options: options, value: value, codingPath: codingPath + [key])
    }

    func mismatch(_ type: Any.Type, _ expected: String) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(expected), got \(value.typeName)"))
    }

    func corrupted(_ description: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: codingPath, debugDescription: description))
    }

    /// The types the wire treats specially first, then the type's own `init(from:)`.
    func unbox<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        if T.self == String.self { return try string() as! T }
        if T.self == Bool.self { return try bool() as! T }
        if T.self == Int.self { return try integer(Int.self) as! T }
        if T.self == Double.self { return try double() as! T }
        if T.self == Float.self { return try float() as! T }
        if T.self == URL.self {
            guard let url = URL(string: try string()) else { throw corrupted("expected a URL, got \(LogSafe.clip(try string()))") }
            return url as! T
        }
        if T.self == Decimal.self {
            guard case .number(let text) = value, let decimal = Decimal(string: text) else { throw mismatch(Decimal.self, "a number") }
            return decimal as! T
        }
        if T.self == Data.self {
            if let decodeData = options.decodeData { return try decodeData(self) as! T }
            guard let data = Data(base64Encoded: try string()) else { throw corrupted("expected Base64 text") }
            return data as! T
        }
        return try T(from: self)
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw mismatch(String.self, "a string") }
        return s
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch(Bool.self, "a boolean") }
        return b
    }

    func double() throws -> Double {
        guard case .number(let text) = value else { throw mismatch(Double.self, "a number") }
        guard let d = Double(text), d.isFinite else { throw corrupted("expected a finite number, got \(LogSafe.clip(text))") }
        return d
    }

    func float() throws -> Float {
        let d = try double()
        let f = Float(d)
        guard f.isFinite else { throw corrupted("\(d) does not fit in a Float") }
        return f
    }

    /// A whole number the type can hold: `1e3` is 1000, `1.5` and `1e19` for an `Int` are refused.
    func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        guard case .number(let text) = value else { throw mismatch(I.self, "an integer") }
        if let exact = I(text) { return exact }
        if let d = Double(text), d.isFinite, d.rounded() == d, let exact = I(exactly: d) { return exact }
        throw corrupted("expected an integer between \(I.min) and \(I.max), got \(LogSafe.clip(text))")
    }
}

private struct KeyedWireDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoding: WireDecoding
    let members: [(key: String, value: JSONValue)]
    var codingPath: [any CodingKey] { decoding.codingPath }

    var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

    /// An exact name first; otherwise the first whose name differs only in case.
    func member(_ key: Key) -> JSONValue? {
        let name = key.stringValue
        if let exact = members.first(where: { $0.key == name }) { return exact.value }
        let folded = name.lowercased()
        return members.first { $0.key.lowercased() == folded }?.value
    }

    func contains(_ key: Key) -> Bool { member(key) != nil }

    func child(_ key: Key) throws -> WireDecoding {
        guard let value = member(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no member '\(key.stringValue)'"))
        }
        return decoding.child(value, key)
    }

    func decodeNil(forKey key: Key) throws -> Bool { member(key)?.isNull ?? true }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).bool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).string() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).double() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try child(key).float() }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).integer(Int.self) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try child(key).integer(Int8.self) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try child(key).integer(Int16.self) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try child(key).integer(Int32.self) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try child(key).integer(Int64.self) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try child(key).integer(UInt.self) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try child(key).integer(UInt8.self) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try child(key).integer(UInt16.self) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try child(key).integer(UInt32.self) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try child(key).integer(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).unbox(T.self) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder {
        decoding.child(members.first { $0.key == "super" }?.value ?? .null, IndexKey(intValue: 0))
    }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoding.child(member(key) ?? .null, key) }
}

private struct UnkeyedWireDecoding: UnkeyedDecodingContainer {
    let decoding: WireDecoding
    let items: [JSONValue]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoding.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func next() throws -> WireDecoding {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                JSONValue.self, .init(codingPath: codingPath + [IndexKey(intValue: currentIndex)], debugDescription: "the array has no more elements"))
        }
        defer { currentIndex += 1 }
        return decoding.child(items[currentIndex], IndexKey(intValue: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().bool() }
    mutating func decode(_ type: String.Type) throws -> String { try next().string() }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().double() }
    mutating func decode(_ type: Float.Type) throws -> Float { try next().float() }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().integer(Int.self) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().integer(Int8.self) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().integer(Int16.self) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().integer(Int32.self) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().integer(Int64.self) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().integer(UInt.self) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().integer(UInt8.self) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().integer(UInt16.self) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().integer(UInt32.self) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().integer(UInt64.self) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().unbox(T.self) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleWireDecoding: SingleValueDecodingContainer {
    let decoding: WireDecoding
    var codingPath: [any CodingKey] { decoding.codingPath }

    func decodeNil() -> Bool { decoding.value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try decoding.bool() }
    func decode(_ type: String.Type) throws -> String { try decoding.string() }
    func decode(_ type: Double.Type) throws -> Double { try decoding.double() }
    func decode(_ type: Float.Type) throws -> Float { try decoding.float() }
    func decode(_ type: Int.Type) throws -> Int { try decoding.integer(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoding.integer(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoding.integer(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoding.integer(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoding.integer(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoding.integer(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoding.integer(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoding.integer(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoding.integer(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoding.integer(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoding.unbox(T.self) }
}
