import PropertyBased
import TetherInterop

/// Arbitrary JSON as a hostile browser might send it, for the decoder property tests.
///
/// Numbers are drawn from a mix of ordinary values, extreme spellings (overflowing integers,
/// 1e400, -0, subnormals, the largest doubles) and random digit strings thousands of digits long.
/// Strings mix quotes, backslashes, control characters, line separators and astral characters.
enum ArbitraryJSON {
    typealias RNG = any SeededRandomNumberGenerator

    /// Extreme numbers in valid JSON spelling.
    static let extremeNumbers = [
        "0", "-0", "0.0", "-0.0", "1.5", "-1.5", "1e2", "1E+2", "1e-2",
        "1e19", "-1e19", "1e400", "-1e400", "1e-400", "-1e-400", "0.0e-400", "0e400", "1e308", "1e309",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "9223372036854775807.0", "-9223372036854775808.0", "9.223372036854775808e18",
        "18446744073709551615", "18446744073709551616", "-18446744073709551616",
        "4294967295", "4294967296", "2147483647", "2147483648", "-2147483649", "65536", "256", "-129", "128",
        "3.4028234663852886e38", "3.5e38", "1e-46", "9007199254740993",
        "4.9e-324", "2.4e-324", "1.7976931348623157e308", "1.7976931348623159e308", "-1.7976931348623157e308",
        "1e99999999999999999999", "1e-99999999999999999999",
    ]

    /// Spellings a JSON parser never produces but Swift's number parsers accept or half-accept.
    /// A `JSONValue` built in code can hold them, so decoders must survive them too.
    static let nonJSONNumbers = ["NaN", "nan", "-nan", "Infinity", "-Infinity", "inf", "0x1p3", "0x10", "+1", ".5", "1.", "00", "", "-", "1e"]

    static let protocolKinds = ["start", "resume", "end", "ev", "done", "inv", "ack", "rel", "nav", "bogus"]

    static func digits(_ count: Int, using rng: inout RNG) -> String {
        String((0..<count).map { _ in Character(Unicode.Scalar(UInt8.random(in: 48...57, using: &rng))) })
    }

    /// A number literal; `jsonOnly` keeps it inside JSON's grammar, so it survives serialization.
    static func number(jsonOnly: Bool = true, using rng: inout RNG) -> String {
        if !jsonOnly, Int.random(in: 0..<10, using: &rng) == 0 { return nonJSONNumbers.randomElement(using: &rng)! }
        switch Int.random(in: 0..<7, using: &rng) {
        case 0:
            return String(Int.random(in: -1000...1000, using: &rng))
        case 1:
            return String(Int.random(in: .min ... .max, using: &rng))
        case 2:
            return String(Double.random(in: -1e6...1e6, using: &rng))
        case 3:
            let d = Double(bitPattern: rng.next())
            return d.isFinite ? String(d) : "1e400"
        case 4:
            // A random digit string, up to thousands of digits, with a fraction and exponent at times.
            var text = Bool.random(using: &rng) ? "-" : ""
            text += String(Int.random(in: 1...9, using: &rng))
            text += digits(Int.random(in: 0...(Bool.random(using: &rng) ? 40 : 5000), using: &rng), using: &rng)
            if Int.random(in: 0..<3, using: &rng) == 0 { text += "." + digits(Int.random(in: 1...300, using: &rng), using: &rng) }
            if Int.random(in: 0..<3, using: &rng) == 0 {
                text += ["e", "E", "e+", "e-"].randomElement(using: &rng)! + digits(Int.random(in: 1...6, using: &rng), using: &rng)
            }
            return text
        default:
            return extremeNumbers.randomElement(using: &rng)!
        }
    }

    static let scalarPool: [Unicode.Scalar] = {
        var pool: [Unicode.Scalar] = Array("abcXYZ019 _-./:?&=%#{}[],\"\\'".unicodeScalars)
        pool += (0..<0x20).compactMap(Unicode.Scalar.init)
        pool += ["\u{7F}", "\u{85}", "\u{2028}", "\u{2029}", "\u{202E}", "\u{FEFF}", "\u{FFFD}", "\u{FFFF}", "é", "中", "😀", "\u{10FFFF}"]
        return pool
    }()

