import Synchronization
import Testing
import TetherInterop

private struct Boom: Error, CustomStringConvertible {
    var description: String { "helper broke" }
}

private final class HelloHelper: JSInvokableObject {
    let name: String
    let renamed = Mutex<String?>(nil)
    init(name: String) { self.name = name }

    static func exposeMethods(_ methods: inout ObjectMethodTable<HelloHelper>) {
        methods.expose("SayHello") { helper in "Hello, \(helper.name)!" }
        methods.expose("Greet") { (helper: HelloHelper, greeting: String, times: Int) in
            Array(repeating: "\(greeting), \(helper.name)", count: times)
        }
        methods.expose("Fail") { (_: HelloHelper) throws -> Int in throw Boom() }
        methods.exposeAction("Rename") { (helper: HelloHelper, name: String) in helper.renamed.withLock { $0 = name } }
    }
}

// A broken correlation shows up as a wait that never ends; the limit turns it into a failure.
@Suite("SwiftObjectRegistry: Swift objects handed to JS", .timeLimit(.minutes(1)))
struct SwiftObjectRegistryTests {
    /// Sends `arguments` to JS in one call, completes it, and returns the arguments JSON text.
    private func send(_ arguments: [any Encodable & Sendable], on channel: InteropChannel, outbox: RecordingOutbox) async throws
        -> RecordedCall
    {
        let js = JSRuntime(channel: channel)
        let before = outbox.calls.count
        let task = Task { () async throws -> Void in try await js.invokeVoid("register", arguments: arguments) }
        let call = try await outbox.waitForCalls(before + 1)[before]
        #expect(channel.complete(callID: call.id, outcome: .success(nil)))
        try await task.value
        return call
    }

    /// Runs a method on an object and returns what was sent back.
    private func invoke(_ objectID: Int, _ method: String, _ args: [JSONValue] = [], on channel: InteropChannel, outbox: RecordingOutbox)
        async throws -> RecordedInvocationResult
    {
        let before = outbox.invocationResults.count
        await channel.dispatchInvocation(id: 500 + before, target: .object(objectID), method: method, args: args, exports: JSExports())
        let results = outbox.invocationResults
        try #require(results.count == before + 1)
        #expect(results[before].id == 500 + before)
        return results[before]
    }

    private func objectID(in value: JSONValue?) -> Int? {
        guard case .object(let members)? = value, members.count == 1, members[0].key == "__tetherObject" else { return nil }
        return members[0].value.intValue
    }

    @Test("a reference passed to js.invoke is sent as {\"__tetherObject\":N} and tracked")
    func encodedAsObjectID() async throws {
        let (channel, outbox, _) = makeChannel()
        let ref = SwiftObjectReference(HelloHelper(name: "Ada"))
        #expect(channel.objects.count == 0)
        let call = try await send([ref], on: channel, outbox: outbox)
        #expect(call.arguments == #"[{"__tetherObject":1}]"#)
        #expect(channel.objects.count == 1)
    }

    @Test("sending the same reference again keeps its id; another reference gets a new one")
    func stableIDs() async throws {
        let (channel, outbox, _) = makeChannel()
        let ada = SwiftObjectReference(HelloHelper(name: "Ada"))
        let bob = SwiftObjectReference(HelloHelper(name: "Bob"))
        let first = try await send([ada, ada], on: channel, outbox: outbox)
        let firstArgs = try first.parsedArguments()
        let adaID = try #require(objectID(in: firstArgs[0]))
        #expect(objectID(in: firstArgs[1]) == adaID, "twice in one call")
        let second = try await send(["x", ada, bob], on: channel, outbox: outbox)
        let secondArgs = try second.parsedArguments()
        #expect(objectID(in: secondArgs[1]) == adaID, "again in a later call")
        let bobID = try #require(objectID(in: secondArgs[2]))
        #expect(bobID != adaID)
        #expect(channel.objects.count == 2)
    }

