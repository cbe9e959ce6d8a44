/// What an export of a WebAssembly page's module returns to the runtime's wasm.js
/// (`WasmStatus` in protocol.js).
package enum WasmStatus: Int32, CaseIterable, Sendable {
    case ok = 0
    /// No page at the path, no handler with the id, or no exposed method with the name.
    case notFound = 1
    /// Malformed JSON, or arguments of the wrong count or types.
    case badArguments = 2
    /// The handler or the method failed; its message is logged or returned.
    case failed = 3
}

/// What the runtime keeps in its result slot after a synchronous JS call (`WasmResultKind` in
/// protocol.js).
package enum WasmResultKind: Int32, CaseIterable, Sendable {
    /// The result as JSON text; `undefined` is `null`.
    case json = 0
    /// The bytes of a `Uint8Array` or `ArrayBuffer` result, as they are.
    case bytes = 1
    /// The message of the exception the function threw.
    case error = 2
}

/// The levels of the module's `log` import (`WasmLogLevel` in protocol.js).
package enum WasmLogLevel: Int32, CaseIterable, Sendable {
    case debug = 0, info = 1, warning = 2, error = 3
}
