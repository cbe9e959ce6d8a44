// What the Embedded Swift standard library asks of its platform and the wasm32 toolchain does not
// ship: reading a `Double` from text (`Double("1.5")`, and so JSON numbers), done with
// wasi-libc's strtod, which is in the "C" locale on WASI.

@_extern(c, "strtod")
func strtod(_ text: UnsafePointer<CChar>?, _ end: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Double

@_cdecl("_swift_stdlib_strtod_clocale")
func swiftStdlibStrtodCLocale(_ text: UnsafePointer<CChar>?, _ result: UnsafeMutablePointer<Double>?) -> UnsafePointer<CChar>? {
    var end: UnsafeMutablePointer<CChar>?
    let value = strtod(text, &end)
    result?.pointee = value
    return UnsafePointer(end)
}
