// A parameter is a property the renderer writes when the parent renders again, so it must be a
// `var`: a `let` cannot be listed in `parameters`.
// expected-error: to expected argument type 'ReferenceWritableKeyPath
import TetherUI

final class Row: Component {
    let text: String
    static let parameters = Parameters(\Row.text)
    init(text: String) { self.text = text }
    var body: Content { p { text } }
}
