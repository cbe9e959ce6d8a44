import TetherUI
import TetherWasm

// The entry of a module holding only the Todos page, for `bench/run.py --only wasm`: the demo's
// module (Sources/DemoApp/Wasm/DemoWasm.swift) carries Counter, Todos, the interop example and
// the exposed methods at once, so its size is not what /wasm/todos alone would cost. Built with
//   scripts/build-wasm --out .build/wasm-todos-only --app TodosOnly \
//       Sources/DemoApp/Pages/Todos.swift bench/wasm/TodosOnly.swift

@_cdecl("tether_app_main")
func registerTodosOnly() {
    WebAssemblyApp.page(Todos.self, at: "/wasm/todos")
}
