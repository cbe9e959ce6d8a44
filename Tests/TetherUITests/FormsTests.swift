import Testing
import TetherInterop
import TetherTesting
import TetherUI

final class Profile: Component {
    var name = "Ada"
    var age: Int? = 36
    var agree = false
    var color = "green"
    var notes = "hi"
    let validation = FormValidation<Profile> { rules in
        rules.add("name") { $0.name.isEmpty ? "Name is required." : nil }
    }
    var submitted = false

    var body: Content {
        form {
            input(.id("name")).bind(binding(\.name), on: .input)
            ValidationMessage(for: "name", in: validation)
            input(.id("age"), .type("number")).bind(binding(\.age))
            input(.id("agree"), .type("checkbox")).bind(checked: binding(\.agree))
            select(.id("color")) { for c in ["red", "green"] { option(.value(c)) { c } } }.bind(binding(\.color))
            textarea(.id("notes")).bind(binding(\.notes))
        }.onSubmit { self.submitted = self.validation.validate(self) }
    }
}

final class Boundary: Component {
    var clicks = 0
    struct Boom: Error {}
    var body: Content {
        ErrorBoundary.wrap {
            button(.id("boom")) { "boom" }.onClick { throw Boom() }
        } fallback: { _ in
            p(.id("fallback")) { "caught" }
        }
        button(.id("ok")) { "ok" }.onClick { self.clicks += 1 }
        span(.id("clicks")) { clicks }
    }
}

struct FormsTests {
    @Test func boundValuesRenderAndPrerenderCorrectly() async throws {
        let host = try await ComponentTestHost(Profile())
        #expect(host.find("#name")?.attribute("value") == "Ada")
        #expect(host.find("#age")?.attribute("value") == "36")
        #expect(host.find("#agree")?.attribute("checked") == nil)
        #expect(host.html.contains("<option value=\"green\" selected>green</option>"))
        #expect(host.find("#notes")?.text == "hi")
        #expect(host.find("#name")?.attribute("data-t-input") != nil)
        #expect(host.find("#age")?.attribute("data-t-change") != nil)
    }

    @Test func eventsWriteBoundValuesBack() async throws {
        let host = try await ComponentTestHost(Profile())
        try await host.input("#name", value: "Grace")
        var change = EventArgs(type: "change")
        change.value = "not a number"
        try await host.fire("change", at: "#age", args: change)
        change.value = "red"
        try await host.fire("change", at: "#color", args: change)
        var check = EventArgs(type: "change")
        check.checked = true
        try await host.fire("change", at: "#agree", args: check)
        #expect(host.component.name == "Grace")
        #expect(host.component.age == nil)
        #expect(host.component.color == "red")
        #expect(host.component.agree)
        #expect(host.find("#agree")?.attribute("checked") == "")
    }

    @Test func validationMessagesFollowSubmitAndEdits() async throws {
        let host = try await ComponentTestHost(Profile())
        try await host.input("#name", value: "")
        try await host.fire("submit", at: "form")
        #expect(!host.component.submitted)
        #expect(host.findAll(".validation-message").map(\.text) == ["Name is required."])
        // No rule runs again by hand: each render shows the messages for the state as it is now.
        try await host.input("#name", value: "Ada")
        #expect(host.findAll(".validation-message").isEmpty)
        try await host.input("#name", value: "")
        #expect(host.findAll(".validation-message").map(\.text) == ["Name is required."])
        try await host.input("#name", value: "Ada")
        try await host.fire("submit", at: "form")
        #expect(host.component.submitted)
        #expect(host.findAll(".validation-message").isEmpty)
    }

    @Test func noMessageBeforeTheFirstSubmit() async throws {
        let host = try await ComponentTestHost(Profile())
        try await host.input("#name", value: "")
        #expect(host.findAll(".validation-message").isEmpty)
        #expect(host.component.validation.isValid)
    }

    @Test func validationDoesNotKeepItsComponentAlive() {
        weak var released: Profile?
        do {
            let profile = Profile()
            profile.name = ""
            #expect(!profile.validation.validate(profile))
            #expect(profile.validation.messages.map(\.message) == ["Name is required."])
            released = profile
        }
        #expect(released == nil)
    }

    @Test func errorBoundaryShowsFallbackAndTheRestWorks() async throws {
        let host = try await ComponentTestHost(Boundary())
        try await host.click("#boom")
        #expect(host.find("#fallback")?.text == "caught")
        #expect(host.find("#boom") == nil)
        try await host.click("#ok")
        #expect(host.find("#clicks")?.text == "1")
    }

    @Test func submitPreventsTheBrowsersOwnSubmission() async throws {
        let host = try await ComponentTestHost(Profile())
        #expect(host.find("form")?.attribute("data-t-submit")?.hasSuffix(";pd") == true)
    }
}
