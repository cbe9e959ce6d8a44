import TetherProtocol

// What the module imports from the runtime's wasm.js (module `tether`). Strings cross as UTF-8
// in linear memory, as a pointer and a length. The names must be literals here; protocol.js's
// `WasmImport` and `WasmExport` are their one home, and ProtocolVocabularyTests checks these
// against them.

@_extern(wasm, module: "tether", name: "apply_edits")
func hostApplyEdits(_ pointer: UnsafePointer<UInt8>?, _ length: Int32)

/// The page's `PageTitle` or `HeadContent` changed: the title (a null pointer for none, which
/// leaves the document's as it is) and the head's elements, as the server sends them.
@_extern(wasm, module: "tether", name: "set_head")
func hostSetHead(_ title: UnsafePointer<UInt8>?, _ titleLength: Int32, _ elements: UnsafePointer<UInt8>?, _ elementsLength: Int32)

@_extern(wasm, module: "tether", name: "return_value")
func hostReturnValue(_ pointer: UnsafePointer<UInt8>?, _ length: Int32)

@_extern(wasm, module: "tether", name: "log")
func hostLog(_ level: Int32, _ pointer: UnsafePointer<UInt8>?, _ length: Int32)

@_extern(wasm, module: "tether", name: "invoke_js")
func hostInvokeJS(
    _ identifier: UnsafePointer<UInt8>?, _ identifierLength: Int32, _ arguments: UnsafePointer<UInt8>?, _ argumentsLength: Int32
) -> Int32

@_extern(wasm, module: "tether", name: "invoke_js_bytes")
func hostInvokeJSBytes(
    _ identifier: UnsafePointer<UInt8>?, _ identifierLength: Int32, _ arguments: UnsafePointer<UInt8>?, _ argumentsLength: Int32,
    _ bytes: UnsafePointer<UInt8>?, _ bytesLength: Int32
) -> Int32

@_extern(wasm, module: "tether", name: "take_result")
func hostTakeResult(_ destination: UnsafeMutablePointer<UInt8>?)

@_extern(wasm, module: "tether", name: "result_kind")
func hostResultKind() -> Int32

/// Calls `body` with the UTF-8 of `text` as the ABI passes it.
func withUTF8Argument<Result>(_ text: String, _ body: (UnsafePointer<UInt8>?, Int32) -> Result) -> Result {
    var text = text
    // Int is 32 bits on wasm32, so a length always fits an Int32.
    return text.withUTF8 { body($0.baseAddress, Int32(truncatingIfNeeded: $0.count)) }
}

/// Text the runtime passed in, as a pointer and a length. Bytes that are not UTF-8 become U+FFFD.
func stringArgument(_ pointer: UnsafePointer<UInt8>?, _ length: Int32) -> String {
    guard let pointer, length > 0 else { return "" }
    return String(decoding: UnsafeBufferPointer(start: pointer, count: Int(length)), as: UTF8.self)
}

func log(_ level: WasmLogLevel, _ message: String) {
    withUTF8Argument(message) { hostLog(level.rawValue, $0, $1) }
}
