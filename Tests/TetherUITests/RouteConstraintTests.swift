import Testing
import TetherUI

final class FlagPage: Page {
    static let route = "/flag/{flag:bool}"
    var body: Content { p { "" } }
}

final class ScalePage: Page {
    static let route = "/scale/{x:double}"
    var body: Content { p { "" } }
}

/// The `bool` and `double` route constraints the README lists beside `int`.
struct RouteConstraintTests {
    let router = PageRouter([FlagPage.self, ScalePage.self])

    @Test("{flag:bool} matches true and false in any case, and nothing else; bool() reads the value", arguments: [
        ("true", true), ("false", false), ("True", true), ("FALSE", false), ("tRuE", true),
    ])
    func boolMatches(text: String, value: Bool) throws {
        let match = try #require(router.match(url: "/flag/\(text)"), "/flag/\(text)")
        #expect(ObjectIdentifier(match.page) == ObjectIdentifier(FlagPage.self))
        #expect(match.route.bool("flag") == value)
        #expect(match.route.string("flag") == text)
        #expect(RouteTemplate("/flag/{flag:bool}").match("/flag/\(text)") == ["flag": text])
    }

    @Test("{flag:bool} refuses what is not a boolean", arguments: ["yes", "no", "1", "0", "t", "truee", " true", "%20true"])
    func boolRefuses(text: String) {
        #expect(router.match(url: "/flag/\(text)") == nil, "/flag/\(text)")
        #expect(RouteTemplate("/flag/{flag:bool}").match("/flag/\(text)") == nil)
    }

    @Test("{x:double} matches finite numbers; double() reads the value", arguments: [
        ("1.5", 1.5), ("-2", -2), ("1e3", 1000), ("0", 0), ("-0.25", -0.25), ("1E-3", 0.001), ("42", 42),
    ])
    func doubleMatches(text: String, value: Double) throws {
        let match = try #require(router.match(url: "/scale/\(text)"), "/scale/\(text)")
        #expect(ObjectIdentifier(match.page) == ObjectIdentifier(ScalePage.self))
        #expect(match.route.double("x") == value)
        #expect(match.route.string("x") == text)
    }

    @Test("{x:double} refuses text and numbers that are not finite", arguments: [
        "abc", "nan", "NaN", "inf", "-inf", "infinity", "1e400", "-1e400", "1.5x", "1,5",
    ])
    func doubleRefuses(text: String) {
        #expect(router.match(url: "/scale/\(text)") == nil, "/scale/\(text)")
        #expect(RouteTemplate("/scale/{x:double}").match("/scale/\(text)") == nil)
    }

    @Test("bool() and double() give nil for a value of another kind or a name not matched")
    func typedAccessors() {
        let route = RouteValues(path: "/", parameters: ["b": "True", "d": "2.5", "word": "abc", "huge": "1e400", "nan": "nan"])
        #expect(route.bool("b") == true)
        #expect(route.double("d") == 2.5)
        #expect(route.bool("word") == nil)
        #expect(route.double("word") == nil)
        #expect(route.double("huge") == nil, "1e400 is not a finite number")
        #expect(route.double("nan") == nil)
        #expect(route.bool("missing") == nil)
        #expect(route.double("missing") == nil)
    }
}
