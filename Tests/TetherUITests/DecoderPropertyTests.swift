import Foundation
import PropertyBased
import Testing
import TetherInterop
import TetherTesting
@testable import TetherUI

/// Browser data the UI layer reads: event args, handler ids, URLs and bound input values.
/// Numbers come from ordinary values, extreme spellings and digit strings thousands long.
private enum Arbitrary {
    typealias RNG = any SeededRandomNumberGenerator

    static let extremeNumbers = [
        "0", "-0", "-0.0", "1.5", "-1.5", "1e2", "1e19", "-1e19", "1e400", "-1e400", "1e-400", "0.0e-400",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "9223372036854775807.0", "-9223372036854775808.0", "18446744073709551616", "4.9e-324",
        "1.7976931348623157e308", "1.7976931348623159e308", "9007199254740993", "1e99999999999999999999",
    ]
    /// Not JSON, but what Swift's `Int(_:)`, `Double(_:)` and `Bool(_:)` may read.
    static let looseSpellings = ["NaN", "nan", "-nan", "Infinity", "-Infinity", "inf", "-inf", "0x1p3", "+1", ".5", "1.", "00", "TRUE", "False", ""]

    static func digits(_ count: Int, using rng: inout RNG) -> String {
        String((0..<count).map { _ in Character(Unicode.Scalar(UInt8.random(in: 48...57, using: &rng))) })
    }

    static func number(using rng: inout RNG) -> String {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return String(Int.random(in: -1000...1000, using: &rng))
        case 1: return String(Int.random(in: .min ... .max, using: &rng))
        case 2:
            let d = Double(bitPattern: rng.next())
            return d.isFinite ? String(d) : "-1e400"
        case 3:
            var text = Bool.random(using: &rng) ? "-" : ""
            text += String(Int.random(in: 1...9, using: &rng)) + digits(Int.random(in: 0...(Bool.random(using: &rng) ? 30 : 5000), using: &rng), using: &rng)
            if Bool.random(using: &rng) { text += "." + digits(Int.random(in: 1...50, using: &rng), using: &rng) }
            if Bool.random(using: &rng) { text += "e" + (Bool.random(using: &rng) ? "-" : "") + digits(Int.random(in: 1...5, using: &rng), using: &rng) }
            return text
        default: return extremeNumbers.randomElement(using: &rng)!
        }
    }

    static func text(using rng: inout RNG) -> String {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return number(using: &rng)
        case 1: return looseSpellings.randomElement(using: &rng)!
        case 2: return (Bool.random(using: &rng) ? " " : "") + number(using: &rng) + (Bool.random(using: &rng) ? "\t" : "")
        default:
            let pool = Array("ab/%?&=#:.{}-_ 1%2F%00%FF\u{0}\n\u{2028}é😀".unicodeScalars)
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...16, using: &rng) { s.append(pool.randomElement(using: &rng)!) }
            return String(s)
        }
    }

    /// Any JSON value, shallow.
    static func value(depth: Int = 2, using rng: inout RNG) -> JSONValue {
        switch Int.random(in: 0..<(depth > 0 ? 7 : 5), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2, 3: return .number(Int.random(in: 0..<8, using: &rng) == 0 ? looseSpellings.randomElement(using: &rng)! : number(using: &rng))
        case 4: return .string(text(using: &rng))
        case 5: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth: depth - 1, using: &rng) })
        default: return .object([(key: "type", value: value(depth: depth - 1, using: &rng))])
        }
    }

    static let stringKeys = ["value", "key", "code", "pointerType"]
    static let flagKeys = ["checked", "altKey", "ctrlKey", "shiftKey", "metaKey"]
    static let integerKeys = ["button", "detail"]
    static let doubleKeys = ["clientX", "clientY", "offsetX", "offsetY", "scrollTop", "clientHeight"]

    /// Event args: mostly well typed, with arbitrary numbers, sometimes any JSON at all.
    static func eventArgs(using rng: inout RNG) -> JSONValue {
        if Int.random(in: 0..<12, using: &rng) == 0 { return value(using: &rng) }
        var members: [(key: String, value: JSONValue)] = []
        if Int.random(in: 0..<10, using: &rng) > 0 {
            members.append((key: "type", value: Int.random(in: 0..<10, using: &rng) > 0 ? .string("click") : value(using: &rng)))
        }
        func sometimesWrong(_ right: JSONValue) -> JSONValue {
            Int.random(in: 0..<8, using: &rng) == 0 ? value(using: &rng) : right
        }
        for key in stringKeys where Bool.random(using: &rng) { members.append((key: key, value: sometimesWrong(.string(text(using: &rng))))) }
        for key in flagKeys where Bool.random(using: &rng) { members.append((key: key, value: sometimesWrong(.bool(Bool.random(using: &rng))))) }
        for key in integerKeys + doubleKeys where Int.random(in: 0..<3, using: &rng) > 0 {
            members.append((key: key, value: sometimesWrong(.number(number(using: &rng)))))
        }
        members.shuffle(using: &rng)
        return .object(members)
    }

    static let routePrefixes = ["/items/", "/flags/", "/prices/", "/names/", "/mixed/", "/", "", "//", "/counter", "http://x/items/", "/items/1/"]

    static func url(using rng: inout RNG) -> String {
        var url = routePrefixes.randomElement(using: &rng)!
        for i in 0..<Int.random(in: 0...4, using: &rng) {
            if i > 0 { url += "/" }
            url += text(using: &rng)
        }
        if Bool.random(using: &rng) { url += "/edit" }
        if Bool.random(using: &rng) { url += "?" + ["q", "page", "", "q"].randomElement(using: &rng)! + "=" + text(using: &rng) }
        if Int.random(in: 0..<4, using: &rng) == 0 { url += "&q" }
        return url
    }

    static var eventArgs: Generator<JSONValue, Shrink.None<JSONValue>> { Generator { rng in eventArgs(using: &rng) } }
    static var urls: Generator<String, Shrink.None<String>> { Generator { rng in url(using: &rng) } }
    static var texts: Generator<String, Shrink.None<String>> { Generator { rng in text(using: &rng) } }
}

