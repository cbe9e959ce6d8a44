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
    public let channel: InteropChannel

    public init(channel: InteropChannel) {
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
        let encoded = try encodeArguments(identifier, arguments)
        let value = try await channel.call(identifier: identifier, arguments: encoded, mode: .json, timeout: timeout)
        do {
            return try InteropCoding.decode(T.self, from: value)
        } catch {
            throw JSResultDecodingError(identifier: identifier, expectedType: String(reflecting: T.self), underlying: Self.describe(error))
        }
    }

    /// Calls a function and ignores its result, which is never serialized in the browser.
    public func invokeVoid(_ identifier: String, _ arguments: any Encodable..., timeout: CallTimeout = .appDefault) async throws {
        try await invokeVoid(identifier, arguments: arguments, timeout: timeout)
    }

    public func invokeVoid(_ identifier: String, arguments: [any Encodable], timeout: CallTimeout = .appDefault) async throws {
        let encoded = try encodeArguments(identifier, arguments)
        _ = try await channel.call(identifier: identifier, arguments: encoded, mode: .void, timeout: timeout)
    }

    private func encodeArguments(_ identifier: String, _ arguments: [any Encodable]) throws -> String {
        do {
            var out = "["
            for (i, argument) in arguments.enumerated() {
                if i > 0 { out += "," }
                out += try channel.objects.encode(argument)
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
