/// A JSON value as it travels on the wire.
///
/// Numbers keep their literal text, so an `Int64` or a `Decimal` survives a round trip through
/// the interop layer exactly as the browser wrote it.
public enum JSONValue: Sendable, Hashable {
    /// JSON's `null`; also what an `undefined` result arrives as.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, as the literal text it was written with (`"42"`, `"1e-7"`), so no precision is
    /// lost before it is decoded into the type that asks for it.
    case number(String)
    /// A string.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object's members in the order they were written; a key may repeat, as JSON allows.
    case object([(key: String, value: JSONValue)])

    /// Two values are equal when they have the same JSON type and content: numbers compare by
    /// value (`1`, `1.0` and `1e0` are equal), objects member by member in order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)):
            if a == b { return true }
            if let x = Int64(a), let y = Int64(b) { return x == y }
            return Double(a) == Double(b)
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            return zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .number(let n): hasher.combine(Double(n) ?? 0)
        case .string(let s): hasher.combine(s)
        case .array(let a): hasher.combine(a)
        case .object(let o):
            hasher.combine(o.count)
            for (k, v) in o { hasher.combine(k); hasher.combine(v) }
        }
    }

    /// An integer as a JSON number.
    public static func number(_ value: Int) -> JSONValue { .number(String(value)) }
    /// A floating-point number as a JSON number: a whole value below 10^15 without a fraction,
    /// and `null` for NaN and the infinities, which JSON cannot express.
    public static func number(_ value: Double) -> JSONValue {
        value.isFinite ? .number(value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)) : .null
    }

    /// The value of an object's first member named `key`; nil when there is none or this is not
    /// an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// An array's element at `index`; nil when the index is out of range or this is not an array.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The string, when this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number as an `Int`, when this is a number with an integral value an `Int` holds
    /// (`3` and `3.0`, not `3.5` or `1e19`).
    public var intValue: Int? {
        if case .number(let n) = self { return Int(n) ?? Double(n).flatMap { $0.rounded() == $0 ? Int(exactly: $0) : nil } }
        return nil
    }

    /// The Boolean, when this is `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByNilLiteral, ExpressibleByDictionaryLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { serialized() }
}
