import Synchronization
import Testing
import TetherInterop

private struct Point: Codable, Equatable, Sendable {
    let x: Int
    let y: Int
}

private struct Boom: Error, CustomStringConvertible {
    var description: String { "disk on fire" }
}

/// Remembers what void methods were given, so a test can see they ran.
private final class Recorder: Sendable {
    private let entries = Mutex<[String]>([])
    func record(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

private actor Greeter {
    var greeted = 0
    func greet(_ name: String) -> String {
        greeted += 1
        return "Hello, \(name)! (#\(greeted))"
    }
}

// A broken correlation shows up as a wait that never ends; the limit turns it into a failure.
@Suite("JSExports: JS→Swift invocations", .timeLimit(.minutes(1)))
struct JSExportsTests {
    private let recorder = Recorder()
    private let exports: JSExports

    init() {
        let recorder = recorder
        let greeter = Greeter()
        var exports = JSExports()
        exports.module("Demo") { demo in
            demo.expose("Add") { (a: Int, b: Int) in a + b }
            demo.expose("Greet") { (name: String) async in await greeter.greet(name) }
            demo.exposeAction("Log") { (message: String) in recorder.record(message) }
            demo.expose("Ping") { "pong" }
            demo.expose("Fail") { () throws -> Int in throw Boom() }
            demo.exposeAction("FailVoid") { (_: Int) throws -> Void in throw Boom() }
            demo.expose("Sum") { (values: [Int]) in values.reduce(0, +) }
            demo.expose("Move") { (p: Point, dx: Int) in Point(x: p.x + dx, y: p.y) }
            demo.expose("OrMinusOne") { (n: Int?) in n ?? -1 }
            demo.expose("Echo") { (value: JSONValue) in value }
            demo.exposeWithContext("AskBrowser") { (context: InvocationContext, question: String) async throws -> String in
                let answer: String = try await context.js.invoke("window.prompt", question, timeout: .never)
                return "browser said \(answer)"
            }
        }
        exports.module("Other") { other in
            other.exposeAction("Nothing") { () in }
        }
        // A second registration of a module adds to it.
        exports.module("Demo") { demo in
            demo.expose("Negate") { (a: Int) in -a }
        }
        self.exports = exports
    }

    /// Runs one invocation on a fresh channel and returns what was sent back.
    private func dispatch(
        _ module: String, _ method: String, _ args: [JSONValue], options: InteropOptions = InteropOptions()
    ) async throws -> RecordedInvocationResult {
        let (channel, outbox, _) = makeChannel(options)
        await channel.dispatchInvocation(id: 42, target: .module(module), method: method, args: args, exports: exports)
        let results = outbox.invocationResults
        try #require(results.count == 1, "expected exactly one result, got \(outbox.all)")
        #expect(results[0].id == 42)
        return results[0]
    }

    private func success(_ module: String, _ method: String, _ args: [JSONValue]) async throws -> JSONValue? {
        let result = try await dispatch(module, method, args)
        guard let json = result.successJSON else {
            Issue.record("\(module).\(method) failed: \(result.failureMessage ?? "?")")
            return nil
        }
        return try JSONParser.parse(json)
    }

    private func failure(_ module: String, _ method: String, _ args: [JSONValue], options: InteropOptions = InteropOptions())
        async throws -> String?
    {
        let result = try await dispatch(module, method, args, options: options)
        guard let message = result.failureMessage else {
            Issue.record("\(module).\(method) succeeded with \(result.successJSON ?? "?")")
            return nil
        }
        return message
    }

    // MARK: Success

    @Test("a method's return value is sent as JSON")
    func successJSON() async throws {
        #expect(try await dispatch("Demo", "Add", [2, 40]).successJSON == "42")
        #expect(try await dispatch("Demo", "Ping", []).successJSON == #""pong""#)
        #expect(try await success("Demo", "Sum", [[1, 2, 3, 4]]) == 10)
        #expect(try await success("Demo", "Move", [["x": 1, "y": 5], 10]).map(normalized) == normalized(["x": 11, "y": 5]))
        #expect(try await success("Demo", "Negate", [5]) == -5)
        #expect(try await success("Demo", "Echo", [["a": [1, "b", nil]]]) == ["a": [1, "b", nil]])
    }

    @Test("optional parameters accept null")
    func optionalParameter() async throws {
        #expect(try await success("Demo", "OrMinusOne", [nil]) == -1)
        #expect(try await success("Demo", "OrMinusOne", [7]) == 7)
    }

    @Test("a void method runs and resolves to null")
    func voidMethod() async throws {
        #expect(try await dispatch("Demo", "Log", ["written"]).successJSON == "null")
        #expect(recorder.all == ["written"])
        #expect(try await dispatch("Other", "Nothing", []).successJSON == "null")
    }

    @Test("an async method is awaited before its result is sent")
    func asyncMethod() async throws {
        #expect(try await success("Demo", "Greet", ["Ada"]) == "Hello, Ada! (#1)")
        #expect(try await success("Demo", "Greet", ["Bob"]) == "Hello, Bob! (#2)")
    }

    @Test("a method can call back into JS through its context, and its result waits for the browser")
    func callbackIntoJS() async throws {
        let (channel, outbox, _) = makeChannel()
        let exports = exports
        let dispatch = Task {
            await channel.dispatchInvocation(id: 7, target: .module("Demo"), method: "AskBrowser", args: ["Name?"], exports: exports)
        }
        let call = try await outbox.waitForCall()
        #expect(call.identifier == "window.prompt")
        #expect(try call.parsedArguments() == ["Name?"])
        #expect(outbox.invocationResults.isEmpty, "nothing is answered before the JS call completes")
        #expect(channel.complete(callID: call.id, outcome: .success("Ada")))
        await dispatch.value
        let results = outbox.invocationResults
        try #require(results.count == 1)
        #expect(results[0].id == 7)
        #expect(results[0].successJSON == #""browser said Ada""#)
    }

    @Test("the declared parameter types are recorded")
    func parameterTypes() throws {
        #expect(try exports.method("Add", in: "Demo").parameterTypes == ["Int", "Int"])
        #expect(try exports.method("Ping", in: "Demo").parameterTypes == [])
        #expect(try exports.method("Move", in: "Demo").parameterTypes == ["Point", "Int"])
        #expect(try exports.method("Add", in: "Demo").name == "Add")
    }

    // MARK: Refusals

    @Test("an unknown module is named")
    func unknownModule() async throws {
        #expect(try await failure("Nope", "Add", [1, 2]) == "There is no exposed module named 'Nope'.")
        #expect(throws: InvocationError("There is no exposed module named 'Nope'.")) { try exports.method("Add", in: "Nope") }
    }

    @Test("an unknown method is named with its module")
    func unknownMethod() async throws {
        #expect(try await failure("Demo", "Subtract", [1, 2]) == "The module 'Demo' has no exposed method 'Subtract'.")
        // Methods are per module.
        #expect(try await failure("Other", "Add", [1, 2]) == "The module 'Other' has no exposed method 'Add'.")
        // Names are case-sensitive.
        #expect(try await failure("Demo", "add", [1, 2]) == "The module 'Demo' has no exposed method 'add'.")
    }

    @Test("the wrong number of arguments is refused with the expected and received counts")
    func wrongArity() async throws {
        #expect(try await failure("Demo", "Add", [1, 2, 3]) == "The method 'Add' in 'Demo' expects 2 parameters, received 3.")
        #expect(try await failure("Demo", "Add", []) == "The method 'Add' in 'Demo' expects 2 parameters, received 0.")
        #expect(try await failure("Demo", "Negate", []) == "The method 'Negate' in 'Demo' expects 1 parameter, received 0.")
        #expect(try await failure("Demo", "Ping", [1]) == "The method 'Ping' in 'Demo' expects 0 parameters, received 1.")
        // A void method whose arguments are refused never runs.
        #expect(try await failure("Demo", "Log", ["a", "b"]) == "The method 'Log' in 'Demo' expects 1 parameter, received 2.")
        #expect(recorder.all.isEmpty)
    }

    @Test("a wrongly typed argument is refused naming its 1-based position and the expected type")
    func wrongArgumentType() async throws {
        let first = try await failure("Demo", "Add", ["1", 2]) ?? ""
        #expect(first.hasPrefix("Argument 1 of 'Add' in 'Demo' is not a valid Int: "), "\(first)")
        let second = try await failure("Demo", "Add", [1, true]) ?? ""
        #expect(second.hasPrefix("Argument 2 of 'Add' in 'Demo' is not a valid Int: "), "\(second)")
        let fraction = try await failure("Demo", "Add", [1, 2.5]) ?? ""
        #expect(fraction.hasPrefix("Argument 2 of 'Add' in 'Demo' is not a valid Int: "), "\(fraction)")
        let null = try await failure("Demo", "Negate", [nil]) ?? ""
        #expect(null.hasPrefix("Argument 1 of 'Negate' in 'Demo' is not a valid Int: "), "\(null)")
        let list = try await failure("Demo", "Sum", [[1, "two"]]) ?? ""
        #expect(list.hasPrefix("Argument 1 of 'Sum' in 'Demo' is not a valid Array<Int>: "), "\(list)")
        #expect(list.contains("[1]"), "the failing element is located: \(list)")
        let point = try await failure("Demo", "Move", [["x": 1], 2]) ?? ""
        #expect(point.hasPrefix("Argument 1 of 'Move' in 'Demo' is not a valid Point: "), "\(point)")
        #expect(point.contains("'y'"), "the missing key is named: \(point)")
        let log = try await failure("Demo", "Log", [5]) ?? ""
        #expect(log.hasPrefix("Argument 1 of 'Log' in 'Demo' is not a valid String: "), "\(log)")
        #expect(recorder.all.isEmpty)
    }

    @Test("a thrown Swift error is reported generically")
    func thrownErrorGeneric() async throws {
        #expect(try await failure("Demo", "Fail", []) == "An exception occurred invoking 'Fail' in 'Demo'.")
        #expect(try await failure("Demo", "FailVoid", [1]) == "An exception occurred invoking 'FailVoid' in 'Demo'.")
    }

    @Test("a thrown Swift error is detailed when detailedErrors is on")
    func thrownErrorDetailed() async throws {
        let message = try await failure("Demo", "Fail", [], options: InteropOptions(detailedErrors: true))
        #expect(message == "An exception occurred invoking 'Fail' in 'Demo'. disk on fire")
    }

    @Test("refusals are precise even when detailed errors are on")
    func refusalsWithDetailedErrors() async throws {
        let message = try await failure("Demo", "Add", [1], options: InteropOptions(detailedErrors: true))
        #expect(message == "The method 'Add' in 'Demo' expects 2 parameters, received 1.")
    }

    @Test("an empty JSExports refuses everything")
    func emptyExports() async throws {
        let (channel, outbox, _) = makeChannel()
        await channel.dispatchInvocation(id: 1, target: .module("Demo"), method: "Add", args: [], exports: JSExports())
        #expect(outbox.invocationResults.first?.failureMessage == "There is no exposed module named 'Demo'.")
    }
}
