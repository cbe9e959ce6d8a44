import Foundation
import Synchronization
import TetherProtocol

/// A Swift type whose instances JS may call through a `SwiftObjectReference`.
///
/// ```swift
/// final class HelloHelper: JSInvokableObject {
///     let name: String
///     init(name: String) { self.name = name }
///     static func exposeMethods(_ methods: inout ObjectMethodTable<HelloHelper>) {
///         methods.expose("SayHello") { helper in "Hello, \(helper.name)!" }
///     }
/// }
/// ```
public protocol JSInvokableObject: AnyObject, Sendable {
    /// Lists the methods JS may call on an instance, each with `expose` or `exposeAction`. Tether
    /// calls it whenever an instance is first handed to JS on a circuit, so it only lists methods;
    /// a method not listed here cannot be called.
    static func exposeMethods(_ methods: inout ObjectMethodTable<Self>)
}

/// The instance methods of one `JSInvokableObject` type.
public struct ObjectMethodTable<Object: JSInvokableObject> {
    var table: MethodTable

    init() { table = MethodTable(owner: String(describing: Object.self)) }

    /// Exposes an instance method returning a value. The closure receives the object first, then
    /// the arguments JS passed after the method name, each decoded into its declared type:
    /// `methods.expose("Greet") { (helper: HelloHelper, greeting: String) in "\(greeting), \(helper.name)!" }`.
    public mutating func expose<each P: Decodable & SendableMetatype, R: Encodable & SendableMetatype>(
        _ name: String, _ body: @escaping @Sendable @concurrent (Object, repeat each P) async throws -> R
    ) {
        add(name, parameterNames(repeat (each P).self)) { target, reader in
            let values = (repeat try reader.next((each P).self))
            return try await body(target, repeat each values)
        }
    }

    /// Exposes an instance method returning nothing; JS receives `null`. See
    /// `MethodTable.exposeAction` for why it is not an `expose` overload.
    public mutating func exposeAction<each P: Decodable & SendableMetatype>(
        _ name: String, _ body: @escaping @Sendable @concurrent (Object, repeat each P) async throws -> Void
    ) {
        add(name, parameterNames(repeat (each P).self)) { target, reader in
            let values = (repeat try reader.next((each P).self))
            try await body(target, repeat each values)
            return JSONValue.null
        }
    }

    @available(*, unavailable, message: "the result must be Encodable; expose a method with no result with exposeAction")
    public mutating func expose<each P: Decodable & SendableMetatype>(
        _ name: String, _ body: @escaping @Sendable @concurrent (Object, repeat each P) async throws -> Void
    ) {}

    private mutating func add<R: Encodable & SendableMetatype>(
        _ name: String, _ parameterTypes: [String],
        _ run: @escaping @Sendable @concurrent (Object, inout ArgumentReader) async throws -> R
    ) {
        let owner = table.owner
        table.methods[name] = ExposedMethod(name: name, parameterTypes: parameterTypes) { args, context in
            guard let target = InvocationTarget.currentObject as? Object else {
                throw InvocationError("'\(name)' was called without a '\(owner)' target")
            }
            var reader = ArgumentReader(args: args, method: name, owner: owner, channel: context.channel)
            return try context.channel.encodeResult(try await run(target, &reader))
        }
    }
}

extension InvocationTarget {
    @TaskLocal static var currentObject: (any JSInvokableObject)?
}

/// A Swift object wrapped for JS: in the browser it becomes an object with
/// `invokeMethodAsync(method, ...args)` and `dispose()`.
///
/// Pass it as a `js.invoke` argument, return it from an exposed method, or nest it in either. It
/// gets its id the first time it is sent, and keeps that id each time it is sent again. It comes
/// back the same way: JS may pass the proxy to an exposed method or return it from a function, as
/// an argument, a result or a field of one, and Swift decodes it as a `SwiftObjectReference` of
/// the same object. `dispose()` from either side ends JS's access to it.
public final class SwiftObjectReference<Object: JSInvokableObject>: Codable, Sendable {
    /// The object JS calls.
    public let value: Object
    let assignment = Mutex<Assignment?>(nil)

    /// The registry that handed the object to JS, held weakly: a reference must not keep a
    /// circuit's objects alive after the circuit ends.
    struct Assignment {
        weak var registry: SwiftObjectRegistry?
        let id: Int
    }

    /// Wraps `value` for JS; it is registered with the circuit when it is first sent.
    public init(_ value: Object) { self.value = value }

    public func encode(to encoder: any Encoder) throws {
        guard let registry = encoder.userInfo[SwiftObjectRegistry.userInfoKey] as? SwiftObjectRegistry else {
            throw EncodingError.invalidValue(
                self, .init(codingPath: encoder.codingPath, debugDescription: "a SwiftObjectReference can only be sent through a circuit's interop runtime"))
        }
        let id = try registry.track(self)
        var container = encoder.container(keyedBy: HandleKey.self)
        try container.encode(id, forKey: HandleKey(.swiftObject))
    }

