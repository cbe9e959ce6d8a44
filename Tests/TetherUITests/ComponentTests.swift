import Testing
import TetherInterop
import TetherTesting
import TetherUI

final class TestCounter: Component {
    var count = 0
    var body: Content {
        span(.id("count")) { count }
        button(.id("inc")) { "+" }.onClick { self.count += 1 }
    }
}

final class Greeter: Component {
    @Inject(\.js) var js
    var greeting = ""
    var loadedOnFirstRender = false
    var body: Content {
        p(.id("greeting")) { greeting }
        button(.id("load")) { "Load" }.onClick { self.greeting = try await self.js.invoke("greet", "Ada") }
    }
    override func onAfterRender(firstRender: Bool) async throws {
        if firstRender { loadedOnFirstRender = true }
    }
}

final class Typist: Component {
    var name = ""
    var body: Content {
        input(.id("name"), .value(name)).onInput { self.name = $0.value ?? "" }
        p(.id("echo")) { "Hi \(name)" }
    }
}

struct ComponentTests {
    @Test func clickHandlerRerendersOnlyTheChangedText() async throws {
        let host = try await ComponentTestHost(TestCounter())
        #expect(host.find("#count")?.text == "0")
        try await host.click("#inc")
        try await host.click("#inc")
        #expect(host.find("#count")?.text == "2")
        #expect(host.batches.map(\.editCount) == [1, 1])
        #expect(host.batches.map(\.number) == [1, 2])
    }

    @Test func asyncHandlerCallsScriptedJS() async throws {
        let js = ScriptedJS()
        js.reply("greet") { args in .success(.string("Hello, \(args[0]?.stringValue ?? "?")!")) }
        let host = try await ComponentTestHost(Greeter(), js: js)
        #expect(host.component.loadedOnFirstRender)
        try await host.click("#load")
        #expect(host.find("#greeting")?.text == "Hello, Ada!")
        #expect(js.calls == [ScriptedJS.Call(identifier: "greet", arguments: ["Ada"])])
    }

    @Test func jsFailureSurfacesAsJSException() async throws {
        let js = ScriptedJS()
        js.reply("greet") { _ in .failure(message: "nope", stack: nil) }
        let host = try await ComponentTestHost(Greeter(), js: js)
        await #expect(throws: JSException.self) { try await host.click("#load") }
    }

    @Test func inputEventUpdatesState() async throws {
        let host = try await ComponentTestHost(Typist())
        try await host.input("#name", value: "Ada")
        #expect(host.find("#echo")?.text == "Hi Ada")
        #expect(host.find("#name")?.attribute("value") == "Ada")
    }

    @Test func staleHandlerIdIsRejected() async throws {
        let host = try await ComponentTestHost(TestCounter())
        #expect(throws: EventDispatchError.unknownHandler("9.9")) {
            _ = try host.renderer.resolveEvent("9.9", rawArgs: ["type": "click"])
        }
    }

    @Test func malformedEventArgsAreRejected() async throws {
        let host = try await ComponentTestHost(TestCounter())
        let id = try #require(host.find("#inc")?.attribute("data-t-click"))
        // A handler with no options: the attribute is the bare id, so the refusals below are about
        // the args, not an id the renderer does not know.
        #expect(throws: Never.self) { _ = try host.renderer.resolveEvent(id, rawArgs: ["type": "click"]) }
        #expect(throws: EventDispatchError.malformedArgs(handler: id, reason: "event args lack a 'type' string")) {
            _ = try host.renderer.resolveEvent(id, rawArgs: ["type": 5])
        }
        #expect(throws: EventDispatchError.malformedArgs(handler: id, reason: "event args must be an object, got string")) {
            _ = try host.renderer.resolveEvent(id, rawArgs: "not an object")
        }
        #expect(throws: EventDispatchError.malformedArgs(handler: id, reason: "event arg 'clientX' must be a number, got string")) {
            _ = try host.renderer.resolveEvent(id, rawArgs: ["type": "click", "clientX": "12"])
        }
    }

    @Test func prerenderingRuntimeRefusesJSCalls() async throws {
        let js = JSRuntime(channel: .prerendering())
        await #expect(throws: JSPrerenderingError.self) { let _: String = try await js.invoke("f") }
    }
}

final class Focuser: Component {
    @Inject(\.js) var js
    let field = ElementReference()
    var body: Content {
        input(.id("field")).ref(field)
        button(.id("focus")) { "focus" }.onClick { try await self.js.invokeVoid("focusElement", self.field) }
    }
}

struct ElementReferenceTests {
    @Test func elementReferenceIsRenderedAndSentAsAMarker() async throws {
        let js = ScriptedJS()
        js.reply("focusElement", value: .null)
        let host = try await ComponentTestHost(Focuser(), js: js)
        let id = try #require(host.find("#field")?.attribute("data-t-ref"))
        try await host.click("#focus")
        #expect(js.calls == [ScriptedJS.Call(identifier: "focusElement", arguments: [["__tetherElement": .string(id)]])])
    }
}
