/// A value that crosses to and from JavaScript as JSON without `Codable`, which Embedded Swift
/// lacks: the arguments and results of the WebAssembly render mode's interop.
///
/// The standard types conform. A struct of yours takes a short conformance:
///
/// ```swift
/// struct Quote: JSONConvertible {
///     var text: String
///     var year: Int
///
///     init(text: String, year: Int) {
///         self.text = text
///         self.year = year
///     }
///
///     init(jsonValue: JSONValue) throws(JSONConversionError) {
///         text = try jsonValue.member("text")
///         year = try jsonValue.member("year")
///     }
///
///     var jsonValue: JSONValue { ["text": text.jsonValue, "year": year.jsonValue] }
/// }
/// ```
public protocol JSONConvertible {
    /// The value `jsonValue` holds, or an error naming what did not fit.
    init(jsonValue: JSONValue) throws(JSONConversionError)
    /// This value as JSON.
    var jsonValue: JSONValue { get }
}

/// A JSON value that does not hold the Swift type asked of it.
public struct JSONConversionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was expected and what came.
    public let message: String

    /// An error that says `message`.
    public init(_ message: String) { self.message = message }

    /// The mismatch, with the JSON type that arrived.
    public init(expected: String, got value: JSONValue) {
        message = "expected \(expected), got \(value.typeName)"
    }

    public var description: String { message }
}

extension JSONValue {
    /// The member `key` of an object, as `Value`: `try json.member("text") as String`. A missing
    /// member reads as `null`, so an optional member may be left out.
    public func member<Value: JSONConvertible>(_ key: String, as _: Value.Type = Value.self) throws(JSONConversionError) -> Value {
        guard case .object = self else { throw JSONConversionError(expected: "an object with '\(LogSafe.clip(key))'", got: self) }
        do {
            return try Value(jsonValue: self[key] ?? .null)
        } catch {
            throw JSONConversionError("member '\(LogSafe.clip(key))': \(error.message)")
        }
    }
}

extension JSONValue: JSONConvertible {
    public init(jsonValue: JSONValue) { self = jsonValue }
    public var jsonValue: JSONValue { self }
}

extension String: JSONConvertible {
    public init(jsonValue: JSONValue) throws(JSONConversionError) {
        guard let text = jsonValue.stringValue else { throw JSONConversionError(expected: "a string", got: jsonValue) }
        self = text
    }

    public var jsonValue: JSONValue { .string(self) }
}

extension Bool: JSONConvertible {
    public init(jsonValue: JSONValue) throws(JSONConversionError) {
        guard let flag = jsonValue.boolValue else { throw JSONConversionError(expected: "a boolean", got: jsonValue) }
        self = flag
    }

    public var jsonValue: JSONValue { .bool(self) }
}

extension Double: JSONConvertible {
    /// A finite number: JSON has no NaN or infinity, and `1e400` reads as infinity.
    public init(jsonValue: JSONValue) throws(JSONConversionError) {
        guard case .number(let text) = jsonValue, let value = Double(text) else { throw JSONConversionError(expected: "a number", got: jsonValue) }
        guard value.isFinite else { throw JSONConversionError("expected a finite number, got \(LogSafe.clip(text))") }
        self = value
    }

    /// NaN and infinities, which JSON cannot write, are `null`, as `JSON.stringify` writes them.
    public var jsonValue: JSONValue { isFinite ? .number("\(self)") : .null }
}

/// Integers read exactly: `1.5`, `1e30` and `-1` for an unsigned type are errors, never a value
/// rounded or wrapped into range.
public protocol JSONConvertibleInteger: JSONConvertible {}

extension JSONConvertibleInteger where Self: FixedWidthInteger {
    public init(jsonValue: JSONValue) throws(JSONConversionError) {
        guard case .number(let text) = jsonValue else { throw JSONConversionError(expected: "an integer", got: jsonValue) }
        if let exact = Self(text) {
            self = exact
        } else if let double = Double(text), let exact = Self(exactly: double) {
            self = exact
        } else {
            throw JSONConversionError("expected an integer between \(Self.min) and \(Self.max), got \(LogSafe.clip(text))")
        }
    }

    public var jsonValue: JSONValue { .number("\(self)") }
}

extension Int: JSONConvertibleInteger {}
extension Int8: JSONConvertibleInteger {}
extension Int16: JSONConvertibleInteger {}
extension Int32: JSONConvertibleInteger {}
extension Int64: JSONConvertibleInteger {}
extension UInt: JSONConvertibleInteger {}
extension UInt8: JSONConvertibleInteger {}
extension UInt16: JSONConvertibleInteger {}
extension UInt32: JSONConvertibleInteger {}
extension UInt64: JSONConvertibleInteger {}

extension Optional: JSONConvertible where Wrapped: JSONConvertible {
    /// `null` is nil; anything else must hold `Wrapped`.
    public init(jsonValue: JSONValue) throws(JSONConversionError) {
        self = jsonValue.isNull ? nil : try Wrapped(jsonValue: jsonValue)
    }

    public var jsonValue: JSONValue { self?.jsonValue ?? .null }
}

extension Array: JSONConvertible where Element: JSONConvertible {
    public init(jsonValue: JSONValue) throws(JSONConversionError) {
        guard case .array(let items) = jsonValue else { throw JSONConversionError(expected: "an array", got: jsonValue) }
        var out: [Element] = []
        out.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do {
                out.append(try Element(jsonValue: item))
            } catch {
                throw JSONConversionError("item \(index): \(error.message)")
            }
        }
        self = out
    }

    public var jsonValue: JSONValue { .array(map { $0.jsonValue }) }
}
