import Foundation
import Synchronization
import TetherInterop
import TetherUI

/// Each row of Blazor's interop that Tether matches, run end to end in the browser: references
/// passed back and nested, JS-made references, nested streams, disposal from both sides, global
/// get and set, case-insensitive results and declaration-ordered JSON. Every check writes "ok" or
/// what went wrong into its own output.
public final class InteropParity: Page {
    public static let route = "/interop-parity"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    @Inject(\.js) var js
    private var results: [String: String] = [:]

    static let checks: [(id: String, label: String)] = [
        ("swift-ref-back", "A Swift reference comes back from JS, nested in a result"),
        ("swift-ref-arg", "JS passes a Swift reference to an exposed method, whole and nested"),
        ("js-ref", "JS makes a reference to its object; Swift calls it, then disposes it"),
        ("js-ref-param", "An exposed method takes a JS reference as a parameter"),
        ("nested-stream", "A JS stream reference nested in a result is read in Swift"),
        ("dispose-swift", "Swift disposes a reference it handed out; JS calls then reject"),
        ("global-values", "Global getValue and setValue; a missing property fails"),
        ("case-insensitive", "A PascalCase result decodes into camelCase properties"),
        ("ordered-json", "JSON keeps declaration order"),
    ]

    public var body: Content {
        h1 { "Interop parity" }
        p { button(.id("run-all"), .type("button")) { "Run every check" }.onClick { await self.runAll() } }
        ul {
            for check in Self.checks {
                li { check.label; ": "; output(.id("result-\(check.id)")) { results[check.id] ?? "" } }
            }
        }
    }

    private func runAll() async {
        for check in Self.checks {
            do {
                try await run(check.id)
                results[check.id] = "ok"
            } catch {
                results[check.id] = "fail: \(error)"
            }
        }
    }

    private func run(_ check: String) async throws {
        switch check {
        case "swift-ref-back":
            let helper = ParityHelper(name: "Ada")
            let back: Nested = try await js.invoke("parity.keepAndReturn", SwiftObjectReference(helper))
            try require(back.again.value === helper && back.list.count == 2 && back.list.allSatisfy { $0.value === helper }, "not the same object")
        case "swift-ref-arg":
            let same: Bool = try await js.invoke("parity.passBack", SwiftObjectReference(ParityHelper(name: "Bo")))
            try require(same, "the exposed method saw another object")
        case "js-ref":
            let made: MadeByJS = try await js.invoke("parity.makeChart")
            let renamed: String = try await made.chart.invoke("rename", "Costs")
            try require(renamed == "Costs" && made.label == "chart", "rename gave \(renamed)")
            made.chart.dispose()
            let stillThere: Bool = try await js.invoke("parity.chartAlive")
            try require(!stillThere, "the disposed chart is still held")
        case "js-ref-param":
            let title: String = try await js.invoke("parity.useChartFromJS")
            try require(title == "Sales", "the method read \(title)")
        case "nested-stream":
            let made: StreamHolder = try await js.invoke("parity.makeStream")
            var bytes: [UInt8] = []
            for try await chunk in made.file.openReadStream() { bytes += chunk }
            try require(bytes == [1, 2, 3, 4] && made.file.length == 4, "read \(bytes)")
        case "dispose-swift":
            let reference = SwiftObjectReference(ParityHelper(name: "Cy"))
            try await js.invokeVoid("parity.keep", reference)
            let before: String = try await js.invoke("parity.callKept")
            reference.dispose()
            let after: String = try await js.invoke("parity.callKept")
            try require(before == "Hello, Cy!" && after.contains("There is no tracked object"), "\(before) / \(after)")
        case "global-values":
            try await js.setValue("parityState.theme", "dark")
            let theme: String = try await js.getValue("parityState.theme")
            try require(theme == "dark", "read \(theme)")
            do {
                let _: String = try await js.getValue("parityState.missing")
                throw ParityFailure("a missing property was read")
            } catch let error as JSException {
                try require(error.message.contains("is not defined"), error.message)
            }
        case "case-insensitive":
            let customer: Customer = try await js.invoke("parity.pascalCustomer")
            try require(customer.id == 7 && customer.name == "Ada", "\(customer)")
        case "ordered-json":
            let text: String = try await js.invoke("JSON.stringify", Ordered(zebra: 1, apple: "a", middle: [3, 2]))
            try require(text == #"{"zebra":1,"apple":"a","middle":[3,2]}"#, text)
        default:
            throw ParityFailure("no check named \(check)")
        }
    }

    private func require(_ condition: Bool, _ what: String) throws {
        if !condition { throw ParityFailure(what) }
    }

    struct ParityFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    struct Nested: Decodable {
        let again: SwiftObjectReference<ParityHelper>
        let list: [SwiftObjectReference<ParityHelper>]
    }

    struct MadeByJS: Decodable {
        let label: String
        let chart: JSObjectReference
    }

    struct StreamHolder: Decodable {
        let file: JSStreamReference
    }

    struct Customer: Decodable {
        let id: Int
        let name: String
    }

    struct Ordered: Encodable {
        let zebra: Int
        let apple: String
        let middle: [Int]
    }
}

/// The Swift object the parity checks hand to JS.
public final class ParityHelper: JSInvokableObject {
    let name: String
    init(name: String) { self.name = name }

    public static func exposeMethods(_ methods: inout ObjectMethodTable<ParityHelper>) {
        methods.expose("Greet") { helper in "Hello, \(helper.name)!" }
    }
}

/// The exposed methods the parity checks call from JS.
enum ParityMethods {
    static func register(in exports: inout JSExports) {
        exports.module("Parity") { parity in
            parity.expose("SameHelper") { (whole: SwiftObjectReference<ParityHelper>, nested: [String: SwiftObjectReference<ParityHelper>]) in
                nested["helper"]?.value === whole.value
            }
            parity.expose("ChartTitle") { (chart: JSObjectReference) async throws in
                try await chart.getProperty("title", as: String.self)
            }
        }
    }
}
