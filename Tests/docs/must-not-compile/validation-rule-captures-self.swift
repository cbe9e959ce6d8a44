// A validation rule cannot capture the component that owns it (a retain cycle): rules are
// written where `self` does not exist yet, and receive the component as their argument.
// expected-error: cannot find 'self' in scope
import TetherUI

final class Signup: Component {
    var name = ""
    let validation = FormValidation<Signup> { rules in
        rules.add("name") { _ in self.name.isEmpty ? "Name is required." : nil }
    }
    var body: Content { p { name } }
}
