import Foundation
import Testing
import TetherInterop
import TetherTesting
import TetherUI

final class Behaving: Component {
    var markup: (Behaving) -> Content = { _ in [] }
    var clicks = 0
    var name = ""
    let field = ElementReference()
    var body: Content { markup(self) }
}

/// What the DSL writes for client commands and for loading, offline and dirty states, and what it
/// refuses; and ElementReference's focus and scrolling.
struct ClientBehaviourTests {
    private func render(_ markup: @escaping (Behaving) -> Content) async throws -> (ComponentTestHost<Behaving>, Behaving) {
        let component = Behaving()
        component.markup = markup
        return (try await ComponentTestHost(component), component)
    }

    private func html(_ markup: @escaping (Behaving) -> Content) async throws -> String {
        try await render(markup).0.html
    }

    /// The MarkupError a render fails with, as text.
    private func error(_ markup: @escaping (Behaving) -> Content) async -> String? {
        await markupErrorText { _ = try await render(markup) }
    }

    @Test func clientCommandsAloneAreOneJSONAttributeAndNoServerHandler() async throws {
        let out = try await html { _ in [.element(button(.id("m")) { "Menu" }.onClick(.client(.toggle("#menu"))))] }
        #expect(out == #"<button id="m" data-t-js-click="[&quot;&quot;,[&quot;toggle&quot;,&quot;#menu&quot;]]">Menu</button>"#)
    }

    @Test func everyCommandChainedInOrderWithItsArguments() async throws {
        let commands = ClientCommands.addClass("open", to: "#menu").removeClass("closed", from: "#menu").toggleClass("on")
            .show("#a").hide("#b").toggle().setAttribute("aria-expanded", "true", on: "#m").removeAttribute("title")
            .dispatch("menu:open", detail: ["n": 1], to: "#menu").focus("#search")
        let out = try await html { _ in [.element(a().on("click", .client(commands, preventDefault: true, stopPropagation: true)))] }
        let expected = ##"["pd;sp",["addClass","open","#menu"],["removeClass","closed","#menu"],["toggleClass","on",""],["show","#a"],["hide","#b"],["toggle",""],["setAttribute","aria-expanded","true","#m"],["removeAttribute","title",""],["dispatch","menu:open",{"n":1},"#menu"],["focus","#search"]]"##
        #expect(out == "<a data-t-js-click=\"\(expected.replacingOccurrences(of: "\"", with: "&quot;"))\"></a>")
    }

    @Test func withAServerHandlerBothAttributesAreWrittenAndTheHandlerRuns() async throws {
        let (host, component) = try await render { c in
            [.element(button(.id("b")).onClick(.client(.addClass("busy"))) { c.clicks += 1 })]
        }
        #expect(host.html.contains(##"data-t-click=""##))
        #expect(host.html.contains(#"data-t-js-click="[&quot;&quot;,[&quot;addClass&quot;,&quot;busy&quot;,&quot;&quot;]]""#))
        try await host.fire("click", at: "#b")
        #expect(component.clicks == 1)
    }

    @Test func aScriptURLSetByACommandIsNeutralized() async throws {
        let out = try await html { _ in [.element(button().onClick(.client(.setAttribute("href", "javascript:alert(1)", on: "#x"))))] }
        #expect(out.contains("about:blank#blocked"))
        #expect(!out.contains("javascript"))
    }

    @Test func commandsTheBrowserCouldNotRunAreMarkupErrors() async {
        let handler = await error { _ in [.element(button().onClick(.client(.setAttribute("onclick", "x"))))] }
        #expect(handler?.contains("a client command on 'click': 'onclick' is an inline handler, which is not allowed; it was dropped") == true)
        let own = await error { _ in [.element(button().onClick(.client(.removeAttribute("data-t-click"))))] }
        #expect(own?.contains("'data-t-click' is one of Tether's own data-t-* attributes") == true)
        let noClass = await error { _ in [.element(button().onClick(.client(.addClass("  "))))] }
        #expect(noClass?.contains("a class command or effect needs at least one class name") == true)
        let badEvent = await error { _ in [.element(button().on("clik", .client(.show())))] }
        #expect(badEvent?.contains("'clik' is not an event Tether listens for") == true)
        let noCommands = await error { _ in [.element(button().on("click", .preventDefault))] }
        #expect(noCommands?.contains(#"on("click", …) without a handler needs .client(…) commands"#) == true)
    }

