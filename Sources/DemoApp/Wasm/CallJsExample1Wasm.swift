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

    var body: Content {
        h1 { "Call JS "; code { "convertArray" }; " Function (WebAssembly)" }
        p {
            button(.id("convert")) { "Convert Array" }.onClick { self.convertArray() }
        }
        p(.id("quote")) { text }
        if !failure.isEmpty { p(.id("failure"), .class("error")) { failure } }
        SeedQuote.credits
    }

    private func convertArray() {
        do {
            text = MarkupString(try WebAssemblyApp.js.invokeSync("convertArray", SeedQuote.codes))
            failure = ""
        } catch {
            failure = error.description
        }
    }
}
