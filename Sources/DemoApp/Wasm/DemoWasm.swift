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
    // Auto mode: the server runs it until the browser has stored this module (DemoApp.swift).
    WebAssemblyApp.page(Counter.self, at: "/auto/counter")
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
    // JS → Swift → JS, synchronously: the result of `identifier()`, or the error it raised.
    WebAssemblyApp.expose("Demo", "InvokeJS") { (identifier: String) -> JSONValue in
        do throws(JSCallError) {
            return ["result": try WebAssemblyApp.js.invokeSync(identifier, arguments: [])]
        } catch {
            return ["error": .string(error.description)]
        }
    }
    // The in-process call's cost, timed by the caller (bench/run.py --only wasm): `times` calls of `identifier`.
    WebAssemblyApp.expose("Demo", "InvokeJSRepeatedly") { (identifier: String, times: Int) throws(InvocationFailure) -> Int in
        guard times >= 0 else { throw .badArguments("times must not be negative") }
        for _ in 0..<times {
            do throws(JSCallError) {
                try WebAssemblyApp.js.invokeVoidSync(identifier)
            } catch {
                throw .failed(error.description)
            }
        }
        return times
    }
    // Bytes through linear memory: JS gets a Uint8Array and returns one, with no Base64.
    WebAssemblyApp.expose("Demo", "ReverseBytesInJS") { (identifier: String, count: Int) throws(InvocationFailure) -> [Int] in
        guard (0...1 << 20).contains(count) else { throw .badArguments("count must be between 0 and 1048576") }
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0) }
        do throws(JSCallError) {
            return try WebAssemblyApp.js.invokeSync(identifier, bytes: bytes).map { Int($0) }
        } catch {
            throw .failed(error.description)
        }
    }
}