    @Test func loadingStatesWithDelayTargetAndEffects() async throws {
        let out = try await html { _ in
            [.element(button(.id("save")).onClick {}.loading(.class("busy"), .attribute("aria-busy", "true")))]
                + [.element(span().loading(.show, delay: 0, target: "save").loading(.hide, target: .anyEvent))]
        }
        #expect(out.contains(#"data-t-loading="[[200,&quot;&quot;,[&quot;class&quot;,&quot;busy&quot;],[&quot;attr&quot;,&quot;aria-busy&quot;,&quot;true&quot;]]]""#))
        // A `.show` element is hidden until its state holds; two states on one element are one list.
        #expect(out.contains(#"<span hidden data-t-loading="[[0,&quot;save&quot;,[&quot;show&quot;]],[200,&quot;*&quot;,[&quot;hide&quot;]]]"></span>"#))
    }

    @Test func offlineAndDirtyStates() async throws {
        let out = try await html { c in
            [.element(p().offline(.show, .class("warn"), delay: 500))]
                + [.element(input(.id("n")).bind(c.binding(\.name)).dirty(.class("dirty")))]
                + [.element(span().dirty(.show, input: "n"))]
        }
        #expect(out.contains(#"<p hidden data-t-offline="[[500,&quot;&quot;,[&quot;show&quot;],[&quot;class&quot;,&quot;warn&quot;]]]"></p>"#))
        #expect(out.contains(#"data-t-dirty="[[0,&quot;&quot;,[&quot;class&quot;,&quot;dirty&quot;]]]""#))
        #expect(out.contains(#"<span hidden data-t-dirty="[[0,&quot;n&quot;,[&quot;show&quot;]]]"></span>"#))
    }

    @Test func statesTheBrowserCouldNotApplyAreMarkupErrors() async {
        let negative = await error { _ in [.element(button().loading(.class("x"), delay: -1))] }
        #expect(negative?.contains("loading(…): a delay of -1 ms is negative; it was dropped") == true)
        let none = await error { _ in [.element(p().offline())] }
        #expect(none?.contains("offline(…): needs at least one effect") == true)
        let attribute = await error { _ in [.element(p().dirty(.attribute("onfocus", "x")))] }
        #expect(attribute?.contains("dirty(…): 'onfocus' is an inline handler") == true)
        let emptyID = await error { _ in [.element(p().dirty(.show, input: ""))] }
        #expect(emptyID?.contains("dirty(…, input:) needs a non-empty id") == true)
    }

    @Test func theUsersOwnDataTAttributesStayRefused() async {
        let forged = await error { _ in [.element(button().attribute("data-t-loading", "[]"))] }
        #expect(forged?.contains("data-t-* attributes are Tether's own") == true)
    }

    @Test func focusAndScrollCallTheRuntimesBuiltInsWithTheElement() async throws {
        let js = ScriptedJS()
        js.reply("Tether.dom.focus", value: nil)
        js.reply("Tether.dom.scrollIntoView", value: nil)
        let component = Behaving()
        component.markup = { c in [.element(input(.id("f")).ref(c.field))] }
        _ = try await ComponentTestHost(component, js: js)
        try await component.field.focus(preventScroll: true)
        try await component.field.scrollIntoView(behavior: .smooth, block: .center)
        let id = try #require(component.field.id)
        #expect(js.calls == [
            .init(identifier: "Tether.dom.focus", arguments: [["__tetherElement": .string(id)], ["preventScroll": true]]),
            .init(
                identifier: "Tether.dom.scrollIntoView",
                arguments: [["__tetherElement": .string(id)], ["behavior": "smooth", "block": "center", "inline": "nearest"]]),
        ])
    }

    @Test func focusBeforeTheElementRenderedIsAPreciseError() async {
        await #expect(throws: ElementReferenceError.notRendered(call: "focus()")) { try await ElementReference().focus() }
        await #expect(throws: ElementReferenceError.notRendered(call: "scrollIntoView()")) { try await ElementReference().scrollIntoView() }
        #expect("\(ElementReferenceError.notRendered(call: "focus()"))".hasPrefix("ElementReference.focus(): the element has not been rendered"))
    }
}
