import TetherInterop
import TetherUI
import TetherWasm

// The demo's WebAssembly module (scripts/build-wasm): the pages the server registers as
// WebAssembly pages, and the methods they expose to JS. Not part of the DemoApp target, which is
// the server's.

@_cdecl("tether_app_main")
func registerDemo() {
    // The same source files as the server's /counter and /todos.
    WebAssemblyApp.page(Counter.self, at: "/wasm/counter")
    WebAssemblyApp.page(Todos.self, at: "/wasm/todos")
    WebAssemblyApp.page(CallJsExample1Wasm.self, at: "/wasm/call-js-example-1")
    // The seed's "call Swift from JS" methods, synchronous here: Tether.invokeMethod("Demo", "Add", 2, 3).
    WebAssemblyApp.expose("Demo", "Add") { (a: Int, b: Int) throws(InvocationFailure) -> Int in
        let (sum, overflowed) = a.addingReportingOverflow(b)
        if overflowed { throw .failed("\(a) + \(b) does not fit in an Int.") }
        return sum
    }
    WebAssemblyApp.expose("Demo", "ReturnArray") { () -> [Int] in [11, 12, 13] }
    WebAssemblyApp.expose("Demo", "Greet") { (name: String) -> String in "Hello, \(name)!" }
}
