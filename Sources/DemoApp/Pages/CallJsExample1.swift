import TetherInterop
import TetherUI

/// The seed example: a Swift component calls the global JS function `convertArray` and renders
/// the string it returns as markup.
public final class CallJsExample1: Page {
    public static let route = "/call-js-example-1"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    @Inject(\.js) var js

    private var text = MarkupString("")

    public var body: Content {
        h1 { "Call JS "; code { "convertArray" }; " Function" }
        p {
            button { "Convert Array" }.onClick { try await self.convertArray() }
        }
        p { text }
        SeedQuote.credits
    }

    private func convertArray() async throws {
        text = MarkupString(try await js.invoke("convertArray", SeedQuote.codes))
    }
}
