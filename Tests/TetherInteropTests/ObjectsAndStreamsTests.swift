import Foundation
import Synchronization
import Testing
@testable import TetherInterop
import TetherProtocol

/// JS object handles, byte segments and streams, played against the in-memory outbox.
@Suite("JS object references, bytes and streams", .timeLimit(.minutes(1)))
struct ObjectsAndStreamsTests {
    @Test("a JS object handle calls, gets and sets on its object; dispose frees it once and later calls fail locally")
    func jsObjectReference() async throws {
        let (channel, outbox, js) = makeChannel()
        async let made: JSObjectReference = js.construct("LabCounter", 5)
        let construct = try await outbox.waitForCall()
        #expect(construct.operation == .construct && construct.mode == .objectReference)
        channel.complete(callID: construct.id, outcome: .success(["__tetherJSObject": 7]))
        let counter = try await made
        #expect(counter.id == 7)

        async let incremented: Int = counter.invoke("inc")
        let call = try await outbox.waitForCalls(2)[1]
        #expect(call.target == 7 && call.operation == .call && call.identifier == "inc")
        channel.complete(callID: call.id, outcome: .success(6))
        #expect(try await incremented == 6)

        async let set: Void = counter.setProperty("value", 41)
        let setCall = try await outbox.waitForCalls(3)[2]
        #expect(setCall.operation == .set && setCall.mode == .void)
        #expect(try setCall.parsedArguments() == [41])
        channel.complete(callID: setCall.id, outcome: .success(.null))
        try await set

        counter.dispose()
        counter.dispose()
        let disposals = outbox.all.filter { if case .disposeJSObject(7) = $0 { true } else { false } }
        #expect(disposals.count == 1)
        await #expect(throws: JSObjectDisposedError.self) { let _: Int = try await counter.invoke("inc") }
        #expect(outbox.calls.count == 3, "nothing is sent for a disposed handle")
    }

    @Test("importModule asks the browser to import() the URL and hands back a handle")
    func importModule() async throws {
        let (channel, outbox, js) = makeChannel()
        async let module = js.importModule("/_content/Lib/Chart.js")
        let call = try await outbox.waitForCall()
        #expect(call.operation == .importModule && call.identifier == "/_content/Lib/Chart.js")
        channel.complete(callID: call.id, outcome: .success(["__tetherJSObject": 1]))
        #expect(try await module.id == 1)
    }

    @Test("a handle from a circuit that ended fails as disconnected")
    func handleAfterDisconnect() async throws {
        let (channel, outbox, js) = makeChannel()
        async let made = js.construct("Thing")
        channel.complete(callID: try await outbox.waitForCall().id, outcome: .success(["__tetherJSObject": 3]))
        let thing = try await made
        channel.close()
        await #expect(throws: JSDisconnectedError.self) { try await thing.invokeVoid("go") }
    }

    @Test("byte arrays travel as binary segments, top level and nested in Data fields, both ways")
    func byteSegments() async throws {
        struct Blob: Codable, Equatable { let name: String; let data: Data }
        let (channel, outbox, js) = makeChannel()
        async let echoed: Blob = js.invoke("echo", [UInt8](repeating: 9, count: 1000), Blob(name: "n", data: Data([1, 2, 3])))
        let call = try await outbox.waitForCall()
        let segments = outbox.all.compactMap { if case .bytes(let id, let payload) = $0 { (id, payload) } else { nil } }
        #expect(segments.map(\.1.count) == [1000, 3])
        // JSONEncoder does not promise an order of keys, so both sides are compared with sorted keys.
        let expected: JSONValue = [["__tetherBytes": .number(segments[0].0)], ["data": ["__tetherBytes": .number(segments[1].0)], "name": "n"]]
        #expect(normalized(.array(try call.parsedArguments())) == normalized(expected))
        // The browser answers with bytes of its own: one segment, in two chunks.
        try channel.receiveBinary(ByteSegment.frame(id: 40, bytes: [7, 7]))
        try channel.receiveBinary(ByteSegment.frame(id: 40, bytes: [8]))
        channel.complete(callID: call.id, outcome: .success(["name": "back", "data": ["__tetherBytes": 40]]))
        #expect(try await echoed == Blob(name: "back", data: Data([7, 7, 8])))
    }

    @Test("byte segments past the limit are refused")
    func byteLimit() throws {
        let (channel, _, _) = makeChannel(InteropOptions(maxPendingBytes: 10))
        try channel.receiveBinary(ByteSegment.frame(id: 1, bytes: [UInt8](repeating: 0, count: 10)))
        #expect(throws: ProtocolViolation.self) { try channel.receiveBinary(ByteSegment.frame(id: 2, bytes: [1])) }
        #expect(throws: ProtocolViolation.self) { try channel.receiveBinary([1, 2]) }
    }

    @Test("a JS stream is pulled chunk by chunk and released at the end")
    func jsStream() async throws {
        let (channel, outbox, js) = makeChannel()
        async let opened: JSStreamReference = js.invoke("Tether.files.open", "input", 0)
        let open = try await outbox.waitForCall()
        #expect(open.mode == .stream)
        channel.complete(callID: open.id, outcome: .success(["__tetherJSStream": 5, "length": 5]))
        let stream = try await opened
        #expect(stream.length == 5)
        let reader = Task {
            var received: [UInt8] = []
            for try await chunk in stream.openReadStream(maxAllowedSize: 100, chunkBytes: 3) { received += chunk }
            return received
        }
        // Answer each read the way the runtime does: a segment, then its marker; null at the end.
        for (index, chunk) in [[1, 2, 3], [4, 5]].enumerated() as EnumeratedSequence<[[UInt8]]> {
            let read = try await outbox.waitForCalls(2 + index)[1 + index]
            #expect(read.target == 5 && read.identifier == "read")
            #expect(try read.parsedArguments() == [3])
            try channel.receiveBinary(ByteSegment.frame(id: 100 + index, bytes: chunk))
            channel.complete(callID: read.id, outcome: .success(["__tetherBytes": .number(100 + index)]))
        }
        let last = try await outbox.waitForCalls(4)[3]
        channel.complete(callID: last.id, outcome: .success(.null))
        #expect(try await reader.value == [1, 2, 3, 4, 5])
        #expect(outbox.all.contains { if case .disposeJSObject(5) = $0 { true } else { false } })
    }

