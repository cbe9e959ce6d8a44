import TetherInterop
import TetherUI

/// Swift holding JS objects: an imported ES module, a constructed object, a DOM element, and
/// byte arrays sent both ways in binary frames.
public final class JSObjects: Page {
    public static let route = "/js-objects"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    @Inject(\.js) var js
    private let nameInput = ElementReference()
    private var module: JSObjectReference?
    private var moduleResult = ""
    private var objectResult = ""
    private var focusResult = ""
    private var bytesResult = ""

    public var body: Content {
        h1 { "JS objects" }
        p {
            button(.id("import-module"), .type("button")) { "Import module" }.onClick { try await self.importModule() }
            " "
            output(.id("module-result")) { moduleResult }
        }
        p {
            button(.id("construct"), .type("button")) { "Construct a LabCounter" }.onClick { try await self.constructObject() }
            " "
            output(.id("object-result")) { objectResult }
        }
        p {
            input(.id("focus-target"), .type("text"), .placeholder("focused from Swift")).ref(nameInput)
            button(.id("focus"), .type("button")) { "Focus the input" }.onClick { try await self.focusInput() }
            " "
            output(.id("focus-result")) { focusResult }
        }
        p {
            button(.id("send-bytes"), .type("button")) { "Send 1 MB both ways" }.onClick { try await self.roundTripBytes() }
            " "
            output(.id("bytes-result")) { bytesResult }
        }
    }

    private func importModule() async throws {
        let module = try await js.importModule("/js/objects-module.js")
        let again = try await js.importModule("/js/objects-module.js")
        let greeting: String = try await module.invoke("greet", "Ada")
        let loads: Int = try await again.invoke("loadCount")
        again.dispose()
        self.module?.dispose()
        self.module = module
        moduleResult = "\(greeting) loads=\(loads)"
    }

    private func constructObject() async throws {
        let counter = try await js.construct("LabCounter", 5)
        let incremented: Int = try await counter.invoke("inc")
        try await counter.setProperty("value", 41)
        let afterSet: Int = try await counter.invoke("inc")
        let property: Int = try await counter.getProperty("value")
        counter.dispose()
        let afterDispose: String
        do {
            let _: Int = try await counter.invoke("inc")
            afterDispose = "still usable"
        } catch let error as JSObjectDisposedError {
            afterDispose = "\(error)"
        }
        objectResult = "inc=\(incremented) afterSet=\(afterSet) value=\(property) disposed: \(afterDispose)"
    }

    private func focusInput() async throws {
        let focused: Bool = try await js.invoke("labFocus", nameInput)
        focusResult = focused ? "focused" : "not focused"
    }

    private struct ByteReport: Decodable {
        let type: String
        let length: Int
        let sum: Int
    }

    private func roundTripBytes() async throws {
        let bytes = (0..<(1 << 20)).map { UInt8($0 % 256) }
        let report: ByteReport = try await js.invoke("labDescribeBytes", bytes)
        let reversed: [UInt8] = try await js.invoke("labReverseBytes", bytes)
        let expectedSum = bytes.reduce(0) { ($0 + Int($1)) % 1_000_003 }
        let ok = reversed == bytes.reversed() && report.sum == expectedSum
        bytesResult = "js=\(report.type) length=\(report.length) back=\(reversed.count) match=\(ok)"
    }
}
