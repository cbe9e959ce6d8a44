import TetherInterop
import TetherUI

/// A page for exploring Swift→JS calls by hand: pick an identifier, arguments, a result type and a
/// timeout, then invoke. `#result` reads `ok:<json>` or `error:<kind>:<message>`.
public final class InteropLab: Page {
    public static let route = "/interop-lab"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    @Inject(\.js) var js

    private var identifier = ""
    private var argsText = "[]"
    private var timeoutMs = ""
    private var resultType = "json"
    private var cancelAfterMs = ""
    private var result = ""
    private var running = false

    public var body: Content {
        h1 { "Interop lab" }
        p {
            label(.for("identifier")) { "Identifier " }
            input(.id("identifier"), .type("text"), .value(identifier), .placeholder("someScope.someFunction"))
                .onInput { self.identifier = $0.value ?? "" }
        }
        p {
            label(.for("args")) { "Arguments (JSON array) " }
            textarea(.id("args")) { argsText }.onInput { self.argsText = $0.value ?? "" }
        }
        p {
            label(.for("timeout-ms")) { "Timeout (ms, empty for the default) " }
            input(.id("timeout-ms"), .type("number"), .value(timeoutMs)).onInput { self.timeoutMs = $0.value ?? "" }
        }
        p {
            label(.for("result-type")) { "Result type " }
            select(.id("result-type")) {
                for type in ["json", "int", "string", "void"] {
                    option(.value(type), .selected(type == resultType)) { type }
                }
            }.onChange { self.resultType = $0.value ?? "json" }
        }
        p {
            button(.id("invoke"), .type("button")) { "Invoke" }.onClick { await self.invoke(cancelAfter: nil) }
        }
        p {
            label(.for("cancel-after-ms")) { "Cancel after (ms) " }
            input(.id("cancel-after-ms"), .type("number"), .value(cancelAfterMs)).onInput { self.cancelAfterMs = $0.value ?? "" }
            button(.id("invoke-cancel"), .type("button")) { "Invoke, then cancel" }
                .onClick { await self.invoke(cancelAfter: Int(self.cancelAfterMs) ?? 0) }
        }
        p(.id("status")) { running ? "running…" : "idle" }
        output(.id("result")) { result }
    }

    private func invoke(cancelAfter: Int?) async {
        guard case .array(let args)? = try? JSONParser.parse(argsText) else {
            result = "error:args:the arguments must be a JSON array"
            return
        }
        let timeout: CallTimeout = Int(timeoutMs).map { .milliseconds($0) } ?? .appDefault
        let js = js
        let identifier = identifier
        let resultType = resultType
        let call = Task { () async throws -> String in
            switch resultType {
            case "int": return String(try await js.invoke(identifier, arguments: args, as: Int.self, timeout: timeout))
            case "string": return JSONText.quoted(try await js.invoke(identifier, arguments: args, as: String.self, timeout: timeout))
            case "void":
                try await js.invokeVoid(identifier, arguments: args, timeout: timeout)
                return "null"
            default: return try await js.invoke(identifier, arguments: args, as: JSONValue.self, timeout: timeout).serialized()
            }
        }
        if let cancelAfter {
            Task {
                try? await Task.sleep(for: .milliseconds(cancelAfter))
                call.cancel()
            }
        }
        running = true
        defer { running = false }
        do {
            result = "ok:" + (try await call.value)
        } catch {
            result = Self.describe(error)
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let e as JSException: "error:js:\(e.message)"
        case let e as JSTimeoutError: "error:timeout:\(e)"
        case is CancellationError: "error:cancelled:the call was cancelled"
        case let e as JSDisconnectedError: "error:disconnected:\(e)"
        case let e as JSResultDecodingError: "error:decoding:\(e)"
        default: "error:other:\(error)"
        }
    }
}