private final class RouteHome: Page {
    static let route = "/"
    var body: Content { p { "home" } }
}

private final class RouteItem: Page {
    static let route = "/items/{id:int}"
    var body: Content { p { "item" } }
}

private final class RouteFlag: Page {
    static let route = "/flags/{on:bool}"
    var body: Content { p { "flag" } }
}

private final class RoutePrice: Page {
    static let route = "/prices/{amount:double}"
    var body: Content { p { "price" } }
}

private final class RouteName: Page {
    static let route = "/names/{name}/edit"
    var body: Content { p { "name" } }
}

private final class RouteMixed: Page {
    static let route = "/mixed/{id:int}/{on:bool}/{amount:double}/{name:string}"
    var body: Content { p { "mixed" } }
}

/// Every handler kind, and a bound Int and Double.
final class PropertyForm: Component {
    var count = 0
    var age: Int?
    var price: Double?
    var text = ""
    var last = EventArgs(type: "none")
    var body: Content {
        button(.id("click")) { "+" }.onClick { (args: EventArgs) in self.last = args }
        input(.id("age"), .type("number")).bind(binding(\.age), on: .input)
        input(.id("price"), .type("number")).bind(binding(\.price), on: .input)
        input(.id("text")).bind(binding(\.text), on: .input)
        span(.id("out")) { "\(age.map(String.init) ?? "") \(price.map { String($0) } ?? "") \(text)" }
    }
}

@Suite("Decoder properties: event args, routes and bound inputs")
struct DecoderPropertyTests {
    /// The number a literal spells, as the nearest double.
    private func double(_ value: JSONValue?) -> Double? {
        if case .number(let n) = value { return Double(n) }
        return nil
    }

    @Test("EventArgs(json:) either throws EventArgsError or holds in-range values the browser sent")
    func eventArgsInRange() async {
        await propertyCheck(count: 3000, input: Arbitrary.eventArgs) { json in
            let args: EventArgs
            do {
                args = try EventArgs(json: json)
            } catch let error as EventArgsError {
                #expect(!error.message.isEmpty)
                return
            }
            #expect(json["type"] == .string(args.type))
            for (key, read) in [
                ("clientX", args.clientX), ("clientY", args.clientY), ("offsetX", args.offsetX), ("offsetY", args.offsetY),
                ("scrollTop", args.scrollTop), ("clientHeight", args.clientHeight),
            ] {
                if let read {
                    #expect(read.isFinite, "\(key) read as \(read) from \(json)")
                    #expect(read == double(json[key]), "\(key) read as \(read) from \(json)")
                } else {
                    #expect(json[key] == nil || json[key] == .null, "\(key) dropped from \(json)")
                }
            }
            for (key, read) in [("button", args.button), ("detail", args.detail)] {
                if let read {
                    // The exact integer sent: its nearest double is the literal's nearest double.
                    #expect(Double(read) == double(json[key]), "\(key) read as \(read) from \(json)")
                    #expect(double(json[key])?.rounded() == double(json[key]))
                } else {
                    #expect(json[key] == nil || json[key] == .null, "\(key) dropped from \(json)")
                }
            }
        }
    }

    @Test("Integers past Int's range and non-finite numbers are refused with the field's name")
    func eventArgsExtremes() throws {
        // -9223372036854777857 is the first integer whose nearest double is below Int.min.
        for literal in ["1e19", "-1e19", "9223372036854775808", "-9223372036854777857", "1e400", "1.5", String(repeating: "9", count: 20_000)] {
            let json: JSONValue = ["type": "click", "detail": .number(literal)]
            let result = Result { () throws(EventArgsError) -> EventArgs in try EventArgs(json: json) }
            guard case .failure(let error) = result else {
                Issue.record("\(literal.prefix(40)) was accepted: \(result)")
                continue
            }
            #expect(error.message.contains("'detail'"))
            #expect(error.message.count < 400, "the message quotes at most a clipped number")
        }
        for literal in ["1e400", "-1e400"] {
            #expect(throws: EventArgsError.self) { try EventArgs(json: ["type": "click", "clientX": .number(literal)]) }
        }
        #expect(try EventArgs(json: ["type": "click", "button": .number("9223372036854775807")]).button == Int.max)
        #expect(try EventArgs(json: ["type": "click", "button": .number("-9223372036854775808.0")]).button == Int.min)
        #expect(try EventArgs(json: ["type": "click", "detail": .number("1e2")]).detail == 100)
        // A browser's numbers are doubles: this literal is the same double as Int.min, as in JS.
        #expect(try EventArgs(json: ["type": "click", "detail": .number("-9223372036854775809")]).detail == Int.min)
    }

