import Testing
import TetherInterop
import TetherProtocol

@Suite("WireCodec")
struct WireCodecTests {
    /// Decodes a frame holding exactly one message.
    private func decodeOne(_ text: String) -> Result<InboundMessage, ProtocolViolation>? {
        let results = WireCodec.decodeFrame(text)
        #expect(results.count == 1, "\(text)")
        return results.first
    }

    private func decoded(_ text: String) -> InboundMessage? {
        guard let result = decodeOne(text) else { return nil }
        switch result {
        case .success(let message): return message
        case .failure(let violation):
            Issue.record("\(text) was refused: \(violation)")
            return nil
        }
    }

    private func violation(_ text: String) -> String? {
        guard let result = decodeOne(text) else { return nil }
        switch result {
        case .success(let message):
            Issue.record("\(text) was accepted as \(message)")
            return nil
        case .failure(let violation): return violation.message
        }
    }

    // MARK: Inbound kinds

    @Test("start")
    func start() {
        #expect(decoded(#"[["start","desc-123","https://example.com/page?x=1"]]"#)
            == .start(descriptor: "desc-123", url: "https://example.com/page?x=1"))
    }

    @Test("ev, with and without event args")
    func event() {
        #expect(decoded(#"[["ev","h7",{"value":"abc","key":"Enter"}]]"#)
            == .event(handler: "h7", args: ["value": "abc", "key": "Enter"]))
        #expect(decoded(#"[["ev","h7"]]"#) == .event(handler: "h7", args: .null))
    }

    @Test("ev with a sequence number; a sequence that is not an integer is refused")
    func eventSequence() {
        #expect(decoded(#"[["ev","h7",{},12]]"#) == .event(handler: "h7", args: [:], sequence: 12))
        #expect(decoded(#"[["ev","h7",{},null]]"#) == .event(handler: "h7", args: [:]))
        #expect(violation(#"[["ev","h7",{},"12"]]"#) == "malformed 'ev' message: expected an integer sequence number")
        #expect(violation(#"[["ev","h7",{},1.5]]"#) == "malformed 'ev' message: expected an integer sequence number")
        #expect(violation(#"[["ev","h7",{},1e400]]"#) == "malformed 'ev' message: expected an integer sequence number")
    }

    @Test("evd carries the sequence number back")
    func eventHandled() {
        var out = ""
        WireCodec.encode(.eventHandled(sequence: 12), to: &out)
        #expect(out == #"["evd",12]"#)
    }

    @Test("done: success with a value, with no value, and failures")
    func done() {
        #expect(decoded(#"[["done",3,true,{"a":[1,2]}]]"#) == .callCompleted(id: 3, outcome: .success(["a": [1, 2]])))
        #expect(decoded(#"[["done",4,true]]"#) == .callCompleted(id: 4, outcome: .success(.null)))
        #expect(decoded(#"[["done",5,false,{"message":"boom","stack":"at f (x.js:1)"}]]"#)
            == .callCompleted(id: 5, outcome: .failure(message: "boom", stack: "at f (x.js:1)")))
        #expect(decoded(#"[["done",6,false,{"message":"no stack"}]]"#)
            == .callCompleted(id: 6, outcome: .failure(message: "no stack", stack: nil)))
        #expect(decoded(#"[["done",7,false,"plain text"]]"#)
            == .callCompleted(id: 7, outcome: .failure(message: "plain text", stack: nil)))
        #expect(decoded(#"[["done",8,false]]"#)
            == .callCompleted(id: 8, outcome: .failure(message: "unknown JavaScript error", stack: nil)))
    }

    @Test("inv, by module and by object id")
    func invoke() {
        #expect(decoded(#"[["inv",9,"Demo","Add",[1,2]]]"#)
            == .invoke(id: 9, target: .module("Demo"), method: "Add", args: [1, 2]))
        #expect(decoded(#"[["inv",10,4,"SayHello",[]]]"#)
            == .invoke(id: 10, target: .object(4), method: "SayHello", args: []))
    }

    @Test("inv without an arguments array means no arguments")
    func invokeWithoutArgs() {
        #expect(decoded(#"[["inv",11,"Demo","Ping"]]"#)
            == .invoke(id: 11, target: .module("Demo"), method: "Ping", args: []))
    }

    @Test("ack, rel, nav")
    func smallKinds() {
        #expect(decoded(#"[["ack",12]]"#) == .ack(batch: 12))
        #expect(decoded(#"[["rel",13]]"#) == .releaseObject(id: 13))
        #expect(decoded(#"[["nav","/counter"]]"#) == .navigate(url: "/counter"))
    }

    @Test("a frame of several messages decodes each one in order, good and bad")
    func batch() throws {
        let results = WireCodec.decodeFrame(#"[["ack",1],["zzz"],["rel",2],["ack"]]"#)
        try #require(results.count == 4)
        #expect(try results[0].get() == .ack(batch: 1))
        #expect(throws: ProtocolViolation("unknown message type 'zzz'")) { try results[1].get() }
        #expect(try results[2].get() == .releaseObject(id: 2))
        #expect(throws: ProtocolViolation("malformed 'ack' message: expected a batch number")) { try results[3].get() }
    }

    @Test("an empty frame has no messages")
    func emptyFrame() {
        #expect(WireCodec.decodeFrame("[]").isEmpty)
        #expect(WireCodec.decodeFrame(" [ ] ").isEmpty)
    }

    // MARK: Violations

    @Test("a frame that is not JSON is refused with the parser's reason and offset")
    func malformedFrame() {
        #expect(violation(#"[["ack",1]"#) == "malformed frame: invalid JSON at byte 10: unterminated array")
        #expect(violation("") == "malformed frame: invalid JSON at byte 0: unexpected end of input")
        #expect(violation(#"[["ack",1]] trailing"#) == "malformed frame: invalid JSON at byte 12: unexpected trailing characters")
    }

    @Test(
        "a frame that is not an array is refused naming what it is",
        arguments: [("{\"ack\":1}", "object"), ("\"ack\"", "string"), ("1", "number"), ("null", "null"), ("true", "boolean")]
            as [(String, String)])
    func nonArrayFrame(_ text: String, typeName: String) {
        #expect(violation(text) == "malformed frame: expected an array of messages, got \(typeName)")
    }

    @Test("a message that is not [kind, ...] is refused", arguments: ["[1]", "[[]]", "[{}]", "[[1,2]]", "[\"ack\"]", "[[null]]"])
    func notAMessage(_ text: String) {
        #expect(violation(text) == "malformed message: expected [kind, ...]")
    }

    @Test("an unknown message type is refused naming it")
    func unknownType() {
        #expect(violation(#"[["hello",1]]"#) == "unknown message type 'hello'")
        #expect(violation(#"[["START","d","u"]]"#) == "unknown message type 'START'")
    }

    @Test("a kind only the server sends is refused as such when a browser sends it", arguments: ["r", "c", "res", "err", "go", "djs", "fatal", "rejected", "bye", "cfg"])
    func serverKindFromBrowser(_ kind: String) {
        #expect(violation("[[\"\(kind)\",1]]") == "'\(kind)' is a message the server sends, never one it receives")
    }

    @Test(
        "missing or mistyped fields are refused naming the kind and what was expected",
        arguments: [
            (#"[["start"]]"#, "malformed 'start' message: expected descriptor and url strings"),
            (#"[["start","d"]]"#, "malformed 'start' message: expected descriptor and url strings"),
            (#"[["start","d",5]]"#, "malformed 'start' message: expected descriptor and url strings"),
            (#"[["ev"]]"#, "malformed 'ev' message: expected a handler id string"),
            (#"[["ev",5,{}]]"#, "malformed 'ev' message: expected a handler id string"),
            (#"[["done"]]"#, "malformed 'done' message: expected call id and ok flag"),
            (#"[["done",1]]"#, "malformed 'done' message: expected call id and ok flag"),
            (#"[["done","1",true]]"#, "malformed 'done' message: expected call id and ok flag"),
            (#"[["done",1,"yes"]]"#, "malformed 'done' message: expected call id and ok flag"),
            (#"[["done",1.5,true]]"#, "malformed 'done' message: expected call id and ok flag"),
            (#"[["inv"]]"#, "malformed 'inv' message: expected a call id"),
            (#"[["inv",1]]"#, "malformed 'inv' message: expected a module name or object id"),
            (#"[["inv",1,true,"M",[]]]"#, "malformed 'inv' message: expected a module name or object id"),
            (#"[["inv",1,"Demo"]]"#, "malformed 'inv' message: expected a method id"),
            (#"[["inv",1,"Demo",7,[]]]"#, "malformed 'inv' message: expected a method id"),
            (#"[["inv",1,"Demo","Add",{"a":1}]]"#, "malformed 'inv' message: expected an arguments array"),
            (#"[["inv",1,"Demo","Add",5]]"#, "malformed 'inv' message: expected an arguments array"),
            (#"[["ack"]]"#, "malformed 'ack' message: expected a batch number"),
            (#"[["ack","1"]]"#, "malformed 'ack' message: expected a batch number"),
            (#"[["rel"]]"#, "malformed 'rel' message: expected an object id"),
            (#"[["rel",null]]"#, "malformed 'rel' message: expected an object id"),
            (#"[["nav"]]"#, "malformed 'nav' message: expected a url"),
            (#"[["nav",{}]]"#, "malformed 'nav' message: expected a url"),
        ] as [(String, String)])
    func missingFields(_ text: String, message: String) {
        #expect(violation(text) == message)
    }

    @Test("a violation describes itself by its message")
    func violationDescription() {
        #expect(ProtocolViolation("x y").description == "x y")
    }

    // MARK: Outbound

    private func encodedAndParsed(_ messages: [OutboundMessage]) throws -> JSONValue {
        let text = WireCodec.encodeFrame(messages)
        return try JSONParser.parse(text)
    }

    @Test("every outbound message encodes as JSON that parses back to its fields")
    func outboundCases() throws {
        #expect(try encodedAndParsed([.render(batch: 2, edits: #"[[1,"div"],[2]]"#)]) == [["r", 2, [[1, "div"], [2]]]])
        let head = HeadUpdate(title: #"Count "1" </title>"#, elements: #"<meta name="a" content="b&amp;c" data-tether-head>"#)
        #expect(
            try encodedAndParsed([.render(batch: 3, edits: "[]", head: head)])
                == [["r", 3, [], [#"Count "1" </title>"#, #"<meta name="a" content="b&amp;c" data-tether-head>"#]]])
        #expect(try encodedAndParsed([.call(id: 3, identifier: "a.b.c", arguments: #"[1,{"x":"y"},null]"#, mode: .json)])
            == [["c", 3, "a.b.c", [1, ["x": "y"], nil], 0]])
        #expect(try encodedAndParsed([.call(id: 4, identifier: "log", arguments: "[]", mode: .void)]) == [["c", 4, "log", [], 1]])
        #expect(try encodedAndParsed([.call(id: 5, identifier: "make", arguments: "[]", mode: .objectReference)])
            == [["c", 5, "make", [], 2]])
        #expect(try encodedAndParsed([.invocationResult(id: 6, outcome: .success(json: #"{"sum":3}"#))]) == [["res", 6, true, ["sum": 3]]])
        #expect(try encodedAndParsed([.invocationResult(id: 7, outcome: .success(json: "null"))]) == [["res", 7, true, nil]])
        #expect(try encodedAndParsed([.invocationResult(id: 8, outcome: .failure(message: "nope"))]) == [["res", 8, false, "nope"]])
        #expect(try encodedAndParsed([.protocolError("bad frame")]) == [["err", "bad frame"]])
        #expect(try encodedAndParsed([.navigateTo(url: "/a?b=c", replace: true, inCircuit: false)]) == [["go", "/a?b=c", true, false]])
        #expect(try encodedAndParsed([.navigateTo(url: "/", replace: false, inCircuit: true)]) == [["go", "/", false, true]])
        #expect(try encodedAndParsed([.disposeJSObject(id: 9)]) == [["djs", 9]])
        #expect(try encodedAndParsed([.fatal("circuit closed")]) == [["fatal", "circuit closed"]])
    }

    @Test("a call on a JS object, or another operation, carries the target and operation; a plain call omits them")
    func outboundCallTargetAndOperation() throws {
        #expect(WireCodec.encodeFrame([.call(id: 1, identifier: "f", arguments: "[]", mode: .json)]) == #"[["c",1,"f",[],0]]"#)
        #expect(try encodedAndParsed([.call(id: 2, identifier: "m.go", arguments: "[1]", mode: .void, target: 7, operation: .call)])
            == [["c", 2, "m.go", [1], 1, 7, 0]])
        #expect(try encodedAndParsed([.call(id: 3, identifier: "title", arguments: "[]", mode: .json, target: 0, operation: .get)])
            == [["c", 3, "title", [], 0, 0, 1]])
        #expect(try encodedAndParsed([.call(id: 4, identifier: "Map", arguments: "[]", mode: .objectReference, operation: .construct)])
            == [["c", 4, "Map", [], 2, 0, 3]])
        #expect(try encodedAndParsed([.call(id: 5, identifier: "./m.js", arguments: "[]", mode: .objectReference, operation: .importModule)])
            == [["c", 5, "./m.js", [], 2, 0, 4]])
        #expect(try encodedAndParsed([.call(id: 6, identifier: "x", arguments: "[true]", mode: .void, target: 3, operation: .set)])
            == [["c", 6, "x", [true], 1, 3, 2]])
    }

    @Test("byte segments go in binary frames ahead of one text frame with the other messages")
    func outboundBytes() throws {
        let frames = WireCodec.frames(for: [
            .disposeJSObject(id: 1),
            .bytes(id: 0x0102_0304, payload: [9, 8, 7]),
            .fatal("x"),
            .bytes(id: 5, payload: []),
        ])
        try #require(frames.count == 3)
        #expect(frames[0] == .binary([0x04, 0x03, 0x02, 0x01, 9, 8, 7]))
        #expect(frames[1] == .binary([5, 0, 0, 0]))
        guard case .text(let text) = frames[2] else {
            Issue.record("expected a text frame last, got \(frames[2])")
            return
        }
        #expect(try JSONParser.parse(text) == [["djs", 1], ["fatal", "x"]])
        #expect(WireCodec.frames(for: []).isEmpty)
        #expect(WireCodec.frames(for: [.bytes(id: 1, payload: [1])]) == [.binary([1, 0, 0, 0, 1])])
    }

    @Test("strings that need escaping survive encoding")
    func outboundEscaping() throws {
        let nasty = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} é 😀 </script>"
        let frame = try encodedAndParsed([
            .call(id: 1, identifier: nasty, arguments: "[]", mode: .json),
            .invocationResult(id: 2, outcome: .failure(message: nasty)),
            .protocolError(nasty),
            .navigateTo(url: nasty, replace: false, inCircuit: false),
            .fatal(nasty),
        ])
        #expect(frame[0]?[2] == .string(nasty))
        #expect(frame[1]?[3] == .string(nasty))
        #expect(frame[2]?[1] == .string(nasty))
        #expect(frame[3]?[1] == .string(nasty))
        #expect(frame[4]?[1] == .string(nasty))
    }

    @Test("a frame batches messages in order; an empty frame is an empty array")
    func outboundFrame() throws {
        #expect(WireCodec.encodeFrame([]) == "[]")
        let frame = try encodedAndParsed([.render(batch: 1, edits: "[]"), .disposeJSObject(id: 2), .fatal("x")])
        #expect(frame == [["r", 1, []], ["djs", 2], ["fatal", "x"]])
        #expect(WireCodec.encodeFrame([.disposeJSObject(id: 2), .protocolError("e")]) == #"[["djs",2],["err","e"]]"#)
    }
}

/// The interop core's messages as they travel in a frame, spelled as the tests above read best.
extension OutboundMessage {
    fileprivate static func call(
        id: Int, identifier: String, arguments: String, mode: ResultMode, target: Int = 0, operation: ObjectOperation = .call
    ) -> OutboundMessage {
        .interop(.call(id: id, identifier: identifier, arguments: arguments, mode: mode, target: target, operation: operation))
    }
    fileprivate static func invocationResult(id: Int, outcome: InvocationOutcome) -> OutboundMessage {
        .interop(.invocationResult(id: id, outcome: outcome))
    }
    fileprivate static func disposeJSObject(id: Int) -> OutboundMessage { .interop(.disposeJSObject(id: id)) }
    fileprivate static func bytes(id: Int, payload: [UInt8]) -> OutboundMessage { .interop(.bytes(id: id, payload: payload)) }
}