    static func string(using rng: inout RNG) -> String {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return protocolKinds.randomElement(using: &rng)!
        case 1: return number(jsonOnly: false, using: &rng)
        default:
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...24, using: &rng) {
                if Int.random(in: 0..<8, using: &rng) == 0, let any = Unicode.Scalar(UInt32.random(in: 0...0x10FFFF, using: &rng)) {
                    s.append(any)
                } else {
                    s.append(scalarPool.randomElement(using: &rng)!)
                }
            }
            return String(s)
        }
    }

    static func value(depth: Int = 4, jsonOnly: Bool = true, using rng: inout RNG) -> JSONValue {
        let kinds = depth > 0 ? 7 : 5
        switch Int.random(in: 0..<kinds, using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2, 3: return .number(number(jsonOnly: jsonOnly, using: &rng))
        case 4: return .string(string(using: &rng))
        case 5:
            return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in value(depth: depth - 1, jsonOnly: jsonOnly, using: &rng) })
        default:
            let keys = ["type", "detail", "id", "length", "__tetherBytes", "__tetherJSStream", "message", "stack", "ratio", "name"]
            return .object(
                (0..<Int.random(in: 0...5, using: &rng)).map { _ in
                    let key = Bool.random(using: &rng) ? keys.randomElement(using: &rng)! : string(using: &rng)
                    return (key: key, value: value(depth: depth - 1, jsonOnly: jsonOnly, using: &rng))
                })
        }
    }

    /// A message shaped like the protocol's: a kind, then fields that are often the right type.
    static func message(jsonOnly: Bool = true, using rng: inout RNG) -> JSONValue {
        if Int.random(in: 0..<10, using: &rng) == 0 { return value(jsonOnly: jsonOnly, using: &rng) }
        var fields: [JSONValue] = [.string(protocolKinds.randomElement(using: &rng)!)]
        for _ in 0..<Int.random(in: 0...5, using: &rng) {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: fields.append(.number(number(jsonOnly: jsonOnly, using: &rng)))
            case 1: fields.append(.string(string(using: &rng)))
            case 2: fields.append(.bool(Bool.random(using: &rng)))
            default: fields.append(value(depth: 3, jsonOnly: jsonOnly, using: &rng))
            }
        }
        return .array(fields)
    }

    static var values: Generator<JSONValue, Shrink.None<JSONValue>> { Generator { rng in value(using: &rng) } }
    static var anyValues: Generator<JSONValue, Shrink.None<JSONValue>> { Generator { rng in value(jsonOnly: false, using: &rng) } }
    static var messages: Generator<JSONValue, Shrink.None<JSONValue>> { Generator { rng in message(jsonOnly: false, using: &rng) } }
    static var jsonMessages: Generator<JSONValue, Shrink.None<JSONValue>> { Generator { rng in message(using: &rng) } }
    static var numbers: Generator<String, Shrink.None<String>> { Generator { rng in number(jsonOnly: false, using: &rng) } }

    /// Values decoders of numbers see most: bare numbers, arrays of numbers, objects of a
    /// struct's shape, and now and then anything.
    static var numberish: Generator<JSONValue, Shrink.None<JSONValue>> {
        Generator { rng in
            switch Int.random(in: 0..<5, using: &rng) {
            case 0, 1: return .number(number(jsonOnly: false, using: &rng))
            case 2: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in .number(number(using: &rng)) })
            case 3:
                var members: [(key: String, value: JSONValue)] = [
                    ("id", .number(number(using: &rng))), ("ratio", .number(number(using: &rng))), ("name", .string(string(using: &rng))),
                ]
                if Bool.random(using: &rng) { members.append(("tags", .array([.number(number(using: &rng))]))) }
                if Bool.random(using: &rng) { members.shuffle(using: &rng); members.removeLast() }
                return .object(members)
            default: return value(jsonOnly: false, using: &rng)
            }
        }
    }
}

extension JSONValue {
    /// The exact number a literal means, as a double; nil for a non-number.
    var doubleValue: Double? {
        if case .number(let n) = self { return Double(n) }
        return nil
    }
}
