import TetherInterop
import TetherProtocol

// The module's exports, which wasm.js calls. Each returns a `WasmStatus`; none traps on what the
// page passes in.

@_extern(c, "tether_app_main")
func tetherAppMain()

nonisolated(unsafe) private var appRegistered = false

@_expose(wasm, "tether_alloc")
@_cdecl("tether_alloc")
func tetherAlloc(_ length: Int32) -> UnsafeMutableRawPointer? {
    guard length >= 0 else { return nil }
    // Swift's allocator is wasi-libc's malloc; one byte at least, so an empty string has a pointer.
    return UnsafeMutableRawPointer.allocate(byteCount: max(Int(length), 1), alignment: 1)
}

@_expose(wasm, "tether_free")
@_cdecl("tether_free")
func tetherFree(_ pointer: UnsafeMutableRawPointer?) {
    pointer?.deallocate()
}

@_expose(wasm, "tether_start")
@_cdecl("tether_start")
func tetherStart(_ path: UnsafePointer<UInt8>?, _ pathLength: Int32) -> Int32 {
    if !appRegistered {
        appRegistered = true
        tetherAppMain()
    }
    let url = stringArgument(path, pathLength)
    guard let (page, route) = WebAssemblyApp.makePage(for: url) else {
        log(.error, "no WebAssembly page is registered for '\(LogSafe.clip(url))'")
        return WasmStatus.notFound.rawValue
    }
    let host = PageHost(page: page, route: route)
    WebAssemblyApp.current = host
    host.start()
    return WasmStatus.ok.rawValue
}

@_expose(wasm, "tether_dispatch")
@_cdecl("tether_dispatch")
func tetherDispatch(_ id: UnsafePointer<UInt8>?, _ idLength: Int32, _ arguments: UnsafePointer<UInt8>?, _ argumentsLength: Int32) -> Int32 {
    guard let host = WebAssemblyApp.current else { return WasmStatus.notFound.rawValue }
    return host.dispatch(handler: stringArgument(id, idLength), argumentsJSON: stringArgument(arguments, argumentsLength)).rawValue
}

@_expose(wasm, "tether_invoke")
@_cdecl("tether_invoke")
func tetherInvoke(_ name: UnsafePointer<UInt8>?, _ nameLength: Int32, _ arguments: UnsafePointer<UInt8>?, _ argumentsLength: Int32) -> Int32 {
    let (status, reply) = invoke(stringArgument(name, nameLength), argumentsJSON: stringArgument(arguments, argumentsLength))
    withUTF8Argument(reply) { hostReturnValue($0, $1) }
    // A method may have changed what the page shows.
    WebAssemblyApp.current?.settle()
    return status.rawValue
}

/// Runs an exposed method: its result as JSON, or why there is none.
private func invoke(_ name: String, argumentsJSON: String) -> (WasmStatus, String) {
    guard let method = WebAssemblyApp.methods[name] else {
        return (.notFound, "no method '\(LogSafe.clip(name))' is exposed by this WebAssembly module")
    }
    let arguments: JSONValue
    do {
        arguments = try JSONParser.parse(argumentsJSON)
    } catch {
        return (.badArguments, "the arguments are not JSON: \(error.description)")
    }
    guard case .array(let values) = arguments else { return (.badArguments, "the arguments must be a JSON array") }
    do {
        return (.ok, try method(values).serialized())
    } catch {
        switch error {
        case .badArguments(let message): return (.badArguments, message)
        case .failed(let message): return (.failed, message)
        }
    }
}
