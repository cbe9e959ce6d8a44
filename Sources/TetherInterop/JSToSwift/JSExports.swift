/// Why a JS→Swift invocation was refused. The message goes back to the browser as the
/// rejection of the caller's Promise. An exposed method may throw one to reject with a message of
/// its own choosing; any other error is reported generically unless detailed errors are on.
public struct InvocationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text the caller's Promise is rejected with.
    public let message: String
    /// A refusal with `message`, for an exposed method to throw: `throw InvocationError("The sum does not fit in an Int.")`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func unknownModule(_ module: String) -> InvocationError {
        InvocationError("There is no exposed module named '\(LogSafe.clip(module))'.")
    }
    static func unknownMethod(_ method: String, module: String) -> InvocationError {
        InvocationError("The module '\(module)' has no exposed method '\(LogSafe.clip(method))'.")
    }
    static func arity(_ method: String, in owner: String, expected: Int, received: Int) -> InvocationError {
        InvocationError(
            "The method '\(method)' in '\(owner)' expects \(expected) parameter\(expected == 1 ? "" : "s"), received \(received).")
    }
    static func argument(_ position: Int, of method: String, in owner: String, expected: String, detail: String) -> InvocationError {
        InvocationError("Argument \(position) of '\(method)' in '\(owner)' is not a valid \(expected): \(detail)")
    }
}

/// What an exposed method can see of the call it serves.
public struct InvocationContext: Sendable {
    /// The JS runtime of the circuit whose browser made the call.
    public let js: JSRuntime

    var channel: InteropChannel { js.channel }
}

/// One exposed Swift method, type-erased once at registration.
package struct ExposedMethod: Sendable {
    package let name: String
    package let parameterTypes: [String]
    let body: @Sendable (_ args: [JSONValue], _ context: InvocationContext) async throws -> InvocationResult

    /// Checks the arguments against the declared parameters, then runs the method.
    func invoke(_ args: [JSONValue], owner: String, context: InvocationContext) async throws -> InvocationResult {
        guard args.count == parameterTypes.count else {
            throw InvocationError.arity(name, in: owner, expected: parameterTypes.count, received: args.count)
        }
        return try await body(args, context)
    }
}

/// A value an exposed method returns: JSON text, plus any Swift objects it hands to JS.
package struct InvocationResult: Sendable {
    package let json: String
}

/// Decodes a packed argument list one parameter at a time, naming the position that failed.
struct ArgumentReader {
    let args: [JSONValue]
    let method: String
    let owner: String
    let channel: InteropChannel
    var position = 0

    mutating func next<T: Decodable>(_ type: T.Type) throws -> T {
        defer { position += 1 }
        do {
            return try channel.decode(T.self, from: args[position])
        } catch {
            throw InvocationError.argument(
                position + 1, of: method, in: owner, expected: String(describing: T.self), detail: JSRuntime.describe(error))
        }
    }
}

func parameterNames<each P>(_ types: repeat (each P).Type) -> [String] {
    var names: [String] = []
    for type in repeat each types { names.append(String(describing: type)) }
    return names
}

/// The Swift methods JS may call with `Tether.invokeMethodAsync(module, method, ...args)`.
///
/// Only what is registered here can be called, and every argument is decoded into the declared
/// parameter type before the method runs:
///
/// ```swift
/// var exports = JSExports()
/// exports.module("Demo") { demo in
///     demo.expose("Add") { (a: Int, b: Int) in a + b }
///     demo.expose("Greet") { (name: String) async in "Hello, \(name)!" }
/// }
/// ```
public struct JSExports: Sendable {
    private var modules: [String: [String: ExposedMethod]] = [:]

    /// No modules: JS can call nothing until a module is added.
    public init() {}

    /// Adds methods to the module `name`, the first argument of `Tether.invokeMethodAsync`.
    /// Calling it again with the same name adds to that module; a method exposed twice keeps the
    /// later one.
    public mutating func module(_ name: String, _ build: (inout MethodTable) -> Void) {
        var table = MethodTable(owner: name, methods: modules[name] ?? [:])
        build(&table)
        modules[name] = table.methods
    }

    package func method(_ method: String, in module: String) throws(InvocationError) -> ExposedMethod {
        guard let methods = modules[module] else { throw .unknownModule(module) }
        guard let exposed = methods[method] else { throw .unknownMethod(method, module: module) }
        return exposed
    }

    package func invoke(module: String, method: String, args: [JSONValue], context: InvocationContext) async throws -> InvocationResult {
        try await self.method(method, in: module).invoke(args, owner: module, context: context)
    }
}

/// The methods of one module or one Swift object type, built with `expose`.
public struct MethodTable: Sendable {
    package let owner: String
    package internal(set) var methods: [String: ExposedMethod]

    package init(owner: String, methods: [String: ExposedMethod] = [:]) {
        self.owner = owner
        self.methods = methods
    }

    /// Exposes a method returning a value.
    public mutating func expose<each P: Decodable & SendableMetatype, R: Encodable & SendableMetatype>(
        _ name: String, _ body: @escaping @Sendable @concurrent (repeat each P) async throws -> R
    ) {
        add(name, parameterNames(repeat (each P).self)) { reader in
            let values = (repeat try reader.next((each P).self))
            return try await body(repeat each values)
        }
    }

    /// Exposes a method returning nothing; JS receives `null`.
    ///
    /// It has a name of its own because a one-expression closure may drop its value: were this
    /// an `expose` overload, `expose("X") { NotEncodable() }` would compile and JS would get
    /// `null` instead of a compile error.
    public mutating func exposeAction<each P: Decodable & SendableMetatype>(
        _ name: String, _ body: @escaping @Sendable @concurrent (repeat each P) async throws -> Void
    ) {
        add(name, parameterNames(repeat (each P).self)) { reader in
            let values = (repeat try reader.next((each P).self))
            try await body(repeat each values)
            return JSONValue.null
        }
    }

    @available(*, unavailable, message: "the result must be Encodable; expose a method with no result with exposeAction")
    public mutating func expose<each P: Decodable & SendableMetatype>(
        _ name: String, _ body: @escaping @Sendable @concurrent (repeat each P) async throws -> Void
    ) {}

    /// Exposes a method that also needs the calling circuit, for example to call JS back.
    public mutating func exposeWithContext<each P: Decodable & SendableMetatype, R: Encodable & SendableMetatype>(
        _ name: String, _ body: @escaping @Sendable @concurrent (InvocationContext, repeat each P) async throws -> R
    ) {
        let owner = owner
        methods[name] = ExposedMethod(name: name, parameterTypes: parameterNames(repeat (each P).self)) { args, context in
            var reader = ArgumentReader(args: args, method: name, owner: owner, channel: context.channel)
            let values = (repeat try reader.next((each P).self))
            let result = try await body(context, repeat each values)
            return try context.channel.encodeResult(result)
        }
    }

    private mutating func add<R: Encodable & SendableMetatype>(
        _ name: String, _ parameterTypes: [String], _ run: @escaping @Sendable @concurrent (inout ArgumentReader) async throws -> R
    ) {
        let owner = owner
        methods[name] = ExposedMethod(name: name, parameterTypes: parameterTypes) { args, context in
            var reader = ArgumentReader(args: args, method: name, owner: owner, channel: context.channel)
            let result = try await run(&reader)
            return try context.channel.encodeResult(result)
        }
    }
}
