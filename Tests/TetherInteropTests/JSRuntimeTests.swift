import Testing
import TetherInterop
import TetherProtocol

private struct Address: Codable, Equatable, Sendable {
    let city: String
    let zip: String?
}

private struct Person: Codable, Equatable, Sendable {
    let name: String
    let age: Int
    let tags: [String]
    let address: Address
    let scores: [String: Int]
}

private struct Point: Codable, Equatable, Sendable {
    let x: Int
    let y: Int
}

private struct Unencodable: Encodable, Sendable {
    let value = Double.nan
}

// A broken correlation shows up as a wait that never ends; the limit turns it into a failure.
@Suite("JSRuntime: arguments, results, errors", .timeLimit(.minutes(1)))
struct JSRuntimeTests {
    // MARK: Arguments

    @Test("the identifier is sent verbatim with no arguments as []")
    func identifierVerbatim() async throws {
        let (channel, outbox, js) = makeChannel()
        async let result: Int = js.invoke("a.b.c")
        let call = try await outbox.waitForCall()
        #expect(call.identifier == "a.b.c")
        #expect(call.arguments == "[]")
        #expect(call.mode == .json)
        #expect(call.target == 0, "calls on window have target 0")
        #expect(call.operation == .call)
        #expect(channel.complete(callID: call.id, outcome: .success(1)))
        #expect(try await result == 1)
    }

    @Test("scalar arguments, nil and unicode are packed in order")
    func scalarArguments() async throws {
        let (channel, outbox, js) = makeChannel()
        let missing: Int? = nil
        let present: Int? = 7
        async let done: Void = js.invokeVoid(
            "some.scope.fn", 1, -2.5, true, "héllo \"wörld\" 👋\n", missing, present, "", Int64.max)
        let call = try await outbox.waitForCall()
        #expect(call.identifier == "some.scope.fn")
        #expect(call.mode == .void)
        let args = try call.parsedArguments()
        #expect(args == [1, -2.5, true, "héllo \"wörld\" 👋\n", nil, 7, "", .number("9223372036854775807")])
        #expect(call.arguments.hasPrefix(#"[1,-2.5,true,"héllo \"wörld\" 👋\n",null,7,"","#))
        channel.complete(callID: call.id, outcome: .success(nil))
        try await done
    }

