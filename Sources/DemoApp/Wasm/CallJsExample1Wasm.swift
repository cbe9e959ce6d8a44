import TetherInterop
import TetherUI
import TetherWasm

/// The seed example in the WebAssembly render mode: the component calls the global JS function
/// `convertArray` synchronously, in-process (the `IJSInProcessRuntime` analog), and renders the
/// string it returns as markup.
final class CallJsExample1Wasm: Page {
    static let route = "/wasm/call-js-example-1"

    private var text = MarkupString("")
    private var failure = ""

    private let quoteArray: [UInt32] = [
        60, 101, 109, 62, 67, 97, 110, 39, 116, 32, 115, 116, 111, 112, 32,
        116, 104, 101, 32, 115, 105, 103, 110, 97, 108, 44, 32, 77, 97,
        108, 46, 60, 47, 101, 109, 62, 32, 45, 32, 77, 114, 46, 32, 85, 110,
        105, 118, 101, 114, 115, 101, 10, 10,
    ]

    var body: Content {
        h1 { "Call JS "; code { "convertArray" }; " Function (WebAssembly)" }
        p {
            button(.id("convert")) { "Convert Array" }.onClick { self.convertArray() }
        }
        p(.id("quote")) { text }
        if !failure.isEmpty { p(.id("failure"), .class("error")) { failure } }
        p {
            "Quote ©2005 "
            a(.href("https://www.uphe.com")) { "Universal Pictures" }
            ": "
            a(.href("https://www.uphe.com/movies/serenity-2005")) { "Serenity" }
            br()
            a(.href("https://www.imdb.com/name/nm0472710/")) { "David Krumholtz on IMDB" }
        }
    }

    private func convertArray() {
        do {
            text = MarkupString(try WebAssemblyApp.js.invokeSync("convertArray", quoteArray))
            failure = ""
        } catch {
            failure = error.description
        }
    }
}
