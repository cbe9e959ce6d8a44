/// Field-level validation for a form: rules run on submit (and, once a field has been checked,
/// again as it changes), and each field's messages are shown next to it.
///
/// ```swift
/// let validation = FormValidation()
/// validation.rule("name") { self.name.isEmpty ? "Name is required." : nil }
/// form { ...; ValidationMessage(for: "name", in: validation) }.onSubmit {
///     if validation.validate() { submitted = ... }
/// }
/// ```
public final class FormValidation {
    private var rules: [(field: String, check: () -> String?)] = []
    public private(set) var messages: [String: [String]] = [:]
    private var checked = false

    public init() {}

    public func rule(_ field: String, _ check: @escaping () -> String?) {
        rules.append((field, check))
    }

    /// Runs every rule; true when the form is valid.
    @discardableResult
    public func validate() -> Bool {
        checked = true
        messages = [:]
        for (field, check) in rules {
            if let message = check() { messages[field, default: []].append(message) }
        }
        return messages.isEmpty
    }

    /// Re-validates after an edit once the form has been submitted, as Blazor's EditForm does.
    public func revalidateIfChecked() {
        if checked { validate() }
    }

    public var isValid: Bool { messages.isEmpty }

    public func messages(for field: String) -> [String] { messages[field] ?? [] }
}

/// The messages for one field, each in a `div.validation-message`.
public func ValidationMessage(for field: String, in validation: FormValidation) -> Content {
    validation.messages(for: field).map { message in
        .element(div(.class("validation-message"), .data("field", field)) { message })
    }
}
