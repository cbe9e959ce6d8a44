import TetherInterop
import TetherProtocol

/// Calls JavaScript in the page, synchronously and in the same thread: the WebAssembly render
/// mode's `IJSInProcessRuntime`. A component gets it as `WebAssemblyApp.js`.
///
/// ```swift
/// let quote: String = try js.invokeSync("convertArray", quoteArray)
/// ```
///
/// `identifier` is resolved from `globalThis` as the server mode's `js.invoke` resolves it.
/// Arguments and results are `JSONConvertible`; byte arrays cross linear memory as they are, with
/// no Base64, through `invokeSync(_:bytes:)`.
public struct InProcessJS: Sendable {
    /// Calls `identifier` with `arguments` and returns its result as JSON.
    public func invokeSync(_ identifier: String, arguments: [JSONValue]) throws(JSCallError) -> JSONValue {
        let outcome = withUTF8Argument(identifier) { name, nameLength in
            withUTF8Argument(JSONValue.array(arguments).serialized()) { args, argsLength in
                hostInvokeJS(name, nameLength, args, argsLength)
            }
        }
        return try Self.decodeJSON(Self.takeResult(length: outcome), of: identifier)
    }

    /// Calls `identifier` with the JSON `arguments` and then `bytes`, which JS receives as a
    /// `Uint8Array`; returns the bytes of a `Uint8Array` or `ArrayBuffer` result, or the UTF-8 of
    /// a JSON one.
    public func invokeSync(_ identifier: String, arguments: [JSONValue] = [], bytes: [UInt8]) throws(JSCallError) -> [UInt8] {
        let outcome = withUTF8Argument(identifier) { name, nameLength in
            withUTF8Argument(JSONValue.array(arguments).serialized()) { args, argsLength in
                bytes.withUnsafeBufferPointer { data in
                    hostInvokeJSBytes(name, nameLength, args, argsLength, data.baseAddress, Int32(truncatingIfNeeded: data.count))
                }
            }
        }
        let (kind, result) = Self.takeResult(length: outcome)
        if kind == .error { throw .exception(JSException(identifier: identifier, message: String(decoding: result, as: UTF8.self), stack: nil)) }
        return result
    }

    /// Calls `identifier` and decodes its result as `Result`.
    public func invokeSync<Result: JSONConvertible>(_ identifier: String, arguments: [JSONValue], as _: Result.Type = Result.self)
        throws(JSCallError) -> Result
    {
        let json = try invokeSync(identifier, arguments: arguments)
        do {
            return try Result(jsonValue: json)
        } catch {
            throw .resultDecoding(JSResultDecodingError(identifier: identifier, expectedType: "the asked type (see the underlying error)", underlying: error.message))
        }
    }

    /// `invokeSync` with no arguments.
    public func invokeSync<Result: JSONConvertible>(_ identifier: String, as _: Result.Type = Result.self) throws(JSCallError) -> Result {
        try invokeSync(identifier, arguments: [])
    }

    /// `invokeSync` with one argument.
    public func invokeSync<Result: JSONConvertible, A: JSONConvertible>(_ identifier: String, _ a: A, as _: Result.Type = Result.self)
        throws(JSCallError) -> Result
    {
        try invokeSync(identifier, arguments: [a.jsonValue])
    }

    /// `invokeSync` with two arguments.
    public func invokeSync<Result: JSONConvertible, A: JSONConvertible, B: JSONConvertible>(
        _ identifier: String, _ a: A, _ b: B, as _: Result.Type = Result.self
    ) throws(JSCallError) -> Result {
        try invokeSync(identifier, arguments: [a.jsonValue, b.jsonValue])
    }

    /// `invokeSync` with three arguments.
    public func invokeSync<Result: JSONConvertible, A: JSONConvertible, B: JSONConvertible, C: JSONConvertible>(
        _ identifier: String, _ a: A, _ b: B, _ c: C, as _: Result.Type = Result.self
    ) throws(JSCallError) -> Result {
        try invokeSync(identifier, arguments: [a.jsonValue, b.jsonValue, c.jsonValue])
    }

    /// Calls `identifier` for its effect; its result is dropped.
    public func invokeVoidSync(_ identifier: String, arguments: [JSONValue] = []) throws(JSCallError) {
        _ = try invokeSync(identifier, arguments: arguments)
    }

    private static func takeResult(length: Int32) -> (WasmResultKind, [UInt8]) {
        let count = Int(max(length, 0))
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { hostTakeResult(buffer.baseAddress) }
            initialized = count
        }
        return (WasmResultKind(rawValue: hostResultKind()) ?? .error, bytes)
    }

    private static func decodeJSON(_ result: (WasmResultKind, [UInt8]), of identifier: String) throws(JSCallError) -> JSONValue {
        let (kind, bytes) = result
        switch kind {
        case .error:
            throw .exception(JSException(identifier: identifier, message: String(decoding: bytes, as: UTF8.self), stack: nil))
        case .bytes:
            throw .resultDecoding(
                JSResultDecodingError(identifier: identifier, expectedType: "JSON", underlying: "the function returned bytes; call invokeSync(_:bytes:)"))
        case .json:
            do {
                return try JSONParser.parse(bytes)
            } catch {
                throw .resultDecoding(JSResultDecodingError(identifier: identifier, expectedType: "JSON", underlying: error.description))
            }
        }
    }
}

/// Why a synchronous JS call failed: the errors of the server mode's `js.invoke`, as one type,
/// since Embedded Swift throws typed errors only.
public enum JSCallError: Error, CustomStringConvertible {
    /// The function threw, or no function has the identifier.
    case exception(JSException)
    /// The result does not hold the asked type.
    case resultDecoding(JSResultDecodingError)

    public var description: String {
        switch self {
        case .exception(let error): error.description
        case .resultDecoding(let error): error.description
        }
    }
}
