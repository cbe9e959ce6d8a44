import Synchronization
import TetherProtocol

/// A JS object held in the browser for Swift, the analog of Blazor's `IJSObjectReference`.
///
/// Get one by asking `invoke` for this type, from `importModule`, or from `construct`. Call its
/// methods, read and set its properties, and `dispose()` it when done, which frees it in the
/// browser. A handle passed back as an argument arrives in JS as the object itself.
///
/// ```swift
/// let module = try await js.importModule("/Pages/Scripts.js")
/// try await module.invokeVoid("showPrompt", "Hello")
/// module.dispose()
/// ```
public final class JSObjectReference: Sendable, Codable {
    /// The browser's id for the object, unique within its circuit.
    public let id: Int
    let runtime: JSRuntime
    private let disposed = Mutex(false)

    init(id: Int, runtime: JSRuntime) {
        self.id = id
        self.runtime = runtime
        runtime.channel.jsObjectReferences.add(1, ordering: .relaxed)
    }

    // Counted while alive and not disposed: a circuit whose Swift side holds one does not
    // hibernate, since dropping its components would drop the only way to use the object.
    deinit {
        if !isDisposed { runtime.channel.jsObjectReferences.subtract(1, ordering: .relaxed) }
    }

    /// Whether `dispose()` was called; every call after it throws `JSObjectDisposedError`.
    public var isDisposed: Bool { disposed.withLock { $0 } }

    /// Calls a method of the object; `identifier` may be a dotted path inside it.
    public func invoke<T: Decodable>(
        _ identifier: String, _ arguments: any Encodable..., as type: T.Type = T.self, timeout: CallTimeout = .appDefault
    ) async throws -> T {
        try checkAlive(identifier)
        return try await runtime.perform(.call, identifier, arguments: arguments, on: id, as: T.self, timeout: timeout)
    }

    /// Calls a method of the object and ignores its result, which is never serialized in the
    /// browser.
    public func invokeVoid(_ identifier: String, _ arguments: any Encodable..., timeout: CallTimeout = .appDefault) async throws {
        try checkAlive(identifier)
        try await runtime.performVoid(.call, identifier, arguments: arguments, on: id, timeout: timeout)
    }

    /// Reads a property of the object.
    public func getProperty<T: Decodable>(_ name: String, as type: T.Type = T.self, timeout: CallTimeout = .appDefault) async throws -> T {
        try checkAlive(name)
        return try await runtime.perform(.get, name, arguments: [], on: id, as: T.self, timeout: timeout)
    }

    /// Assigns a property of the object.
    public func setProperty(_ name: String, _ value: any Encodable, timeout: CallTimeout = .appDefault) async throws {
        try checkAlive(name)
        try await runtime.performVoid(.set, name, arguments: [value], on: id, timeout: timeout)
    }

    /// Frees the object in the browser. Disposing twice is harmless; later calls throw
    /// `JSObjectDisposedError` without reaching the browser.
    public func dispose() {
        let first = disposed.withLock { wasDisposed in
            defer { wasDisposed = true }
            return !wasDisposed
        }
        guard first else { return }
        runtime.channel.jsObjectReferences.subtract(1, ordering: .relaxed)
        runtime.channel.send(.disposeJSObject(id: id))
    }

    private func checkAlive(_ identifier: String) throws {
        if isDisposed { throw JSObjectDisposedError(objectID: id, identifier: identifier) }
    }

    /// Read from `{"__tetherJSObject": id}` wherever it sits in a value: a result, a field of
    /// one, or an argument of an exposed method, as JS makes with
    /// `Tether.createJSObjectReference(obj)`.
    public init(from decoder: any Decoder) throws {
        let channel = try InteropChannel.from(decoder.userInfo, codingPath: decoder.codingPath, for: "a JSObjectReference")
        id = try decoder.container(keyedBy: HandleKey.self).decode(Int.self, forKey: HandleKey(.jsObject))
        runtime = JSRuntime(channel: channel)
        channel.jsObjectReferences.add(1, ordering: .relaxed)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: HandleKey.self)
        try container.encode(id, forKey: HandleKey(.jsObject))
    }
}

/// A call on a JS object handle that was already disposed.
public struct JSObjectDisposedError: JSError, Equatable {
    /// The disposed object's id (`JSObjectReference.id`).
    public let objectID: Int
    /// The method or property the call named.
    public let identifier: String

    public var description: String {
        "Cannot use '\(identifier)' on JS object \(objectID): the handle was disposed."
    }
}
