import Foundation
import TetherUI

/// A bound form with per-field validation; a valid submit shows the model as JSON.
public final class FormPage: Page {
    public static let route = "/form"
    public static let layout: (any Layout.Type)? = DemoLayout.self
    public static let persisted = Persisted(("model", \FormPage.model), ("submitted", \FormPage.submitted))

    struct Model: Codable {
        var name = ""
        var age: Int? = nil
        var agree = false
        var color = "red"
    }

    private var model = Model()
    private var submitted = ""
    private let validation = FormValidation<FormPage> { rules in
        rules.add("name") { $0.model.name.trimmingCharacters(in: .whitespaces).isEmpty ? "Name is required." : nil }
        rules.add("age") {
            guard let age = $0.model.age else { return "Age must be a number." }
            return (0...150).contains(age) ? nil : "Age must be between 0 and 150."
        }
        rules.add("agree") { $0.model.agree ? nil : "You must agree to the terms." }
    }

    public var body: Content {
        h1 { "Form" }
        form(.id("demo-form")) {
            p {
                label(.for("name")) { "Name " }
                input(.id("name"), .type("text")).bind(binding(\.model.name), on: .input)
                ValidationMessage(for: "name", in: validation)
            }
            p {
                label(.for("age")) { "Age " }
                input(.id("age"), .type("number")).bind(binding(\.model.age), on: .input)
                ValidationMessage(for: "age", in: validation)
            }
            p {
                label { input(.id("agree"), .type("checkbox")).bind(checked: binding(\.model.agree)); " I agree" }
                ValidationMessage(for: "agree", in: validation)
            }
            p {
                label(.for("color")) { "Color " }
                select(.id("color")) {
                    for color in ["red", "green", "blue"] { option(.value(color)) { color } }
                }.bind(binding(\.model.color))
            }
            p { button(.id("submit"), .type("submit")) { "Submit" } }
        }.onSubmit { self.submit() }
        pre(.id("submitted")) { submitted }
    }

    private func submit() {
        guard validation.validate(self) else {
            submitted = ""
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        submitted = String(decoding: (try? encoder.encode(model)) ?? Data(), as: UTF8.self)
    }
}
