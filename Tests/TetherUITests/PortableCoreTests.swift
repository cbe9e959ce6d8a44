import Testing
import TetherInterop
import TetherTesting
@testable import TetherUI

/// A row written as code that builds in the WebAssembly render mode: parameters copied by hand,
/// events forwarded to the parent's callbacks.
final class PortableRow: Component {
    var text: String
    var onRemove: EventCallback<Void>
    var onEdit: EventCallback<String>
    nonisolated(unsafe) static var bodies = 0
    static let parameters = Parameters.copied { (new: PortableRow, mounted: PortableRow) in
        let changed = mounted.text != new.text
        (mounted.text, mounted.onRemove, mounted.onEdit) = (new.text, new.onRemove, new.onEdit)
        return changed
    }

    init(text: String, onRemove: EventCallback<Void>, onEdit: EventCallback<String>) {
        self.text = text
        self.onRemove = onRemove
        self.onEdit = onEdit
    }

    var body: Content {
        let _ = Self.bodies += 1
        li {
            input(.id("edit-\(text)"), .value(text)).onChange(self.onEdit) { $0.value ?? "" }
            button(.id("remove-\(text)")) { "x" }.onClick(self.onRemove)
        }
    }
}

final class PortableList: Component {
    var rows = ["a", "b"]
    var body: Content {
        ul {
            for (index, row) in rows.enumerated() {
                PortableRow(
                    text: row, onRemove: EventCallback { self.rows.remove(at: index) },
                    onEdit: EventCallback { text in self.rows[index] = text }
                ).key(index)
            }
        }
        p(.id("rows")) { rows.joined(separator: ",") }
    }
}

// Serialized: PortableRow counts its bodies in a static.
@Suite("The portable core: what builds for both the server and Embedded wasm", .serialized)
struct PortableCoreTests {
    @Test func forwardedCallbacksRunTheParentsActionAndRerenderIt() async throws {
        let host = try await ComponentTestHost(PortableList())
        #expect(host.find("#rows")?.text == "a,b")
        try await host.click("#remove-a")
        #expect(host.find("#rows")?.text == "b")
        try await host.fire("change", at: "#edit-b", args: { var args = EventArgs(type: "change"); args.value = "c"; return args }())
        #expect(host.find("#rows")?.text == "c")
    }

    @Test func parametersCopiedByHandRerenderAChildOnlyWhenTheySaySo() async throws {
        let list = PortableList()
        let host = try await ComponentTestHost(list)
        let before = PortableRow.bodies
        // The parent re-renders; the rows' text is the same, so neither row's body runs again.
        list.stateHasChanged()
        try host.render()
        #expect(PortableRow.bodies == before)
        list.rows[1] = "z"
        list.stateHasChanged()
        try host.render()
        #expect(PortableRow.bodies == before + 1, "only the row whose text changed renders")
        #expect(host.find("#rows")?.text == "a,z")
    }

    @Test func htmlNamesFoldOnlyASCIICase() {
        #expect(Element("DIV").tag == "div")
        // Unicode's lowercasing would turn the dotted capital I into two scalars; HTML leaves it.
        #expect(Element("DİV").tag == "dİv")
        #expect("ÀbC".asciiLowercased == "Àbc")
        #expect(Attribute.neutralizeScriptURL(name: "href", value: "JavaScript:alert(1)") == "about:blank#blocked")
    }

    @Test func pathSegmentsPercentDecodeWithoutFoundation() {
        #expect(PercentDecoding.decode("caf%C3%A9") == "café")
        #expect(PercentDecoding.decode("a%2Fb") == "a/b")
        #expect(PercentDecoding.decode("plain") == "plain")
        #expect(PercentDecoding.decode("%ff") == nil, "not UTF-8")
        #expect(PercentDecoding.decode("%4") == nil, "a cut escape")
        #expect(PercentDecoding.decode("%zz") == nil, "not hex")
        #expect(RouteTemplate("/items/{name}").match("/items/caf%C3%A9") == ["name": "café"])
    }

    @Test func numberFieldsTrimSpacesAndTabsOnly() {
        #expect(" \t12 ".trimmingSpaces == "12")
        #expect("   ".trimmingSpaces == "")
    }
}

@Suite("JSONConvertible: interop values without Codable")
struct JSONConvertibleTests {
    @Test func standardTypesRoundTrip() throws {
        #expect(try String(jsonValue: "x") == "x")
        #expect(try Bool(jsonValue: true) == true)
        #expect(try Int(jsonValue: 42) == 42)
        #expect(try Int(jsonValue: .number("1e2")) == 100)
        #expect(try Double(jsonValue: .number("1.5")) == 1.5)
        #expect(try [UInt32](jsonValue: [1, 2]) == [1, 2])
        #expect(try Int?(jsonValue: .null) == nil)
        #expect([1, 2].jsonValue == [1, 2])
        #expect(Double.nan.jsonValue == .null)
    }

    @Test func mismatchesAreNamedNeverRoundedOrWrapped() {
        #expect(throws: JSONConversionError("expected an integer between 0 and 255, got 256")) { try UInt8(jsonValue: 256) }
        #expect(throws: JSONConversionError("expected an integer between 0 and 255, got -1")) { try UInt8(jsonValue: -1) }
        #expect(throws: JSONConversionError("expected an integer between \(Int.min) and \(Int.max), got 1.5")) { try Int(jsonValue: .number("1.5")) }
        #expect(throws: JSONConversionError("expected a finite number, got 1e400")) { try Double(jsonValue: .number("1e400")) }
        #expect(throws: JSONConversionError("item 1: expected a string, got number")) { try [String](jsonValue: ["a", 1]) }
        #expect(throws: JSONConversionError("member 'year': expected an integer, got string")) {
            let value: JSONValue = ["year": "1999"]
            _ = try value.member("year", as: Int.self)
        }
    }
}