    @Test("nested structs, arrays and dictionaries are encoded as JSON")
    func structuredArguments() async throws {
        let (channel, outbox, js) = makeChannel()
        let person = Person(
            name: "Zoë", age: 36, tags: ["a", "b/c"], address: Address(city: "Zürich", zip: nil), scores: ["math": 3, "art": 5])
        let matrix = [[1, 2], [3], []]
        let lookup: [String: [String: Bool]] = ["x": ["y": true], "z": [:]]
        let points = [Point(x: 1, y: 2)]
        async let done: Void = js.invokeVoid("app.render", person, matrix, lookup, points)
        let call = try await outbox.waitForCall()
        let args = try call.parsedArguments().map(normalized)
        try #require(args.count == 4)
        #expect(
            args[0]
                == normalized([
                    "name": "Zoë", "age": 36, "tags": ["a", "b/c"], "address": ["city": "Zürich"],
                    "scores": ["math": 3, "art": 5],
                ]))
        #expect(args[1] == [[1, 2], [3], []])
        #expect(args[2] == normalized(["x": ["y": true], "z": [:]]))
        #expect(args[3] == [["x": 1, "y": 2]])
        #expect(!call.arguments.contains(#"\/"#), "slashes are not escaped")
        channel.complete(callID: call.id, outcome: .success(nil))
        try await done
    }

    @Test("JSONValue arguments are sent as written, numbers keeping their literal text")
    func jsonValueArguments() async throws {
        let (channel, outbox, js) = makeChannel()
        let value: JSONValue = ["price": .number("10.50"), "big": .number("12345678901234567890")]
        async let done: Void = js.invokeVoid("f", value)
        let call = try await outbox.waitForCall()
        #expect(call.arguments == #"[{"price":10.50,"big":12345678901234567890}]"#)
        channel.complete(callID: call.id, outcome: .success(nil))
        try await done
    }

    @Test("a run-time argument list of any length is packed")
    func runtimeArgumentList() async throws {
        let (channel, outbox, js) = makeChannel()
        let list: [any Encodable] = Array(0..<20).map { "v\($0)" as any Encodable }
        async let done: Void = js.invokeVoid("many", arguments: list)
        let call = try await outbox.waitForCall()
        #expect(try call.parsedArguments() == (0..<20).map { .string("v\($0)") })
        channel.complete(callID: call.id, outcome: .success(nil))
        try await done
    }

    @Test("an argument that cannot be encoded throws JSArgumentEncodingError and sends nothing")
    func argumentEncodingFailure() async throws {
        let (channel, outbox, js) = makeChannel()
        let error = await #expect(throws: JSArgumentEncodingError.self) {
            try await js.invokeVoid("bad.args", 1, Unencodable())
        }
        #expect(error?.identifier == "bad.args")
        #expect(error?.description.contains("'bad.args'") == true)
        #expect(outbox.isEmpty)
        #expect(channel.pendingCallCount == 0)
    }

    // MARK: Results

    @Test("results decode as String, Int, Double, Bool, a struct, [Int], optional and JSONValue")
    func decodedResults() async throws {
        let (channel, outbox, js) = makeChannel()
        async let text: String = js.invoke("r.string")
        async let number: Int = js.invoke("r.int")
        async let double: Double = js.invoke("r.double")
        async let flag: Bool = js.invoke("r.bool")
        async let point: Point = js.invoke("r.point")
        async let list: [Int] = js.invoke("r.list")
        async let optional: Int? = js.invoke("r.optional")
        async let raw: JSONValue = js.invoke("r.raw")
        let calls = try await outbox.waitForCalls(8)
        let answers: [String: JSONValue] = [
            "r.string": "héllo 👋", "r.int": -42, "r.double": 2.5, "r.bool": true,
            "r.point": ["y": 2, "x": 1], "r.list": [3, 1, 2], "r.optional": nil, "r.raw": ["n": .number("1.50")],
        ]
        for call in calls {
            let answer = try #require(answers[call.identifier], "unexpected call \(call.identifier)")
            #expect(channel.complete(callID: call.id, outcome: .success(answer)))
        }
        #expect(try await text == "héllo 👋")
        #expect(try await number == -42)
        #expect(try await double == 2.5)
        #expect(try await flag == true)
        #expect(try await point == Point(x: 1, y: 2))
        #expect(try await list == [3, 1, 2])
        #expect(try await optional == nil)
        #expect(try await raw == ["n": .number("1.50")])
        #expect(channel.pendingCallCount == 0)
    }

    @Test(
        "a result that cannot be decoded throws JSResultDecodingError naming the identifier and type",
        arguments: [
            ("Swift.Int", JSONValue.string("nope")),
            ("Swift.Int", JSONValue.number("1.5")),
            ("Swift.Int", JSONValue.null),
            ("Swift.String", JSONValue.number("5")),
            ("Swift.Array<Swift.Int>", JSONValue.array(["a"])),
            ("Point", JSONValue.object([(key: "x", value: 1)])),
        ])
    func undecodableResult(_ typeName: String, value: JSONValue) async throws {
        let (channel, outbox, js) = makeChannel()
        let task = Task { () async throws -> Void in
            switch typeName {
            case "Swift.Int": _ = try await js.invoke("x.y", as: Int.self)
            case "Swift.String": _ = try await js.invoke("x.y", as: String.self)
            case "Swift.Array<Swift.Int>": _ = try await js.invoke("x.y", as: [Int].self)
            default: _ = try await js.invoke("x.y", as: Point.self)
            }
        }
        let call = try await outbox.waitForCall()
        #expect(channel.complete(callID: call.id, outcome: .success(value)))
        let error = await #expect(throws: JSResultDecodingError.self) { try await task.value }
        #expect(error?.identifier == "x.y")
        #expect(error?.expectedType.contains(typeName) == true, "\(error?.expectedType ?? "")")
        #expect(error?.description.contains("'x.y'") == true)
        #expect(error?.description.contains(typeName) == true)
    }

    @Test("a struct result missing a key names the key")
    func missingKey() async throws {
        let (channel, outbox, js) = makeChannel()
        let point = Task { () async throws -> Point in try await js.invoke("get.point") }
        let call = try await outbox.waitForCall()
        channel.complete(callID: call.id, outcome: .success(["x": 1]))
        let error = await #expect(throws: JSResultDecodingError.self) { try await point.value }
        #expect(error?.underlying.contains("'y'") == true, "\(error?.underlying ?? "")")
    }

    @Test("invokeVoid sends mode void and never decodes the value")
    func invokeVoidIgnoresValue() async throws {
        let (channel, outbox, js) = makeChannel()
        for garbage: JSONValue in ["garbage", ["not": ["what": "anyone"]], .number("1e999"), nil] {
            let before = outbox.calls.count
            async let done: Void = js.invokeVoid("console.log", "hi")
            let call = try await outbox.waitForCalls(before + 1)[before]
            #expect(call.mode == .void)
            #expect(call.arguments == #"["hi"]"#)
            #expect(channel.complete(callID: call.id, outcome: .success(garbage)))
            try await done
        }
    }

    // MARK: JS failures

    @Test("a JS failure throws JSException with the message, stack and identifier")
    func jsException() async throws {
        let (channel, outbox, js) = makeChannel()
        let result = Task { () async throws -> Int in try await js.invoke("widgets.explode", 1) }
        let call = try await outbox.waitForCall()
        #expect(channel.complete(callID: call.id, outcome: .failure(message: "TypeError: x is undefined", stack: "at f (app.js:3:7)")))
        let error = await #expect(throws: JSException.self) { try await result.value }
        #expect(error == JSException(identifier: "widgets.explode", message: "TypeError: x is undefined", stack: "at f (app.js:3:7)"))
        #expect(error?.description == "TypeError: x is undefined")
    }

    @Test("a JS failure without a stack, from invokeVoid")
    func jsExceptionNoStack() async throws {
        let (channel, outbox, js) = makeChannel()
        let done = Task { () async throws -> Void in try await js.invokeVoid("a.b") }
        let call = try await outbox.waitForCall()
        channel.complete(callID: call.id, outcome: .failure(message: "nope", stack: nil))
        let error = await #expect(throws: JSException.self) { try await done.value }
        #expect(error == JSException(identifier: "a.b", message: "nope", stack: nil))
    }

    // MARK: Correlation

    @Test("100 concurrent calls from separate tasks are correlated by id, completed in shuffled order")
    func concurrentCalls() async throws {
        let (channel, outbox, js) = makeChannel()
        let count = 100
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for i in 0..<count {
                group.addTask {
                    let result: String = try await js.invoke("math.describe", i, "n\(i)", timeout: .never)
                    return (i, result)
                }
            }
            var calls = try await outbox.waitForCalls(count)
            #expect(Set(calls.map(\.id)).count == count, "every call has its own id")
            #expect(channel.pendingCallCount == count)

            var rng = SplitMix64(seed: 0x7E7E)
            calls.shuffle(using: &rng)
            // Answer the first half in reverse order of sending, the rest shuffled.
            let half = calls.count / 2
            calls[..<half].sort { $0.id > $1.id }
            for call in calls {
                let args = try call.parsedArguments()
                let i = try #require(args.first?.intValue)
                #expect(args[1] == .string("n\(i)"))
                #expect(channel.complete(callID: call.id, outcome: .success(.string("answer-\(i * 3)"))))
            }

            var seen = Set<Int>()
            for try await (i, result) in group {
                #expect(result == "answer-\(i * 3)")
                seen.insert(i)
            }
            #expect(seen == Set(0..<count))

            // Every id is now spent: completing again is ignored.
            for call in calls.prefix(10) {
                #expect(channel.complete(callID: call.id, outcome: .success("late")) == false)
                #expect(channel.complete(callID: call.id, outcome: .failure(message: "late", stack: nil)) == false)
            }
        }
        #expect(channel.pendingCallCount == 0)
    }

    @Test("a duplicate completion is ignored and does not disturb the first result")
    func duplicateCompletion() async throws {
        let (channel, outbox, js) = makeChannel()
        async let result: String = js.invoke("x")
        let call = try await outbox.waitForCall()
        #expect(channel.complete(callID: call.id, outcome: .success("first")))
        #expect(channel.complete(callID: call.id, outcome: .success("second")) == false)
        #expect(channel.complete(callID: call.id, outcome: .failure(message: "third", stack: nil)) == false)
        #expect(try await result == "first")
    }

    @Test("a completion for an unknown id is ignored and leaves calls in flight alone")
    func unknownCompletion() async throws {
        let (channel, outbox, js) = makeChannel()
        async let result: Int = js.invoke("x", timeout: .never)
        let call = try await outbox.waitForCall()
        #expect(channel.complete(callID: call.id + 1000, outcome: .success(1)) == false)
        #expect(channel.complete(callID: -1, outcome: .failure(message: "m", stack: nil)) == false)
        #expect(channel.complete(callID: 0, outcome: .success(1)) == false)
        #expect(channel.pendingCallCount == 1)
        #expect(channel.complete(callID: call.id, outcome: .success(2)))
        #expect(try await result == 2)
    }
}