    @Test("resolveEvent with real handler ids and arbitrary args resolves or refuses, and handlers read bound values safely")
    func resolveAndRunHandlers() async throws {
        let host = try await ComponentTestHost(PropertyForm())
        let ids = ["#click", "#age", "#price", "#text"].compactMap { selector in
            host.find(selector).flatMap { $0.attribute("data-t-click") ?? $0.attribute("data-t-input") }
        }.map { String($0.split(separator: ";")[0]) }
        #expect(ids.count == 4)
        await propertyCheck(count: 1500, input: Arbitrary.eventArgs, Gen.int(in: 0...3)) { json, pick in
            let event: ResolvedEvent
            do {
                event = try host.renderer.resolveEvent(ids[pick], rawArgs: json)
            } catch let error as EventDispatchError {
                guard case .malformedArgs = error else {
                    Issue.record("a real handler id was refused: \(error)")
                    return
                }
                return
            }
            try await event.handler(event.args)
            #expect(host.component.price?.isFinite ?? true, "a bound Double took \(String(describing: host.component.price))")
            if pick == 1, let value = event.args.value {
                #expect(host.component.age == Int(value.trimmingCharacters(in: .whitespaces)))
            }
            try host.render()
        }
        // Made-up handler ids are refused, never trapped on.
        await propertyCheck(count: 500, input: Arbitrary.texts) { id in
            #expect(throws: EventDispatchError.unknownHandler(id + ".9999")) {
                try host.renderer.resolveEvent(id + ".9999", rawArgs: ["type": "click"])
            }
            _ = try? host.renderer.resolveEvent(id, rawArgs: ["type": "click"])
        }
    }

    @Test("A bound Double never takes NaN or infinity; a bound Int takes exactly what Int(_:) reads")
    func boundNumbers() async throws {
        let host = try await ComponentTestHost(PropertyForm())
        await propertyCheck(count: 1000, input: Arbitrary.texts) { text in
            try await host.input("#price", value: text)
            try await host.input("#age", value: text)
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            #expect(host.component.price == Double(trimmed).flatMap { $0.isFinite ? $0 : nil })
            #expect(host.component.age == Int(trimmed))
        }
        for text in ["nan", "NaN", "inf", "-Infinity", "1e400"] {
            try await host.input("#price", value: text)
            #expect(host.component.price == nil, "\(text)")
        }
    }

    @Test("PageRouter.match(url:) never traps, and typed accessors agree with each route's constraint")
    func routerAgreesWithConstraints() async {
        let router = PageRouter([RouteHome.self, RouteItem.self, RouteFlag.self, RoutePrice.self, RouteName.self, RouteMixed.self])
        await propertyCheck(count: 3000, input: Arbitrary.urls) { url in
            guard let (page, route) = router.match(url: url) else { return }
            if page == RouteItem.self || page == RouteMixed.self {
                #expect(route.int("id") != nil, "\(url): id \(route.parameters["id"] ?? "-")")
            }
            if page == RouteFlag.self || page == RouteMixed.self {
                #expect(route.bool("on") != nil, "\(url): on \(route.parameters["on"] ?? "-")")
            }
            if page == RoutePrice.self || page == RouteMixed.self {
                #expect(route.double("amount")?.isFinite == true, "\(url): amount \(route.parameters["amount"] ?? "-")")
            }
            for (name, value) in route.parameters {
                #expect(!value.isEmpty, "\(url): \(name) matched empty")
                #expect(route.string(name) == value)
            }
            for item in route.query {
                #expect(route.query(item.name) != nil)
            }
        }
        for amount in ["nan", "NaN", "inf", "-Infinity", "1e400", "infinity"] {
            #expect(router.match(url: "/prices/\(amount)") == nil, "\(amount)")
        }
        #expect(router.match(url: "/items/9223372036854775808") == nil)
        #expect(router.match(url: "/items/-9223372036854775808")?.route.int("id") == Int.min)
        #expect(router.match(url: "/prices/1e308")?.route.double("amount") == 1e308)
        #expect(RouteValues(path: "/", parameters: ["x": "nan"]).double("x") == nil)
    }

    @Test("A route template with an empty parameter name does not trap")
    func emptyParameterTemplate() {
        #expect(RouteTemplate("/a/{}").match("/a/b") == ["": "b"])
    }
}