    @Test("a reference nested in a struct or array is tracked too")
    func nestedReference() async throws {
        struct Envelope: Encodable, Sendable {
            let label: String
            let helpers: [SwiftObjectReference<HelloHelper>]
        }
        let (channel, outbox, _) = makeChannel()
        let ada = SwiftObjectReference(HelloHelper(name: "Ada"))
        let call = try await send([Envelope(label: "l", helpers: [ada])], on: channel, outbox: outbox)
        let args = try call.parsedArguments()
        let id = try #require(objectID(in: args[0]["helpers"]?[0]))
        #expect(channel.objects.count == 1)
        #expect(try await invoke(id, "SayHello", on: channel, outbox: outbox).successJSON == #""Hello, Ada!""#)
    }

    @Test("a method is invoked on the object by its id")
    func invokeByID() async throws {
        let (channel, outbox, _) = makeChannel()
        let ada = SwiftObjectReference(HelloHelper(name: "Ada"))
        let bob = SwiftObjectReference(HelloHelper(name: "Bob"))
        let args = try await send([ada, bob], on: channel, outbox: outbox).parsedArguments()
        let adaID = try #require(objectID(in: args[0]))
        let bobID = try #require(objectID(in: args[1]))
        #expect(try await invoke(adaID, "SayHello", on: channel, outbox: outbox).successJSON == #""Hello, Ada!""#)
        #expect(try await invoke(bobID, "SayHello", on: channel, outbox: outbox).successJSON == #""Hello, Bob!""#)
        let greet = try await invoke(adaID, "Greet", ["Hi", 2], on: channel, outbox: outbox)
        #expect(try JSONParser.parse(greet.successJSON ?? "") == ["Hi, Ada", "Hi, Ada"])
        #expect(try await invoke(adaID, "Rename", ["Grace"], on: channel, outbox: outbox).successJSON == "null")
        #expect(ada.value.renamed.withLock { $0 } == "Grace")
        #expect(bob.value.renamed.withLock { $0 } == nil)
    }

