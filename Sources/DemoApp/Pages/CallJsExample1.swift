import TetherInterop
import TetherUI

/// The seed example: a Swift component calls the global JS function `convertArray` and renders
/// the string it returns as markup.
public final class CallJsExample1: Page {
    public static let route = "/call-js-example-1"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    @Inject(\.js) var js

    private var text = MarkupString("")

    private let quoteArray: [UInt32] = [
        60, 101, 109, 62, 67, 97, 110, 39, 116, 32, 115, 116, 111, 112, 32,
        116, 104, 101, 32, 115, 105, 103, 110, 97, 108, 44, 32, 77, 97,
        108, 46, 60, 47, 101, 109, 62, 32, 45, 32, 77, 114, 46, 32, 85, 110,
        105, 118, 101, 114, 115, 101, 10, 10,
    ]

    public var body: Content {
        h1 { "Call JS "; code { "convertArray" }; " Function" }
        p {
            button { "Convert Array" }.onClick { try await self.convertArray() }
        }
        p { text }
        p {
            "Quote ©2005 "
            a(.href("https://www.uphe.com")) { "Universal Pictures" }
            ": "
            a(.href("https://www.uphe.com/movies/serenity-2005")) { "Serenity" }
            br()
            a(.href("https://www.imdb.com/name/nm0472710/")) { "David Krumholtz on IMDB" }
        }
    }

    private func convertArray() async throws {
        text = MarkupString(try await js.invoke("convertArray", quoteArray))
    }
}
