import Foundation
import Testing
import TetherProtocol
import TetherServer

/// The runtime's `protocol.js` and the `TetherProtocol` enums are one vocabulary written twice:
/// each table must have the same names, values and order as its enum.
@Suite("The wire vocabulary: protocol.js agrees with TetherProtocol")
struct ProtocolVocabularyTests {
    static let source: String = {
        let file = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/TetherServer/Resources/runtime/protocol.js")
        return (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }()

    /// The entries of `export const NAME = Object.freeze({ … })`, in order, as (name, value text).
    static func table(_ name: String) throws -> [(name: String, value: String)] {
        let lines = source.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: "export const \(name) = Object.freeze({"), "protocol.js has no table \(name)")
        var entries: [(String, String)] = []
        for line in lines[(start + 1)...] {
            if line == "});" { return entries }
            let match = try #require(line.wholeMatch(of: #/  ([A-Za-z]\w*): '?([^',]*)'?,/#), "a line of \(name) that is not `name: value,`: \(line)")
            entries.append((String(match.output.1), String(match.output.2)))
        }
        Issue.record("\(name) does not end with '});'")
        return entries
    }

    static func expect<E: CaseIterable & RawRepresentable>(_ type: E.Type, as name: String) throws {
        let swift = E.allCases.map { ("\($0)", "\($0.rawValue)") }
        let js = try table(name)
        #expect(js.map(\.name) == swift.map(\.0), "\(name): names or order differ")
        #expect(js.map(\.value) == swift.map(\.1), "\(name): values differ")
    }

    @Test func messageKinds() throws { try Self.expect(MessageKind.self, as: "MessageKind") }
    @Test func editCodes() throws { try Self.expect(EditCode.self, as: "EditCode") }
    @Test func resultModes() throws { try Self.expect(ResultMode.self, as: "ResultMode") }
    @Test func objectOperations() throws { try Self.expect(ObjectOperation.self, as: "ObjectOperation") }
    @Test func callTargets() throws { try Self.expect(CallTarget.self, as: "CallTarget") }
    @Test func markers() throws { try Self.expect(Marker.self, as: "Marker") }
    @Test func closeCodes() throws { try Self.expect(CloseCode.self, as: "CloseCode") }
    @Test func behaviourAttributes() throws { try Self.expect(BehaviourAttribute.self, as: "BehaviourAttribute") }
    @Test func clientCommandNames() throws { try Self.expect(ClientCommandName.self, as: "ClientCommandName") }
    @Test func stateEffectKinds() throws { try Self.expect(StateEffectKind.self, as: "StateEffectKind") }
    @Test func connectionClasses() throws { try Self.expect(ConnectionClass.self, as: "ConnectionClass") }
    @Test func wasmAttributes() throws { try Self.expect(WasmAttribute.self, as: "WasmAttribute") }
    @Test func wasmQueryParameters() throws { try Self.expect(WasmQuery.self, as: "WasmQuery") }
    @Test func wasmStatuses() throws { try Self.expect(WasmStatus.self, as: "WasmStatus") }
    @Test func wasmResultKinds() throws { try Self.expect(WasmResultKind.self, as: "WasmResultKind") }
    @Test func wasmLogLevels() throws { try Self.expect(WasmLogLevel.self, as: "WasmLogLevel") }

    /// The module's imports and exports are literals in the TetherWasm sources, which no enum can
    /// name: they must be exactly protocol.js's `WasmImport` and `WasmExport`, bar the memory,
    /// which the linker exports.
    @Test func wasmImportsAndExportsMatchTheSources() throws {
        let folder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/TetherWasm")
        var sources = ""
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".swift") {
            sources += try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        }
        let imports = sources.matches(of: #/@_extern\(wasm, module: "tether", name: "(\w+)"\)/#).map { String($0.output.1) }
        let exports = sources.matches(of: #/@_expose\(wasm, "(\w+)"\)/#).map { String($0.output.1) }
        #expect(Set(imports) == Set(try Self.table("WasmImport").map(\.value)), "the module's imports")
        #expect(Set(exports) == Set(try Self.table("WasmExport").map(\.value).filter { $0 != "memory" }), "the module's exports")
    }

    @Test func eventNames() throws {
        let lines = Self.source.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: "export const EventNames = Object.freeze(["))
        let end = try #require(lines[start...].firstIndex(of: "]);"))
        let names = try lines[(start + 1)..<end].map { line in
            String(try #require(line.wholeMatch(of: #/  '([a-z]+)',/#), "not `'name',`: \(line)").output.1)
        }
        #expect(names == DOMEventName.allCases.map(\.rawValue))
    }
}