    @Test("object methods refuse unknown methods, wrong arity and wrong types, and hide thrown errors")
    func objectRefusals() async throws {
        let (channel, outbox, _) = makeChannel()
        let ada = SwiftObjectReference(HelloHelper(name: "Ada"))
        let id = try #require(objectID(in: try await send([ada], on: channel, outbox: outbox).parsedArguments().first))
        #expect(
            try await invoke(id, "Nope", on: channel, outbox: outbox).failureMessage
                == "The type 'HelloHelper' has no exposed method 'Nope'.")
        #expect(
            try await invoke(id, "Greet", ["Hi"], on: channel, outbox: outbox).failureMessage
                == "The method 'Greet' in 'HelloHelper' expects 2 parameters, received 1.")
        let typed = try await invoke(id, "Greet", ["Hi", "twice"], on: channel, outbox: outbox).failureMessage ?? ""
        #expect(typed.hasPrefix("Argument 2 of 'Greet' in 'HelloHelper' is not a valid Int: "), "\(typed)")
        #expect(
            try await invoke(id, "Fail", on: channel, outbox: outbox).failureMessage
                == "An exception occurred invoking 'Fail' in 'object \(id)'.")
    }

    @Test("a reference returned from an exposed method is tracked and callable")
    func returnedReference() async throws {
        var exports = JSExports()
        exports.module("Factory") { factory in
            factory.expose("Make") { (name: String) in SwiftObjectReference(HelloHelper(name: name)) }
        }
        let (channel, outbox, _) = makeChannel()
        await channel.dispatchInvocation(id: 1, target: .module("Factory"), method: "Make", args: ["Cy"], exports: exports)
        let json = try #require(outbox.invocationResults.first?.successJSON)
        let id = try #require(objectID(in: try JSONParser.parse(json)))
        #expect(channel.objects.count == 1)
        #expect(try await invoke(id, "SayHello", on: channel, outbox: outbox).successJSON == #""Hello, Cy!""#)
    }

    @Test("after release, calls are refused; releasing twice is harmless")
    func release() async throws {
        let (channel, outbox, _) = makeChannel()
        let ada = SwiftObjectReference(HelloHelper(name: "Ada"))
        let bob = SwiftObjectReference(HelloHelper(name: "Bob"))
        let args = try await send([ada, bob], on: channel, outbox: outbox).parsedArguments()
        let adaID = try #require(objectID(in: args[0]))
        let bobID = try #require(objectID(in: args[1]))

        channel.objects.release(adaID)
        #expect(channel.objects.count == 1)
        #expect(
            try await invoke(adaID, "SayHello", on: channel, outbox: outbox).failureMessage
                == "There is no tracked object with id \(adaID). It may have been disposed.")
        channel.objects.release(adaID)
        channel.objects.release(12345)
        #expect(channel.objects.count == 1)
        // The other object is untouched.
        #expect(try await invoke(bobID, "SayHello", on: channel, outbox: outbox).successJSON == #""Hello, Bob!""#)
    }

    @Test("a released reference sent again is tracked again under a new id")
    func resendAfterRelease() async throws {
        let (channel, outbox, _) = makeChannel()
        let ada = SwiftObjectReference(HelloHelper(name: "Ada"))
        let oldID = try #require(objectID(in: try await send([ada], on: channel, outbox: outbox).parsedArguments().first))
        channel.objects.release(oldID)
        let newID = try #require(objectID(in: try await send([ada], on: channel, outbox: outbox).parsedArguments().first))
        #expect(newID != oldID)
        #expect(try await invoke(newID, "SayHello", on: channel, outbox: outbox).successJSON == #""Hello, Ada!""#)
        #expect(try await invoke(oldID, "SayHello", on: channel, outbox: outbox).failureMessage?.contains("no tracked object") == true)
    }

    @Test("an object id from one channel does not resolve in another")
    func perChannelRegistries() async throws {
        let (channelA, outboxA, _) = makeChannel()
        let (channelB, outboxB, _) = makeChannel()
        let ada = SwiftObjectReference(HelloHelper(name: "Ada"))
        let adaID = try #require(objectID(in: try await send([ada], on: channelA, outbox: outboxA).parsedArguments().first))
        #expect(
            try await invoke(adaID, "SayHello", on: channelB, outbox: outboxB).failureMessage
                == "There is no tracked object with id \(adaID). It may have been disposed.")

        // Even when the other channel has an object with the same number, it is its own.
        let bob = SwiftObjectReference(HelloHelper(name: "Bob"))
        let bobID = try #require(objectID(in: try await send([bob], on: channelB, outbox: outboxB).parsedArguments().first))
        #expect(bobID == adaID)
        #expect(try await invoke(bobID, "SayHello", on: channelB, outbox: outboxB).successJSON == #""Hello, Bob!""#)
        #expect(try await invoke(adaID, "SayHello", on: channelA, outbox: outboxA).successJSON == #""Hello, Ada!""#)
    }

    @Test("closing the channel releases every object")
    func closeReleasesAll() async throws {
        let (channel, outbox, _) = makeChannel()
        let refs = (0..<5).map { SwiftObjectReference(HelloHelper(name: "h\($0)")) }
        let args = try await send(refs, on: channel, outbox: outbox).parsedArguments()
        #expect(channel.objects.count == 5)
        channel.close()
        #expect(channel.objects.count == 0)
        let id = try #require(objectID(in: args[0]))
        await channel.dispatchInvocation(id: 1, target: .object(id), method: "SayHello", args: [], exports: JSExports())
        #expect(outbox.invocationResults.isEmpty, "a closed channel sends nothing")
        // Encoding a reference after close tracks nothing.
        _ = try channel.encode(SwiftObjectReference(HelloHelper(name: "late")))
        #expect(channel.objects.count == 0)
    }

    @Test("the channel's encoder registers references and keeps their ids")
    func channelEncode() throws {
        let (channel, _, _) = makeChannel()
        let ref = SwiftObjectReference(HelloHelper(name: "Solo"))
        #expect(try channel.encode(ref) == #"{"__tetherObject":1}"#)
        #expect(try channel.encode(ref) == #"{"__tetherObject":1}"#)
        #expect(try channel.encode([ref]) == #"[{"__tetherObject":1}]"#)
        #expect(channel.objects.count == 1)
        channel.objects.releaseAll()
        #expect(channel.objects.count == 0)
    }

    @Test("a reference cannot be encoded outside a circuit")
    func encodingOutsideCircuit() {
        let ref = SwiftObjectReference(HelloHelper(name: "Lost"))
        #expect(throws: EncodingError.self) { try InteropCoding.encode(ref) }
    }
}
