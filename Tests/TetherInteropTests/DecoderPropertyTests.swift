import Foundation
import PropertyBased
import Testing
import TetherProtocol
@testable import TetherInterop

/// Every reader of browser data, fed arbitrary JSON: none may trap, and what each accepts must
/// mean what the browser wrote. A trap kills the test process, which fails the run.
@Suite("Decoder properties: arbitrary browser JSON")
struct DecoderPropertyTests {
    // MARK: The frame and message decoder

    @Test("WireCodec.decodeMessage returns a message or a ProtocolViolation, and numbers keep their value")
    func decodeMessageNeverTraps() async {
        await propertyCheck(count: 2000, input: ArbitraryJSON.messages) { value in
            switch WireCodec.decodeMessage(value) {
            case .failure(let violation):
                #expect(!violation.message.isEmpty)
            case .success(let message):
                guard case .array(let fields) = value else {
                    Issue.record("accepted a non-array: \(value)")
                    return
                }
                // Each number the decoder took is the number the browser sent.
                func sameInt(_ index: Int, _ decoded: Int) {
                    guard index < fields.count, let sent = fields[index].doubleValue else {
                        Issue.record("field \(index) of \(value) is not a number, yet decoded as \(decoded)")
                        return
                    }
                    #expect(sent == Double(decoded), "field \(index) of \(value) decoded as \(decoded)")
                }
                switch message {
                case .resume(_, _, let lastBatch): sameInt(3, lastBatch)
                case .callCompleted(let id, _): sameInt(1, id)
                case .invoke(let id, let target, _, _):
                    sameInt(1, id)
                    if case .object(let object) = target { sameInt(2, object) }
                case .ack(let batch): sameInt(1, batch)
                case .releaseObject(let id): sameInt(1, id)
                case .event(let handler, _, _): #expect(fields[1] == .string(handler))
                case .start, .end, .navigate, .pause, .drained: break
                }
            }
        }
    }

    @Test("WireCodec.decodeFrame of a serialized frame decodes each message as decodeMessage does")
    func decodeFrameAgreesWithDecodeMessage() async {
        await propertyCheck(count: 500, input: Generator<[JSONValue], Shrink.None<[JSONValue]>> { rng in
            (0..<Int.random(in: 0...4, using: &rng)).map { _ in ArbitraryJSON.message(using: &rng) }
        }) { messages in
            let decoded = WireCodec.decodeFrame(JSONValue.array(messages).serialized())
            #expect(decoded == messages.map(WireCodec.decodeMessage))
        }
    }

    @Test("JSONValue.intValue is either nil or exactly the integer the literal spells")
    func intValueIsExact() async {
        await propertyCheck(count: 2000, input: ArbitraryJSON.numbers) { literal in
            guard let int = JSONValue.number(literal).intValue else { return }
            if let exact = Int(literal) {
                #expect(int == exact, "\(literal)")
            } else {
                let double = Double(literal)
                #expect(double == Double(int) && double?.rounded() == double, "\(literal) read as \(int)")
            }
        }
    }

    @Test("JSONValue == and hash agree, and a value equals itself")
    func equalityAndHash() async {
        await propertyCheck(count: 1000, input: ArbitraryJSON.values) { value in
            let copy = try JSONParser.parse(value.serialized())
            #expect(value == copy)
            #expect(value.hashValue == copy.hashValue)
        }
    }

    // MARK: The JSON reader

    @Test("JSONParser.parse(serialized) round-trips every value")
    func parserRoundTrips() async throws {
        await propertyCheck(count: 1000, input: ArbitraryJSON.values) { value in
            let text = value.serialized()
            let parsed = try JSONParser.parse(text)
            #expect(parsed == value)
            #expect(parsed.serialized() == text)
        }
    }

