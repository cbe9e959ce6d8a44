import Foundation
import Testing
import TetherInterop

@Suite("JSONValue and InteropCoding")
struct JSONValueTests {
    @Test("literals build the matching cases")
    func literals() {
        #expect(("a" as JSONValue) == .string("a"))
        #expect((3 as JSONValue) == .number("3"))
        #expect((2.5 as JSONValue) == .number("2.5"))
        #expect((true as JSONValue) == .bool(true))
        #expect((nil as JSONValue) == .null)
        #expect(([1, "x"] as JSONValue) == .array([.number("1"), .string("x")]))
        #expect((["k": 1] as JSONValue) == .object([(key: "k", value: .number("1"))]))
    }

    @Test("number(Double) writes integral values without a fraction and non-finite values as null")
    func numberFromDouble() {
        #expect(JSONValue.number(3.0).serialized() == "3")
        #expect(JSONValue.number(-0.5).serialized() == "-0.5")
        #expect(JSONValue.number(Double.nan) == .null)
        #expect(JSONValue.number(Double.infinity) == .null)
        #expect(JSONValue.number(42).serialized() == "42")
    }

    @Test("numbers compare by value, so equal values hash alike")
    func numberEquality() {
        #expect(JSONValue.number("1") == .number("1.0"))
        #expect(JSONValue.number("1e2") == .number("100"))
        #expect(JSONValue.number("1") != .number("2"))
        #expect(Set<JSONValue>([.number("1"), .number("1.0"), .number("1e0")]).count == 1)
        #expect(JSONValue.number("1") != .string("1"))
        #expect(JSONValue.bool(false) != .null)
    }

    @Test("objects compare member by member, in order")
    func objectEquality() {
        let ab: JSONValue = ["a": 1, "b": 2]
        let ba: JSONValue = ["b": 2, "a": 1]
        #expect(ab == ["a": 1, "b": 2])
        #expect(ab != ["a": 1])
        #expect(ab != ba)
        #expect(normalized(ab) == normalized(ba))
    }

    @Test("accessors return nil for other types")
    func accessors() {
        let value: JSONValue = ["s": "x", "n": 7, "f": 7.5, "big": .number("1e2"), "b": false, "a": [nil], "o": [:]]
        #expect(value["s"]?.stringValue == "x")
        #expect(value["n"]?.intValue == 7)
        #expect(value["f"]?.intValue == nil)
        #expect(value["big"]?.intValue == 100)
        #expect(value["b"]?.boolValue == false)
        #expect(value["a"]?.arrayValue == [.null])
        #expect(value["a"]?[0]?.isNull == true)
        #expect(value["s"]?.intValue == nil)
        #expect(value["n"]?.stringValue == nil)
        #expect(value["s"]?.boolValue == nil)
        #expect(value["s"]?.arrayValue == nil)
        #expect(value["n"]?.isNull == false)
        #expect(JSONValue.string("x")["k"] == nil)
        #expect(JSONValue.string("x")[0] == nil)
        #expect(value[0] == nil)
        #expect(value.description == value.serialized())
    }

    @Test(
        "typeName names the JSON type",
        arguments: [
            (JSONValue.null, "null"), (true, "boolean"), (1, "number"), ("s", "string"), ([], "array"), ([:], "object"),
        ] as [(JSONValue, String)])
    func typeName(_ value: JSONValue, name: String) {
        #expect(value.typeName == name)
    }

    @Test("JSONValue decodes through Codable with each JSON type kept apart")
    func codableDecode() throws {
        struct Holder: Codable { let values: [JSONValue] }
        let data = Data(#"{"values":[1,true,0,false,null,"1",2.5,[1],{"k":"v"}]}"#.utf8)
        let holder = try JSONDecoder().decode(Holder.self, from: data)
        #expect(holder.values == [1, true, 0, false, nil, "1", 2.5, [1], ["k": "v"]])
    }

    @Test("JSONValue encodes through Codable")
    func codableEncode() throws {
        let value: JSONValue = ["a": [1, 2.5, true, nil, "s"]]
        let text = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        #expect(try JSONParser.parse(text) == value)
    }

    @Test("InteropCoding encodes strings and JSONValue as written, anything else with JSONEncoder")
    func interopEncode() throws {
        #expect(try InteropCoding.encode("a\"b") == #""a\"b""#)
        #expect(try InteropCoding.encode(JSONValue.number("1.50")) == "1.50")
        #expect(try InteropCoding.encode(5) == "5")
        #expect(try InteropCoding.encode("a/b") == #""a/b""#)
        #expect(try InteropCoding.encode(["a/b"]) == #"["a/b"]"#)
        #expect(try InteropCoding.encodeArguments([1, "x", JSONValue.null]) == #"[1,"x",null]"#)
        #expect(try InteropCoding.encodeArguments([]) == "[]")
    }

    @Test("InteropCoding decodes the common types directly and others with JSONDecoder")
    func interopDecode() throws {
        #expect(try InteropCoding.decode(String.self, from: "x") == "x")
        #expect(try InteropCoding.decode(Int.self, from: 5) == 5)
        #expect(try InteropCoding.decode(Double.self, from: 5) == 5.0)
        #expect(try InteropCoding.decode(Bool.self, from: true) == true)
        #expect(try InteropCoding.decode([String].self, from: ["a", "b"]) == ["a", "b"])
        #expect(try InteropCoding.decode(JSONValue.self, from: ["k": .number("1.50")]) == ["k": .number("1.50")])
        #expect(try InteropCoding.decode(Int?.self, from: nil) == nil)
        #expect(throws: DecodingError.self) { try InteropCoding.decode(Int.self, from: "5") }
        #expect(throws: DecodingError.self) { try InteropCoding.decode(Bool.self, from: 1) }
        #expect(throws: DecodingError.self) { try InteropCoding.decode(String.self, from: true) }
    }

    @Test("JSONText quotes and escapes")
    func jsonText() {
        #expect(JSONText.quoted("plain é 😀") == "\"plain é 😀\"")
        #expect(JSONText.quoted("a\"b\\c\nd\re\tf\u{0}g\u{1F}") == #""a\"b\\c\nd\re\tf\u0000g\u001f""#)
    }
}
