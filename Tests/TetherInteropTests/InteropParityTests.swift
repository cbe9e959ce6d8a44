import Foundation
import Testing
@testable import TetherInterop
import TetherProtocol

private struct Ordered: Codable, Equatable, Sendable {
    let zebra: Int
    let apple: String
    let middle: [Int]
    let nested: Inner
    struct Inner: Codable, Equatable, Sendable {
        let second: Bool
        let first: Double?
    }
}

private struct Customer: Decodable, Equatable {
    let id: Int
    let name: String
}

private final class Greeter: JSInvokableObject {
    let name: String
    init(name: String) { self.name = name }
    static func exposeMethods(_ methods: inout ObjectMethodTable<Greeter>) {
        methods.expose("Greet") { greeter in "Hello, \(greeter.name)!" }
        // A reference JS passes back arrives as the same object.
        methods.expose("IsSame") { (greeter: Greeter, other: SwiftObjectReference<Greeter>) in other.value === greeter }
    }
}

private final class Other: JSInvokableObject {
    static func exposeMethods(_ methods: inout ObjectMethodTable<Other>) {}
}

private struct Holder: Codable {
    let label: String
    let greeter: SwiftObjectReference<Greeter>
}

private struct WithHandles: Decodable {
    let chart: JSObjectReference
    let file: JSStreamReference
}