    @Test("JSONParser refuses damaged text with an offset inside the text, and never traps")
    func parserSurvivesDamage() async {
        await propertyCheck(count: 1000, input: ArbitraryJSON.values, Gen.int(in: 0...1000), Gen<UInt8>.value(in: 0...255)) { value, cut, byte in
            var bytes = Array(value.serialized().utf8)
            // Truncate, flip or insert a byte.
            switch cut % 3 {
            case 0: bytes.removeLast(min(bytes.count, cut % 7))
            case 1 where !bytes.isEmpty: bytes[cut % bytes.count] = byte
            default: bytes.insert(byte, at: cut % (bytes.count + 1))
            }
            do {
                _ = try JSONParser.parse(bytes)
            } catch let error as JSONParseError {
                #expect(error.offset >= 0 && error.offset <= bytes.count, "\(error) for \(bytes.count) bytes")
            }
        }
    }

    @Test("JSONParser bounds nesting, and a 20,000-digit number is just a number")
    func parserExtremes() throws {
        let digits = String(repeating: "9", count: 20_000)
        #expect(try JSONParser.parse(digits) == .number(digits))
        #expect(JSONValue.number(digits).intValue == nil)
        #expect(try JSONParser.parse("-" + digits).intValue == nil)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        #expect(try JSONParser.parse(#""\ud800\u0041\udc00""#) == .string("\u{FFFD}A\u{FFFD}"))
    }

    // MARK: Typed decoding of arguments and results

    struct Sample: Codable, Sendable {
        var id: Int
        var ratio: Double
        var name: String
        var tags: [Int]?
        var data: Data?
    }

