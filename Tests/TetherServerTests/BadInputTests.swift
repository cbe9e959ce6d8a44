import Testing
import TetherInterop
import TetherServer

/// One kind of bad input a browser (or anyone with a socket) might send on a started circuit.
struct BadInput: Sendable, CustomTestStringConvertible {
    enum Payload: Sendable {
        case text(String)
        case binary([UInt8])
    }

    let name: String
    let payload: Payload
    /// What the `err` answer says, or nil when the server ignores the input without answering.
    let error: String?

    var testDescription: String { name }

    static let all: [BadInput] = [
        BadInput(name: "malformed JSON", payload: .text(#"[["ev","1.0",{"type":"click"}"#), error: "malformed frame: invalid JSON"),
        BadInput(name: "an empty text frame", payload: .text(""), error: "malformed frame"),
        BadInput(
            name: "a frame that is an object", payload: .text(#"{"ev":"1.0"}"#),
            error: "malformed frame: expected an array of messages, got object"),
        BadInput(
            name: "a frame that is a string", payload: .text(#""hello""#),
            error: "malformed frame: expected an array of messages, got string"),
        BadInput(name: "a message that is not an array", payload: .text("[42]"), error: "malformed message: expected [kind, ...]"),
        BadInput(name: "a message with no kind", payload: .text("[[]]"), error: "malformed message: expected [kind, ...]"),
        BadInput(name: "an unknown message type", payload: .text(#"[["launch","missiles"]]"#), error: "unknown message type 'launch'"),
        BadInput(name: "an event without a handler id", payload: .text(#"[["ev",7,{"type":"click"}]]"#), error: "malformed 'ev' message"),
        BadInput(
            // A completion that comes after its call timed out or was cancelled is expected, so
            // it is dropped without a word to the browser.
            name: "a completion for an unknown call id", payload: .text(#"[["done",4242,true,"late"]]"#), error: nil),
        BadInput(
            name: "a failure for an unknown call id", payload: .text(#"[["done",4243,false,{"message":"x"}]]"#), error: nil),
        BadInput(name: "a completion without an ok flag", payload: .text(#"[["done",1]]"#), error: "malformed 'done' message"),
        BadInput(name: "an invocation without an id", payload: .text(#"[["inv","Demo","Add",[2,3]]]"#), error: "malformed 'inv' message"),
        BadInput(name: "an invocation whose args are not an array", payload: .text(#"[["inv",1,"Demo","Add",5]]"#), error: "expected an arguments array"),
        BadInput(name: "an ack without a number", payload: .text(#"[["ack","one"]]"#), error: "malformed 'ack' message"),
        BadInput(
            name: "navigation to another site", payload: .text(#"[["nav","https://evil.example/"]]"#),
            error: "navigation must stay on this site: https://evil.example/"),
        BadInput(
            name: "navigation to a protocol-relative URL", payload: .text(#"[["nav","//evil.example/x"]]"#),
            error: "navigation must stay on this site"),
        BadInput(name: "navigation without a URL", payload: .text(#"[["nav"]]"#), error: "malformed 'nav' message"),
        BadInput(
            name: "a text message over the size limit", payload: .text(#"[["ev",""# + String(repeating: "x", count: 40_000) + #""]]"#),
            error: "exceeds the limit of 32768 bytes"),
        BadInput(name: "nesting deeper than the parser allows", payload: .text(String(repeating: "[", count: 200) + String(repeating: "]", count: 200)), error: "malformed frame"),
        BadInput(name: "a binary frame too short to be a byte segment", payload: .binary([0xDE, 0xAD, 0xBE]), error: "binary frame"),
        // Four bytes or more are a byte segment: kept, bounded, until a message claims it.
        BadInput(name: "binary garbage", payload: .binary((0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }), error: nil),
        BadInput(name: "releasing a Swift object that was never handed out", payload: .text(#"[["rel",999]]"#), error: nil),
        BadInput(name: "an ack for a batch never sent", payload: .text(#"[["ack",12345]]"#), error: nil),
    ]
}

@Suite("Bad input on a circuit: refused or ignored, never fatal")
struct BadInputTests {
    @Test("each bad input is answered as the code says; the circuit and its neighbour carry on", arguments: BadInput.all)
    func badInput(_ input: BadInput) async throws {
        try await withDemoServer { server in
            let (healthy, _) = try await server.startCircuit("/counter")
            let (victim, _) = try await server.startCircuit("/counter")

            switch input.payload {
            case .text(let text): try await victim.sendText(text)
            case .binary(let bytes): try await victim.sendBinary(bytes)
            }
            // The click is processed after the bad input, and every answer goes out in order, so
            // whatever the bad input caused arrives before the click's batch.
            try await victim.click(id: "increment")
            let first = try await victim.nextMessage()
            if let error = input.error {
                #expect(first.isKind("err"), "expected an 'err', got \(first)")
                let text = first[1]?.stringValue ?? ""
                #expect(text.contains(error), "\(text)")
                let second = try await victim.nextRender()
                #expect(second.number == 1)
            } else {
                #expect(first.isKind("r") && first[1] == 1, "ignored input is not answered: \(first)")
            }
            // (a) The same circuit still works.
            #expect(victim.dom?.element(id: "count")?.textContent == "1")
            try await victim.click(id: "increment")
            #expect(try await victim.nextRender().number == 2)
            #expect(victim.dom?.element(id: "count")?.textContent == "2")
            #expect(victim.unconsumed.isEmpty, "nothing else: \(victim.unconsumed)")
            #expect(!victim.isClosed)

            // (b) The other circuit on the server saw nothing of it.
            try await healthy.click(id: "increment")
            let batch = try await healthy.nextRender()
            #expect(batch.number == 1)
            #expect(healthy.dom?.element(id: "count")?.textContent == "1")
            #expect(healthy.unconsumed.isEmpty, "\(healthy.unconsumed)")
        }
    }

    @Test("a frame mixing bad and good messages: each bad one gets its 'err', the good ones still run, in order")
    func mixedFrame() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/counter")
            let handler = try #require(page.dom.handlerID("click", id: "increment"))
            try await client.sendText(#"[["bogus"],["ev","\#(handler)",{"type":"click"}],42,["inv",5,"Demo","Add",[2,3]]]"#)
            #expect(try await client.nextError() == "unknown message type 'bogus'")
            #expect(try await client.nextError().hasPrefix("malformed message"))
            #expect(try await client.nextResult(id: 5).value == 5)
            #expect(try await client.nextRender().number == 1)
            #expect(client.dom?.element(id: "count")?.textContent == "1")
        }
    }

    @Test("a flood of bad frames does not close the circuit")
    func flood() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/counter")
            for i in 0..<200 {
                try await client.sendText(i.isMultiple(of: 2) ? "{" : #"[["x\#(i)"]]"#)
            }
            try await client.click(id: "increment")
            try await client.renders(until: "#count shows 1") { $0.element(id: "count")?.textContent == "1" }
            #expect(client.inbox.log.filter { $0.isKind("err") }.count == 200)
            #expect(!client.inbox.log.contains { $0.isKind("fatal") })
        }
    }

    @Test("byte segments past the in-flight limit are refused, and the circuit carries on")
    func byteSegmentLimit() async throws {
        try await withDemoServer(configure: { $0.interop.maxPendingBytes = 16 }) { server in
            let (client, _) = try await server.startCircuit("/counter")
            try await client.sendBinary([1, 0, 0, 0] + Array(repeating: 7, count: 10))
            try await client.sendBinary([2, 0, 0, 0] + Array(repeating: 8, count: 10))
            #expect(try await client.nextError() == "byte arrays in flight exceed the limit of 16 bytes")
            try await client.click(id: "increment")
            #expect(try await client.nextRender().number == 1)
            #expect(client.unconsumed.isEmpty)
        }
    }

    @Test("closing a circuit abruptly leaves the server serving others")
    func abruptClose() async throws {
        try await withDemoServer { server in
            let (gone, _) = try await server.startCircuit("/call-js-example-1")
            // Leave a JS call pending, then go away.
            let handler = try #require(gone.dom?.handlerID("click") { $0.tag == "button" })
            try await gone.send(["ev", .string(handler), ["type": "click"]])
            _ = try await gone.nextCall("convertArray")
            await gone.close()
            #expect(gone.isClosed)

            let (client, _) = try await server.startCircuit("/counter")
            try await client.click(id: "increment")
            #expect(try await client.nextRender().number == 1)
        }
    }
}