/// Interop as Blazor users know it: references that round-trip and nest, stable JSON, tolerant
/// property names.
@Suite("Interop parity with Blazor", .timeLimit(.minutes(1)))
struct InteropParityTests {
    @Test("JSON objects keep declaration order, the same in every encoding")
    func declarationOrder() throws {
        let value = Ordered(zebra: 1, apple: "a", middle: [3, 2], nested: .init(second: true, first: 1.5))
        let expected = #"{"zebra":1,"apple":"a","middle":[3,2],"nested":{"second":true,"first":1.5}}"#
        for _ in 0..<20 { #expect(try InteropCoding.encode(value) == expected) }
        let (channel, _, _) = makeChannel()
        #expect(try channel.encode(value) == expected)
        #expect(try InteropCoding.encode(Ordered.Inner(second: false, first: nil)) == #"{"second":false}"#)
    }

    @Test("results decode case-insensitively when no exact name matches, as Blazor's web defaults do")
    func caseInsensitiveNames() throws {
        let (channel, _, _) = makeChannel()
        #expect(try channel.decode(Customer.self, from: ["Id": 7, "Name": "Ada"]) == Customer(id: 7, name: "Ada"))
        #expect(try channel.decode(Customer.self, from: ["ID": 7, "NAME": "Ada"]) == Customer(id: 7, name: "Ada"))
        // An exact match wins over one that differs only in case.
        #expect(try channel.decode(Customer.self, from: ["Name": "wrong", "id": 1, "name": "right"]).name == "right")
    }

    @Test("numbers are checked: a whole number in any spelling fits, a fraction or an overflow does not")
    func checkedNumbers() throws {
        let (channel, _, _) = makeChannel()
        #expect(try channel.decode([Int].self, from: [1, .number("1e3"), .number("-0")]) == [1, 1000, 0])
        #expect(throws: DecodingError.self) { try channel.decode([Int].self, from: [.number("1.5")]) }
        #expect(throws: DecodingError.self) { try channel.decode([Int8].self, from: [300]) }
        #expect(throws: DecodingError.self) { try channel.decode([Double].self, from: [.number("1e400")]) }
        #expect(try channel.decode([UInt64].self, from: [.number("18446744073709551615")]) == [UInt64.max])
    }

    @Test("a Swift object reference comes back from JS as the same object, whole or nested, and keeps its id")
    func swiftReferenceRoundTrip() throws {
        let (channel, _, _) = makeChannel()
        let greeter = Greeter(name: "Ada")
        let reference = SwiftObjectReference(greeter)
        let sent = try channel.encode(reference)
        #expect(sent == #"{"__tetherObject":1}"#)
        let back = try channel.decode(SwiftObjectReference<Greeter>.self, from: ["__tetherObject": 1])
        #expect(back.value === greeter)
        #expect(try channel.encode(back) == sent, "the same id, not a second registration")
        #expect(channel.objects.count == 1)

        let holder = try channel.decode(Holder.self, from: ["label": "x", "greeter": ["__tetherObject": 1]])
        #expect(holder.greeter.value === greeter)
        #expect(try channel.encode(holder) == #"{"label":"x","greeter":{"__tetherObject":1}}"#)

        #expect(throws: DecodingError.self) { try channel.decode(SwiftObjectReference<Other>.self, from: ["__tetherObject": 1]) }
        #expect(throws: DecodingError.self) { try channel.decode(SwiftObjectReference<Greeter>.self, from: ["__tetherObject": 99]) }
    }

    @Test("an exposed method receives a reference JS passed back, and Swift can dispose what it handed out")
    func referenceAsParameterAndDispose() async throws {
        let (channel, outbox, _) = makeChannel()
        let reference = SwiftObjectReference(Greeter(name: "Ada"))
        _ = try channel.encode(reference)
        await channel.dispatchInvocation(id: 1, target: .object(1), method: "IsSame", args: [["__tetherObject": 1]], exports: JSExports())
        #expect(outbox.invocationResults.last?.successJSON == "true")

        reference.dispose()
        #expect(channel.objects.count == 0)
        await channel.dispatchInvocation(id: 2, target: .object(1), method: "Greet", args: [], exports: JSExports())
        #expect(outbox.invocationResults.last?.failureMessage == "There is no tracked object with id 1. It may have been disposed.")
        reference.dispose()
    }

    @Test("JS object and stream references decode anywhere in a value, and as parameters of exposed methods")
    func nestedJSHandles() async throws {
        let (channel, outbox, _) = makeChannel()
        let handles = try channel.decode(WithHandles.self, from: ["chart": ["__tetherJSObject": 7], "file": ["__tetherJSStream": 8, "length": 5]])
        #expect(handles.chart.id == 7)
        #expect(handles.file.length == 5)
        #expect(throws: DecodingError.self) {
            try channel.decode(JSStreamReference.self, from: ["__tetherJSStream": 8, "length": -1])
        }

        var exports = JSExports()
        exports.module("Charts") { module in
            module.expose("Id") { (chart: JSObjectReference) in chart.id }
            module.expose("Ids") { (charts: [JSObjectReference]) in charts.map(\.id) }
        }
        await channel.dispatchInvocation(id: 1, target: .module("Charts"), method: "Id", args: [["__tetherJSObject": 3]], exports: exports)
        #expect(outbox.invocationResults.last?.successJSON == "3")
        await channel.dispatchInvocation(
            id: 2, target: .module("Charts"), method: "Ids", args: [[["__tetherJSObject": 4], ["__tetherJSObject": 5]]], exports: exports)
        #expect(outbox.invocationResults.last?.successJSON == "[4,5]")
        // A JS handle Swift sends back arrives in JS as the object itself.
        #expect(try channel.encode(handles.chart) == #"{"__tetherJSObject":7}"#)
    }

    @Test("global getValue and setValue read and assign by path from window")
    func globalValues() async throws {
        let (_, outbox, js) = makeChannel()
        async let title: String = js.getValue("document.title")
        let get = try await outbox.waitForCall()
        #expect(get.identifier == "document.title" && get.operation == .get && get.target == 0)
        js.channel.complete(callID: get.id, outcome: .success("Tether"))
        #expect(try await title == "Tether")

        async let set: Void = js.setValue("app.theme", "dark")
        let assignment = try await outbox.waitForCalls(2)[1]
        #expect(assignment.operation == .set && assignment.arguments == #"["dark"]"#)
        js.channel.complete(callID: assignment.id, outcome: .success(nil))
        try await set
    }
}