    /// Read from `{"__tetherObject": id}`: the object this circuit handed to JS with that id.
    public init(from decoder: any Decoder) throws {
        let registry = try InteropChannel.from(decoder.userInfo, codingPath: decoder.codingPath, for: "a SwiftObjectReference").objects
        let id = try decoder.container(keyedBy: HandleKey.self).decode(Int.self, forKey: HandleKey(.swiftObject))
        guard let object = registry.object(id) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "There is no tracked object with id \(id). It may have been disposed."))
        }
        guard let typed = object as? Object else {
            throw DecodingError.typeMismatch(
                Object.self,
                .init(codingPath: decoder.codingPath, debugDescription: "the tracked object with id \(id) is a \(type(of: object)), not a \(Object.self)"))
        }
        value = typed
        assignment.withLock { $0 = Assignment(registry: registry, id: id) }
    }

    /// Ends JS's access to the object: calls from JS after this reject with "There is no tracked
    /// object with id N". Disposing twice, or a reference never sent, is harmless.
    public func dispose() {
        guard let current = assignment.withLock({ $0 }) else { return }
        current.registry?.release(current.id)
    }

}

/// The Swift objects one circuit has handed to JS, by id. Ids from another circuit never
/// resolve, because each circuit has its own registry.
package final class SwiftObjectRegistry: Sendable {
    static let userInfoKey = CodingUserInfoKey(rawValue: "tether.objects")!

    private struct Tracked: Sendable {
        let object: any JSInvokableObject
        let methods: MethodTable
    }

    private struct State {
        var nextID = 1
        var objects: [Int: Tracked] = [:]
        var closed = false
    }

    private let state = Mutex(State())
    /// Objects one circuit may hand to JS at once; each is also charged to the client's budget.
    package let limit: Int
    private let account: BudgetAccount
    private let instruments: TetherInstruments

    package convenience init() { self.init(limit: Int.max, account: .unlimited()) }

    package init(limit: Int, account: BudgetAccount, instruments: TetherInstruments = .disabled) {
        self.limit = limit
        self.account = account
        self.instruments = instruments
    }

    package var count: Int { state.withLock { $0.objects.count } }

    func track<Object>(_ reference: SwiftObjectReference<Object>) throws(SwiftObjectLimitError) -> Int {
        if let existing = reference.assignment.withLock({ $0 }), existing.registry === self {
            let stillTracked = state.withLock { $0.objects[existing.id] != nil }
            if stillTracked { return existing.id }
        }
        var methods = ObjectMethodTable<Object>()
        Object.exposeMethods(&methods)
        let table = methods.table
        let limit = limit
        let account = account
        let tracked = state.withLock { (state: inout State) -> Result<Int, SwiftObjectLimitError> in
            let id = state.nextID
            // A closed registry hands out ids that resolve to nothing, as a disposed object's do.
            guard !state.closed else {
                state.nextID += 1
                return .success(id)
            }
            guard state.objects.count < limit else { return .failure(.tooMany(limit: limit)) }
            guard account.tryReserve(MemoryCost.trackedObject) else { return .failure(.budget(account.budget.limit)) }
            state.nextID += 1
            state.objects[id] = Tracked(object: reference.value, methods: table)
            return .success(id)
        }
        // The budget's refusal is counted by the budget itself.
        if case .failure(.tooMany) = tracked { instruments.refused(.maxTrackedObjects) }
        let id = try tracked.get()
        reference.assignment.withLock { $0 = .init(registry: self, id: id) }
        return id
    }

    /// Runs a method of a tracked object.
    package func invoke(objectID: Int, method: String, args: [JSONValue], context: InvocationContext) async throws -> InvocationResult {
        guard let tracked = state.withLock({ $0.objects[objectID] }) else {
            throw InvocationError("There is no tracked object with id \(objectID). It may have been disposed.")
        }
        guard let exposed = tracked.methods.methods[method] else {
            throw InvocationError("The type '\(tracked.methods.owner)' has no exposed method '\(LogSafe.clip(method))'.")
        }
        return try await InvocationTarget.$currentObject.withValue(tracked.object) {
            try await exposed.invoke(args, owner: tracked.methods.owner, context: context)
        }
    }

    /// The object JS holds as `id`, if it is still tracked.
    func object(_ id: Int) -> (any JSInvokableObject)? {
        state.withLock { $0.objects[id]?.object }
    }

    /// Forgets an object; releasing it twice is harmless.
    package func release(_ id: Int) {
        let removed = state.withLock { $0.objects.removeValue(forKey: id) }
        if removed != nil { account.release(MemoryCost.trackedObject) }
    }

    /// Releases every object; used when the circuit ends.
    package func releaseAll() {
        let count = state.withLock { state in
            defer {
                state.objects.removeAll()
                state.closed = true
            }
            return state.objects.count
        }
        account.release(count * MemoryCost.trackedObject)
    }
}

/// A circuit holds as many Swift objects for JS as it may: the browser must release some first.
/// A call whose arguments would hand JS one more fails with it, before anything is sent.
public enum SwiftObjectLimitError: JSError, Equatable {
    /// The circuit already holds `limit` objects (`InteropOptions.maxTrackedObjects`).
    case tooMany(limit: Int)
    /// The client address has used its memory budget, of this many bytes.
    case budget(Int)

    public var description: String {
        switch self {
        case .tooMany(let limit):
            "This circuit already holds \(limit) Swift objects for JavaScript, the limit; dispose of some first."
        case .budget(let bytes):
            "This client has reached its memory budget of \(bytes) bytes; no more Swift objects can be handed to JavaScript."
        }
    }
}
