import TetherProtocol

/// Calls JavaScript functions in the browser of one circuit.
///
/// The identifier is a dotted path relative to `window`: `"someScope.someFunction"` calls
/// `window.someScope.someFunction` with `this` bound to `window.someScope`. Nothing has to be
/// registered in the browser first. Arguments are any `Encodable` values; the result is decoded
/// as `T`, and a returned Promise is awaited in the browser.
///
/// ```swift
/// let text: String = try await js.invoke("convertArray", quoteArray)
/// try await js.invokeVoid("console.log", "hello", timeout: .seconds(5))
/// ```
public struct JSRuntime: Sendable {
    package let channel: InteropChannel

    package init(channel: InteropChannel) {
        self.channel = channel
    }

    /// Calls a function and decodes its result as `T`.
    public func invoke<T: Decodable>(
        _ identifier: String, _ arguments: any Encodable..., as type: T.Type = T.self, timeout: CallTimeout = .appDefault
    ) async throws -> T {
        try await invoke(identifier, arguments: arguments, as: type, timeout: timeout)
    }

    /// Calls a function with an argument list built at run time.
    public func invoke<T: Decodable>(
        _ identifier: String, arguments: [any Encodable], as type: T.Type = T.self, timeout: CallTimeout = .appDefault
    ) async throws -> T {
        try await perform(.call, identifier, arguments: arguments, on: 0, as: T.self, timeout: timeout)
    }

    /// Reads a value by its path from `window`, as Blazor's `GetValueAsync` does:
    /// `try await js.getValue("document.title", as: String.self)`. A property that is not
    /// defined, or has no getter, fails with `JSException`.
    public func getValue<T: Decodable>(_ identifier: String, as type: T.Type = T.self, timeout: CallTimeout = .appDefault) async throws -> T {
        try await perform(.get, identifier, arguments: [], on: 0, as: T.self, timeout: timeout)
    }

    /// Assigns a value by its path from `window`, as Blazor's `SetValueAsync` does.
    public func setValue(_ identifier: String, _ value: any Encodable, timeout: CallTimeout = .appDefault) async throws {
        try await performVoid(.set, identifier, arguments: [value], on: 0, timeout: timeout)
    }

    /// Imports an ES module by URL (relative to the page) and returns a handle to it, the way a
    /// component loads its collocated module. The browser caches the module: importing it again
    /// is cheap.
    public func importModule(_ url: String, timeout: CallTimeout = .appDefault) async throws -> JSObjectReference {
        try await perform(.importModule, url, arguments: [], on: 0, as: JSObjectReference.self, timeout: timeout)
    }

    /// Runs `new identifier(...arguments)` and returns a handle to the object.
    public func construct(_ identifier: String, _ arguments: any Encodable..., timeout: CallTimeout = .appDefault) async throws -> JSObjectReference {
        try await perform(.construct, identifier, arguments: arguments, on: 0, as: JSObjectReference.self, timeout: timeout)
    }

    /// The one path every Swift→JS operation takes: encode, send, await, decode.
    func perform<T: Decodable>(
        _ operation: ObjectOperation, _ identifier: String, arguments: [any Encodable], on target: Int, as type: T.Type, timeout: CallTimeout
    ) async throws -> T {
        let mode: ResultMode =
            T.self == JSObjectReference.self ? .objectReference : T.self == JSStreamReference.self ? .stream : .json
        let value = try await performRaw(operation, identifier, arguments: arguments, on: target, mode: mode, timeout: timeout)
        if T.self == JSObjectReference.self {
            guard let id = value[Marker.jsObject.rawValue]?.intValue else {
                channel.instruments.interopFailed(.swiftToJS, .invalid)
                throw JSResultDecodingError(identifier: identifier, expectedType: "JSObjectReference", underlying: "no object handle in \(value)")
            }
            return JSObjectReference(id: id, runtime: self) as! T
        }
        do {
            return try channel.decode(T.self, from: value)
        } catch {
            // The call itself succeeded and was counted so; what came back is what failed.
            channel.instruments.interopFailed(.swiftToJS, .invalid)
            throw JSResultDecodingError(identifier: identifier, expectedType: String(reflecting: T.self), underlying: Self.describe(error))
        }
    }

    /// Calls a function and ignores its result, which is never serialized in the browser.
    public func invokeVoid(_ identifier: String, _ arguments: any Encodable..., timeout: CallTimeout = .appDefault) async throws {
        try await invokeVoid(identifier, arguments: arguments, timeout: timeout)
    }

    /// Calls a function with an argument list built at run time and ignores its result.
    public func invokeVoid(_ identifier: String, arguments: [any Encodable], timeout: CallTimeout = .appDefault) async throws {
        try await performVoid(.call, identifier, arguments: arguments, on: 0, timeout: timeout)
    }

    /// Sends an operation and returns the result as it came, byte markers included.
    func performRaw(
        _ operation: ObjectOperation, _ identifier: String, arguments: [any Encodable], on target: Int, mode: ResultMode,
        timeout: CallTimeout
    ) async throws -> JSONValue {
        // Checked before encoding, because encoding byte arrays already sends them.
        try Task.checkCancellation()
        let encoded = try encodeArguments(identifier, arguments)
        return try await channel.call(
            identifier: identifier, arguments: encoded, mode: mode, timeout: timeout, target: target, operation: operation)
    }

    func performVoid(_ operation: ObjectOperation, _ identifier: String, arguments: [any Encodable], on target: Int, timeout: CallTimeout) async throws {
        try Task.checkCancellation()
        let encoded = try encodeArguments(identifier, arguments)
        _ = try await channel.call(identifier: identifier, arguments: encoded, mode: .void, timeout: timeout, target: target, operation: operation)
    }

    private func encodeArguments(_ identifier: String, _ arguments: [any Encodable]) throws -> String {
        do {
            var out = "["
            for (i, argument) in arguments.enumerated() {
                if i > 0 { out += "," }
                out += try channel.encode(argument)
            }
            return out + "]"
        } catch {
            throw JSArgumentEncodingError(identifier: identifier, underlying: Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(let type, let context):
            return "expected \(type) at \(path(context.codingPath)): \(context.debugDescription)"
        case DecodingError.valueNotFound(let type, let context):
            return "missing \(type) at \(path(context.codingPath))"
        case DecodingError.keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)' at \(path(context.codingPath))"
        case DecodingError.dataCorrupted(let context):
            return "\(context.debugDescription) at \(path(context.codingPath))"
        default:
            return String(describing: error)
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}
