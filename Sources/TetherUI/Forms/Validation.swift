/// Field-level validation for a form, as Blazor's `EditForm` does it: the rules run on submit, and
/// from then on every render shows each field's messages for the state as it is now, so a
/// message disappears as soon as an edit fixes the field.
///
/// Rules receive the component they validate instead of capturing it. A `FormValidation` is
/// created in a stored property's initializer, where `self` does not exist yet, so a rule cannot
/// form a retain cycle with the component that owns it:
///
/// ```swift
/// final class Signup: Component {
///     var name = ""
///     var submitted = false
///     let validation = FormValidation<Signup> { rules in
///         rules.add("name") { $0.name.isEmpty ? "Name is required." : nil }
///     }
///     var body: Content {
///         form {
///             input(.id("name")).bind(binding(\.name), on: .input)
///             ValidationMessage(for: "name", in: validation)
///         }.onSubmit { self.submitted = self.validation.validate(self) }
///     }
/// }
/// ```
public final class FormValidation<Owner: AnyObject> {
    /// The rules of one form, in the order they report.
    public struct Rules {
        fileprivate var rules: [(field: String, check: (Owner) -> String?)] = []

        /// A rule for `field`: nil when the value is valid, else the message to show.
        public mutating func add(_ field: String, _ check: @escaping (Owner) -> String?) {
            rules.append((field, check))
        }
    }

    private let rules: [(field: String, check: (Owner) -> String?)]
    /// Set by the first `validate`; weak, because the owner holds this validation.
    private weak var validated: Owner?

    /// A validation with the rules `build` adds: `FormValidation<Search> { $0.add("name") { $0.name.isEmpty ? "Name is required." : nil } }`.
    public init(_ build: (inout Rules) -> Void) {
        var rules = Rules()
        build(&rules)
        self.rules = rules.rules
    }

    /// Runs every rule against `owner`; true when the form is valid. From now on, messages follow
    /// the owner's state.
    @discardableResult
    public func validate(_ owner: Owner) -> Bool {
        validated = owner
        return isValid
    }

    /// True before the first `validate`, and after it while every rule passes.
    public var isValid: Bool {
        guard let owner = validated else { return true }
        return !rules.contains { $0.check(owner) != nil }
    }

    /// The messages for `field` as of now; none before the first `validate`.
    public func messages(for field: String) -> [String] {
        guard let owner = validated else { return [] }
        return rules.compactMap { $0.field == field ? $0.check(owner) : nil }
    }

    /// Every field's messages as of now, in rule order.
    public var messages: [(field: String, message: String)] {
        guard let owner = validated else { return [] }
        return rules.compactMap { rule in rule.check(owner).map { (rule.field, $0) } }
    }
}

/// The messages for one field, each in a `div.validation-message`.
public func ValidationMessage<Owner>(for field: String, in validation: FormValidation<Owner>) -> Content {
    validation.messages(for: field).map { message in
        .element(div(.class("validation-message"), .data("field", field)) { message })
    }
}