    @Test("a reader that stops early lets the browser release the stream's object")
    func jsStreamLeftEarly() async throws {
        let (channel, outbox, js) = makeChannel()
        async let opened: JSStreamReference = js.invoke("Tether.files.open", "input", 0)
        channel.complete(callID: try await outbox.waitForCall().id, outcome: .success(["__tetherJSStream": 9, "length": 6]))
        let stream = try await opened
        let reader = Task {
            for try await chunk in stream.openReadStream(maxAllowedSize: 100, chunkBytes: 3) { return chunk }
            return []
        }
        let read = try await outbox.waitForCalls(2)[1]
        try channel.receiveBinary(ByteSegment.frame(id: 300, bytes: [1, 2, 3]))
        channel.complete(callID: read.id, outcome: .success(["__tetherBytes": 300]))
        #expect(try await reader.value == [1, 2, 3])
        #expect(outbox.calls.count == 2, "no chunk is asked for after the reader stopped")
        #expect(outbox.all.contains { if case .disposeJSObject(9) = $0 { true } else { false } }, "the browser lets go of the file")
    }

    @Test("a JS stream longer than allowed fails before reading")
    func jsStreamTooLarge() async throws {
        let (channel, outbox, js) = makeChannel()
        async let opened: JSStreamReference = js.invoke("big")
        channel.complete(callID: try await outbox.waitForCall().id, outcome: .success(["__tetherJSStream": 2, "length": 1000]))
        let stream = try await opened
        await #expect(throws: JSStreamTooLargeError.self) {
            for try await _ in stream.openReadStream(maxAllowedSize: 999) {}
        }
        #expect(outbox.calls.count == 1, "no chunk is requested")
    }

    @Test("a JS stream that declared less than it sends is stopped once the bytes pass the limit")
    func jsStreamThatLiesAboutItsLength() async throws {
        let (channel, outbox, js) = makeChannel()
        async let opened: JSStreamReference = js.invoke("Tether.files.open", "input", 0)
        channel.complete(callID: try await outbox.waitForCall().id, outcome: .success(["__tetherJSStream": 6, "length": 2]))
        let stream = try await opened
        let reader = Task {
            var received = 0
            for try await chunk in stream.openReadStream(maxAllowedSize: 4, chunkBytes: 3) { received += chunk.count }
            return received
        }
        for (index, chunk) in [[1, 2, 3], [4, 5, 6]].enumerated() as EnumeratedSequence<[[UInt8]]> {
            let read = try await outbox.waitForCalls(2 + index)[1 + index]
            try channel.receiveBinary(ByteSegment.frame(id: 200 + index, bytes: chunk))
            channel.complete(callID: read.id, outcome: .success(["__tetherBytes": .number(200 + index)]))
        }
        await #expect(throws: JSStreamTooLargeError.self) { _ = try await reader.value }
        #expect(outbox.calls.count == 3, "no chunk is asked for after the limit was passed")
        #expect(outbox.all.contains { if case .disposeJSObject(6) = $0 { true } else { false } }, "the browser lets go of the file")
    }

    @Test("a Swift stream is read by JS through its Read method, chunk by chunk, then null")
    func swiftStream() async throws {
        let (channel, outbox, js) = makeChannel()
        let stream = SwiftStreamReference(bytes: Array(0..<10), chunkBytes: 4)
        async let sent: Void = js.invokeVoid("download", stream)
        let call = try await outbox.waitForCall()
        let marker = try call.parsedArguments()[0]
        #expect(marker["length"] == 10)
        let id = try #require(marker["__tetherStream"]?.intValue)
        var chunks: [[UInt8]] = []
        for round in 1...4 {
            await channel.dispatchInvocation(id: round, target: .object(id), method: "Read", args: [], exports: JSExports())
            let result = try #require(outbox.invocationResults.last)
            if result.successJSON == "null" { break }
            let segment = outbox.all.compactMap { if case .bytes(_, let payload) = $0 { payload } else { nil } }.last
            chunks.append(try #require(segment))
        }
        #expect(chunks == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        channel.complete(callID: call.id, outcome: .success(.null))
        try await sent
    }

    @Test("when the circuit ends, every Swift object handed to JS is released and freed")
    func objectsAreFreedWhenTheCircuitEnds() async throws {
        final class Tracked: JSInvokableObject {
            static func exposeMethods(_ methods: inout ObjectMethodTable<Tracked>) {}
        }
        let (channel, outbox, js) = makeChannel()
        weak var weakObject: Tracked?
        do {
            let object = Tracked()
            weakObject = object
            async let sent: Void = js.invokeVoid("keep", SwiftObjectReference(object))
            channel.complete(callID: try await outbox.waitForCall().id, outcome: .success(.null))
            try await sent
        }
        #expect(channel.objects.count == 1)
        #expect(weakObject != nil, "the registry keeps the object alive while JS holds it")
        channel.close()
        #expect(channel.objects.count == 0)
        #expect(weakObject == nil, "nothing is left behind once the circuit ends")
    }
}
