import Testing
import TetherInterop

@Suite("JSONParser")
struct JSONParserTests {
    // MARK: Valid documents

    @Test(
        "compact documents serialize back to the same text",
        arguments: [
            "null", "true", "false", "0", "-1", "\"\"", "\"abc\"", "[]", "{}",
            "[1,2,3]", "{\"a\":1}", "[null,true,false,\"x\",[],{}]",
            "{\"b\":1,\"a\":[{\"c\":null}],\"d\":{\"e\":{\"f\":[1,[2,[3]]]}}}",
            "{\"z\":1,\"a\":2}",  // member order is kept
            "\"héllo wörld 👋 日本\"",
        ])
    func roundTrip(_ text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(value.serialized() == text)
        #expect(try JSONParser.parse(value.serialized()) == value)
    }

    @Test("whitespace around and between tokens is accepted and dropped")
    func whitespace() throws {
        let value = try JSONParser.parse(" \t\r\n{ \"a\" :\n[ 1 , 2 ]\t, \"b\" : { } } \n")
        #expect(value.serialized() == "{\"a\":[1,2],\"b\":{}}")
    }

    @Test("parsed values have the expected structure")
    func structure() throws {
        let value = try JSONParser.parse(#"{"name":"Ada","age":36,"tags":["x","y"],"ok":true,"none":null}"#)
        let expected: JSONValue = ["name": "Ada", "age": 36, "tags": ["x", "y"], "ok": true, "none": nil]
        #expect(value == expected)
        #expect(value["name"]?.stringValue == "Ada")
        #expect(value["age"]?.intValue == 36)
        #expect(value["tags"]?[1]?.stringValue == "y")
        #expect(value["ok"]?.boolValue == true)
        #expect(value["none"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value["tags"]?[2] == nil)
    }

    @Test(
        "numbers keep their literal text",
        arguments: [
            "1.50", "1E+3", "1e-7", "-0", "-0.0", "12345678901234567890", "0.1000000000000000055511151231257827",
            "9223372036854775807", "-9223372036854775808", "3.0",
        ])
    func numberLiteralText(_ literal: String) throws {
        let value = try JSONParser.parse(literal)
        #expect(value == .number(literal))
        guard case .number(let text) = value else {
            Issue.record("expected a number, got \(value.typeName)")
            return
        }
        #expect(text == literal)
        #expect(value.serialized() == literal)
        #expect(try JSONParser.parse("[\(literal)]").serialized() == "[\(literal)]")
    }

    @Test("simple escapes decode to their characters")
    func escapes() throws {
        let value = try JSONParser.parse(#""q\"b\\s\/b\bf\fn\nr\rt\t""#)
        #expect(value == .string("q\"b\\s/b\u{8}f\u{C}n\nr\rt\t"))
    }

    @Test("unicode escapes, including surrogate pairs, decode to scalars")
    func unicodeEscapes() throws {
        #expect(try JSONParser.parse(#""\u0041\u00e9\u65E5""#) == .string("Aé日"))
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""x\uD83D\uDE00y""#) == .string("x😀y"))
        #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test("a lone surrogate decodes to U+FFFD")
    func loneSurrogates() throws {
        #expect(try JSONParser.parse(#""\ud83d""#) == .string("\u{FFFD}"))
        #expect(try JSONParser.parse(#""\ud83dx""#) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#""\ude00""#) == .string("\u{FFFD}"))
    }

    @Test("a high surrogate followed by an escape that is not a low surrogate is a lone surrogate")
    func highSurrogateThenOtherEscape() throws {
        // A browser's JSON.stringify writes a lone high surrogate followed by a control character
        // as exactly this text. The parser accepts lone surrogates elsewhere (as U+FFFD), but here
        // it throws "invalid surrogate pair" at offset 13 and the whole frame is refused.
        let control = try JSONParser.parse(#""\ud83d\u0001""#)
        #expect(control == .string("\u{FFFD}\u{1}"))
        let letter = try JSONParser.parse(#""\ud83d\u0041""#)
        #expect(letter == .string("\u{FFFD}A"))
        // A high surrogate followed by a non-\u escape is already handled that way.
        #expect(try JSONParser.parse(#""\ud83d\n""#) == .string("\u{FFFD}\n"))
    }

    @Test("escaped strings serialize to text that parses back to the same string")
    func escapedRoundTrip() throws {
        let original = "quote \" backslash \\ newline \n tab \t cr \r bell \u{7} nul \u{0} unit \u{1F} emoji 😀 é"
        let text = JSONValue.string(original).serialized()
        #expect(!text.contains("\n"))
        #expect(text.contains("\\u0007"))
        #expect(text.contains("\\u001f"))
        #expect(try JSONParser.parse(text) == .string(original))
    }

    @Test("raw UTF-8 bytes are accepted")
    func utf8Bytes() throws {
        let bytes: [UInt8] = [0x22] + Array("é😀".utf8) + [0x22]
        #expect(try JSONParser.parse(bytes) == .string("é😀"))
    }

    @Test("nesting up to maxDepth is accepted")
    func depthLimitAccepted() throws {
        let depth = JSONParser.defaultMaxDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try JSONParser.parse(text).serialized() == text)
        #expect(try JSONParser.parse("[[[]]]", maxDepth: 3).serialized() == "[[[]]]")
    }

    // MARK: Errors

    private func parseError(_ text: String, maxDepth: Int = JSONParser.defaultMaxDepth) -> JSONParseError? {
        #expect(throws: JSONParseError.self, "\(text)") { try JSONParser.parse(text, maxDepth: maxDepth) }
    }

    private func parseError(bytes: [UInt8]) -> JSONParseError? {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    /// The reason and offset of an error, for comparison (`JSONParseError` has no public init).
    private func failure(_ error: JSONParseError?) -> Failure? {
        error.map { Failure(reason: $0.reason, offset: $0.offset) }
    }

    private struct Failure: Equatable, CustomStringConvertible {
        let reason: String
        let offset: Int
        var description: String { "\(reason) at \(offset)" }
    }

    @Test(
        "truncated input is refused at the offset where it ends",
        arguments: [
            ("", "unexpected end of input", 0),
            ("   ", "unexpected end of input", 3),
            ("[1,2", "unterminated array", 4),
            ("[1,", "unexpected end of input", 3),
            ("{\"a\":", "unexpected end of input", 5),
            ("{\"a\":1", "unterminated object", 6),
            ("{\"a\"", "expected ':'", 4),
            ("\"abc", "unterminated string", 4),
            ("\"ab\\", "unterminated string", 4),
            ("tru", "unexpected end of input", 0),
            ("-", "invalid number", 1),
            ("1.", "invalid number", 2),
            ("1e", "invalid number", 2),
            ("\"\\u12", "invalid unicode escape", 3),
        ] as [(String, String, Int)])
    func truncated(_ text: String, reason: String, offset: Int) {
        let error = parseError(text)
        #expect(failure(error) == Failure(reason: reason, offset: offset), "\(text)")
    }

    @Test(
        "trailing garbage is refused",
        arguments: [
            ("[1] x", 4), ("{} {}", 3), ("1 2", 2), ("\"a\"\"b\"", 3), ("01", 1), ("nullx", 4),
        ] as [(String, Int)])
    func trailingGarbage(_ text: String, offset: Int) {
        #expect(failure(parseError(text)) == Failure(reason: "unexpected trailing characters", offset: offset))
    }

    @Test(
        "malformed structure is refused with a precise reason",
        arguments: [
            ("[1 2]", "expected ',' or ']'", 3),
            ("{\"a\":1 \"b\":2}", "expected ',' or '}'", 7),
            ("{a:1}", "expected a string key", 1),
            ("[1,]", "unexpected character", 3),
            ("{\"a\":1,}", "expected a string key", 7),
            ("nul", "unexpected end of input", 0),
            ("nulL", "invalid literal", 0),
            ("[True]", "unexpected character", 1),
            ("+1", "unexpected character", 0),
            ("'a'", "unexpected character", 0),
            ("-a", "invalid number", 1),
        ] as [(String, String, Int)])
    func malformed(_ text: String, reason: String, offset: Int) {
        #expect(failure(parseError(text)) == Failure(reason: reason, offset: offset), "\(text)")
    }

    @Test(
        "bad escapes are refused at the escape",
        arguments: [
            (#""\x""#, "invalid escape", 2),
            (#""ab\'""#, "invalid escape", 4),
            (#""\u12G4""#, "invalid unicode escape", 5),
        ] as [(String, String, Int)])
    func badEscapes(_ text: String, reason: String, offset: Int) {
        #expect(failure(parseError(text)) == Failure(reason: reason, offset: offset), "\(text)")
    }

    @Test("raw control characters in strings are refused", arguments: [0x00, 0x01, 0x0A, 0x09, 0x1F] as [UInt8])
    func controlCharacters(_ byte: UInt8) {
        // In the fast path (no escapes) and after an escape.
        #expect(failure(parseError(bytes: [0x22, 0x61, byte, 0x22])) == Failure(reason: "control character in string", offset: 2))
        #expect(
            failure(parseError(bytes: [0x22, 0x5C, 0x6E, byte, 0x22])) == Failure(reason: "control character in string", offset: 3))
    }

    @Test(
        "invalid UTF-8 in a string is refused",
        arguments: [
            [0x22, 0xFF, 0x22],  // never valid
            [0x22, 0xC3, 0x22],  // truncated sequence
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
            [0x22, 0xC0, 0xAF, 0x22],  // overlong
            [0x22, 0x5C, 0x6E, 0xFF, 0x22],  // after an escape
        ] as [[UInt8]])
    func invalidUTF8(_ bytes: [UInt8]) {
        let error = parseError(bytes: bytes)
        #expect(error?.reason == "invalid UTF-8 in string")
        // Reported no later than the end of the offending string.
        #expect((1...bytes.count).contains(error?.offset ?? -1))
    }

    @Test("invalid UTF-8 outside a string is refused")
    func invalidUTF8OutsideString() {
        #expect(failure(parseError(bytes: [0x5B, 0xFF, 0x5D])) == Failure(reason: "unexpected character", offset: 1))
    }

    @Test("10,000 nested arrays throw instead of exhausting the stack")
    func deepArrays() {
        let text = String(repeating: "[", count: 10_000)
        let error = parseError(text)
        #expect(failure(error) == Failure(reason: "nesting deeper than 64", offset: 64))
        // Closed and well-formed does not help.
        let closed = text + String(repeating: "]", count: 10_000)
        #expect(parseError(closed)?.reason == "nesting deeper than 64")
    }

    @Test("10,000 nested objects throw instead of exhausting the stack")
    func deepObjects() {
        let text = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(parseError(text)?.reason == "nesting deeper than 64")
    }

    @Test("one level past maxDepth is refused")
    func oneLevelTooDeep() {
        let depth = JSONParser.defaultMaxDepth + 1
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(failure(parseError(text)) == Failure(reason: "nesting deeper than 64", offset: 64))
        #expect(failure(parseError("[[[]]]", maxDepth: 2)) == Failure(reason: "nesting deeper than 2", offset: 2))
        #expect(failure(parseError("{\"a\":{\"b\":{}}}", maxDepth: 2)) == Failure(reason: "nesting deeper than 2", offset: 10))
    }

    @Test("the error description names the offset and the reason")
    func errorDescription() {
        #expect(parseError("[1,2")?.description == "invalid JSON at byte 4: unterminated array")
    }
}
