import Testing
import TetherInterop
import TetherServer

@Suite("JS→Swift invocations over the circuit")
struct JSToSwiftTests {
    /// Sends `["inv", id, target, method, args]` on a started /counter circuit and returns the answer.
    private static func invoke(
        _ client: ProtocolTestClient, id: Int, _ target: JSONValue, _ method: String, _ args: JSONValue
    ) async throws -> InvocationResultMessage {
        try await client.send(["inv", .number(id), target, .string(method), args])
        return try await client.nextResult(id: id)
    }

    @Test("Demo.Add [2, 3] answers true, 5")
    func add() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/counter")
            try await client.send(["inv", 1, "Demo", "Add", [2, 3]])
            let answer = try await client.nextMessage()
            #expect(answer == ["res", 1, true, 5])
        }
    }

    @Test("Demo.Greet [\"Ada\"] answers \"Hello, Ada!\"")
    func greet() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/counter")
            let result = try await Self.invoke(client, id: 7, "Demo", "Greet", ["Ada"])
            #expect(result.ok)
            #expect(result.value == "Hello, Ada!")
        }
    }

    @Test("values survive the round trip: Echo returns nested JSON unchanged; ReturnArrayAsync takes no arguments")
    func echoAndNoArguments() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/counter")
            let value: JSONValue = ["a": [1, 2.5, "x", nil, true], "big": .number("9007199254740993"), "s": "quote\" and \\ and ü"]
            let echo = try await Self.invoke(client, id: 1, "Demo", "Echo", [value])
            #expect(echo.ok)
            #expect(echo.value == value)
            #expect(echo.value["big"] == .number("9007199254740993"), "large integers keep their digits")

            let array = try await Self.invoke(client, id: 2, "Demo", "ReturnArrayAsync", [])
            #expect(array.ok)
            #expect(array.value == [11, 12, 13])
        }
    }

    @Test("invocations in flight together are each answered under their own id")
    func concurrentInvocations() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/counter")
            try await client.send(
                ["inv", 10, "Demo", "Add", [1, 2]],
                ["inv", 11, "Demo", "Greet", ["Bo"]],
                ["inv", 12, "Demo", "Add", [40, 2]],
                ["inv", 13, "Demo", "Nope", []]
            )
            #expect(try await client.nextResult(id: 12).value == 42)
            #expect(try await client.nextResult(id: 11).value == "Hello, Bo!")
            #expect(try await client.nextResult(id: 10).value == 3)
            #expect(try await client.nextResult(id: 13).ok == false)
        }
    }

    @Test("refusals are rejections with precise messages", arguments: [
        ("Nope", "Add", [2, 3], "There is no exposed module named 'Nope'."),
        ("Demo", "Subtract", [2, 3], "The module 'Demo' has no exposed method 'Subtract'."),
        ("Demo", "Add", [1, 2, 3], "The method 'Add' in 'Demo' expects 2 parameters, received 3."),
        ("Demo", "Add", [1], "The method 'Add' in 'Demo' expects 2 parameters, received 1."),
        ("Demo", "Greet", [], "The method 'Greet' in 'Demo' expects 1 parameter, received 0."),
    ] as [(String, String, JSONValue, String)])
    func refusals(module: String, method: String, args: JSONValue, message: String) async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/counter")
            let result = try await Self.invoke(client, id: 3, .string(module), method, args)
            #expect(!result.ok)
            #expect(result.value == .string(message))
            #expect(client.unexpectedMessages.isEmpty, "a refused invocation is a 'res', not an 'err'")
        }
    }

    @Test("an argument of the wrong type is refused naming its position and the expected type")
    func wrongType() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/counter")
            let second = try await Self.invoke(client, id: 4, "Demo", "Add", [2, "three"])
            #expect(!second.ok)
            let text = try #require(second.value.stringValue)
            #expect(text.hasPrefix("Argument 2 of 'Add' in 'Demo' is not a valid Int:"), "\(text)")

            let first = try await Self.invoke(client, id: 5, "Demo", "Greet", [42])
            #expect(first.value.stringValue?.hasPrefix("Argument 1 of 'Greet' in 'Demo' is not a valid String:") == true, "\(first.value)")

            let fraction = try await Self.invoke(client, id: 6, "Demo", "Add", [2.5, 1])
            #expect(fraction.value.stringValue?.hasPrefix("Argument 1 of 'Add' in 'Demo' is not a valid Int:") == true, "\(fraction.value)")
        }
    }

    @Test("a Swift error thrown by the method is reported generically, without its details")
    func thrownError() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/counter")
            let result = try await Self.invoke(client, id: 8, "Demo", "Fail", ["secret detail"])
            #expect(!result.ok)
            #expect(result.value == "An exception occurred invoking 'Fail' in 'Demo'.")
        }
    }

    @Test("with detailedErrors on, the thrown error's text is appended")
    func thrownErrorDetailed() async throws {
        try await withDemoServer(configure: { $0.interop.detailedErrors = true }) { server in
            let (client, _) = try await server.startCircuit("/counter")
            let result = try await Self.invoke(client, id: 8, "Demo", "Fail", ["secret detail"])
            #expect(result.value == "An exception occurred invoking 'Fail' in 'Demo'. secret detail")
        }
    }

    @Test("a call on a Swift object id that was never handed out is refused")
    func unknownObject() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/counter")
            let result = try await Self.invoke(client, id: 9, 42, "Anything", [])
            #expect(!result.ok)
            #expect(result.value.stringValue?.contains("There is no tracked object with id 42") == true, "\(result.value)")
        }
    }

    @Test("after refusals and a thrown error, the circuit still answers invocations and events")
    func circuitSurvivesRefusals() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/counter")
            _ = try await Self.invoke(client, id: 1, "Demo", "Fail", ["x"])
            _ = try await Self.invoke(client, id: 2, "Nope", "Add", [])
            _ = try await Self.invoke(client, id: 3, "Demo", "Add", ["a", "b"])
            #expect(try await Self.invoke(client, id: 4, "Demo", "Add", [2, 3]).value == 5)
            try await client.click(id: "increment")
            #expect(try await client.nextRender().number == 1)
            #expect(!client.isClosed)
        }
    }
}