    @Test("InteropChannel.decode into Int, Double, Float, String, [Int], a struct: a value in range or an error")
    func typedDecoding() async {
        let channel = InteropChannel.prerendering()
        await propertyCheck(count: 2000, input: ArbitraryJSON.numberish) { value in
            if let int = try? channel.decode(Int.self, from: value) {
                guard case .number(let n) = value else {
                    Issue.record("\(value) decoded as Int \(int)")
                    return
                }
                // A whole number in any spelling, as JS reads it: "1e3" is 1000.
                #expect(Int(n) == int || Double(n).flatMap { Int(exactly: $0) } == int, "\(n) decoded as Int \(int)")
            }
            if let double = try? channel.decode(Double.self, from: value) {
                #expect(double.isFinite, "\(value) decoded as Double \(double)")
                #expect(value.doubleValue == double, "\(value) decoded as Double \(double)")
            } else if let sent = value.doubleValue, sent.isFinite {
                Issue.record("a finite number \(value) was refused as a Double")
            }
            if let float = try? channel.decode(Float.self, from: value) {
                #expect(float.isFinite, "\(value) decoded as Float \(float)")
            }
            if let doubles = try? channel.decode([Double].self, from: value) {
                #expect(doubles.allSatisfy { $0.isFinite }, "\(value) decoded as \(doubles)")
            }
            if let string = try? channel.decode(String.self, from: value) {
                #expect(value == .string(string))
            }
            if let ints = try? channel.decode([Int].self, from: value) {
                guard case .array(let items) = value, items.count == ints.count else {
                    Issue.record("\(value) decoded as \(ints)")
                    return
                }
                for (item, int) in zip(items, ints) { #expect(item.doubleValue == Double(int), "\(item) decoded as \(int)") }
            }
            if let sample = try? channel.decode(Sample.self, from: value) {
                #expect(sample.ratio.isFinite, "\(value) decoded with ratio \(sample.ratio)")
                #expect(value["id"]?.doubleValue == Double(sample.id), "\(value) decoded with id \(sample.id)")
            }
            for type in [UInt8.self, Int8.self, UInt16.self, Int16.self, UInt32.self, Int32.self, UInt64.self, Int64.self, UInt.self] as [any (Decodable & BinaryInteger).Type] {
                if let decoded = try? channel.decode(type, from: value) {
                    #expect(value.doubleValue == Double(decoded), "\(value) decoded as \(type) \(decoded)")
                }
            }
            _ = try? channel.decode(Bool.self, from: value)
            _ = try? channel.decode(Int?.self, from: value)
            _ = try? channel.decode([String: Int].self, from: value)
            _ = try? channel.decode(JSONValue.self, from: value)
        }
    }

    @Test("A JS stream reference's length is a byte count or absent, never negative")
    func streamReferenceLength() async throws {
        let channel = InteropChannel.prerendering()
        await propertyCheck(count: 1000, input: ArbitraryJSON.anyValues, ArbitraryJSON.numbers) { length, id in
            let value: JSONValue = .object([(key: "__tetherJSStream", value: .number(id)), (key: "length", value: length)])
            do {
                let stream = try channel.decode(JSStreamReference.self, from: value)
                #expect(stream.length.map { $0 >= 0 } ?? length.isNull, "\(value) decoded with length \(String(describing: stream.length))")
            } catch {
                #expect(error is DecodingError)
            }
        }
        #expect(throws: DecodingError.self) {
            try channel.decode(JSStreamReference.self, from: ["__tetherJSStream": 1, "length": -1])
        }
        #expect(throws: DecodingError.self) {
            try channel.decode(JSStreamReference.self, from: ["__tetherJSStream": 1, "length": .number("1e19")])
        }
        #expect(try channel.decode(JSStreamReference.self, from: ["__tetherJSStream": 1, "length": nil]).length == nil)
    }

    @Test("Byte segments: any binary frame is stored or refused, and a marker claims only its own bytes")
    func byteSegments() async {
        await propertyCheck(count: 1000, input: Gen<UInt8>.value(in: 0...255).array(of: 0...40)) { frame in
            let parsed = ByteSegment.parse(frame)
            #expect((parsed == nil) == (frame.count < 4))
            if let parsed {
                #expect(parsed.id >= 0 && parsed.id <= Int(UInt32.max))
                #expect(Array(parsed.bytes) == Array(frame.dropFirst(4)))
                #expect(ByteSegment.frame(id: parsed.id, bytes: parsed.bytes) == frame)
            }
            let channel = InteropChannel(outbox: nil, options: InteropOptions(maxPendingBytes: 16))
            do {
                try channel.receiveBinary(frame)
                guard let parsed else { return }
                let bytes = try channel.decode([UInt8].self, from: [Marker.bytes.rawValue: .number(parsed.id)])
                #expect(bytes[...] == parsed.bytes)
            } catch {
                #expect(error is ProtocolViolation || error is MissingByteSegment)
            }
        }
    }

    // MARK: JS→Swift invocations

    @Test("Any arguments to an exposed method end in a result or a precise refusal")
    func invocationsNeverTrap() async throws {
        var exports = JSExports()
        exports.module("P") { m in
            m.expose("Add") { (a: Int, b: Int) throws -> Int in
                let (sum, overflow) = a.addingReportingOverflow(b)
                if overflow { throw InvocationError("overflow") }
                return sum
            }
            m.expose("Ints") { (a: Int8, b: UInt16, c: Int32, d: UInt64) in "\(a)\(b)\(c)\(d)" }
            m.expose("Floats") { (a: Double, b: Float) in a.isFinite && b.isFinite }
            m.expose("Sample") { (s: Sample) in s.name }
            m.expose("Bytes") { (b: [UInt8]) in b.count }
            m.expose("Json") { (v: JSONValue?) in v }
        }
        let exported = exports
        let methods = ["Add", "Ints", "Floats", "Sample", "Bytes", "Json", "Missing"]
        let outbox = RecordingOutbox()
        let channel = InteropChannel(outbox: outbox)
        await propertyCheck(count: 1000, input: ArbitraryJSON.numberish.array(of: 0...4), Gen.element(of: methods)) { args, method in
            let before = outbox.invocationResults.count
            await channel.dispatchInvocation(id: 7, target: .module("P"), method: method ?? "Missing", args: args, exports: exported)
            let results = outbox.invocationResults
            #expect(results.count == before + 1)
            if let failure = results.last?.failureMessage {
                #expect(!failure.isEmpty && failure.count < 2000, "\(failure.count) characters")
            }
        }
    }
}
