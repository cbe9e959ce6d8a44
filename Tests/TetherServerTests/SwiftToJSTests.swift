import Testing
import TetherInterop

/// The quote `CallJsExample1` sends as windows-1251 bytes (all ASCII), and what `convertArray`
/// returns for it in the browser.
private let quote = "<em>Can't stop the signal, Mal.</em> - Mr. Universe\n\n"

@Suite("Swift→JS calls over the circuit")
struct SwiftToJSTests {
    @Test("Convert Array: the server calls convertArray with the 53 bytes and renders the returned markup")
    func convertArray() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/call-js-example-1")
            let handler = try #require(page.dom.handlerID("click") { $0.tag == "button" && $0.textContent == "Convert Array" })
            #expect(!page.html.contains("<em>"), "the quote is not shown before the click")

            try await client.send(["ev", .string(handler), ["type": "click"]])
            let call = try await client.nextCall()
            #expect(call.identifier == "convertArray")
            #expect(call.mode == 0, "a JSON result")
            try #require(call.arguments.count == 1, "one argument, the array: \(call.arguments)")
            let numbers = try #require(call.arguments[0].arrayValue).compactMap(\.intValue)
            #expect(numbers.count == 53)
            #expect(numbers.allSatisfy { (0...255).contains($0) })
            #expect(String(decoding: numbers.map(UInt8.init), as: UTF8.self) == quote)

            try await client.send(["done", .number(call.id), true, .string(quote)])
            let batch = try await client.nextRender()
            // The handler's render while it awaited JS changed nothing, so sent no batch.
            #expect(batch.number == 1)
            #expect(batch.insertedHTML.contains { $0.contains("<em>Can't stop the signal, Mal.</em>") }, "\(batch)")
            // The markup went in as a markup run, not as escaped text.
            let run = try #require(client.dom?.root.first { $0.kind == .markup && !$0.text.isEmpty })
            #expect(run.text == quote)
            #expect(client.unexpectedMessages.isEmpty)
        }
    }

    @Test("each Convert Array click is a new call; an unchanged page gets no batch")
    func convertArrayAgain() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/call-js-example-1")
            let handler = try #require(page.dom.handlerID("click") { $0.tag == "button" && $0.textContent == "Convert Array" })
            let click: JSONValue = ["ev", .string(handler), ["type": "click"]]
            try await client.send(click)
            let first = try await client.nextCall("convertArray")
            try await client.send(["done", .number(first.id), true, .string(quote)])
            #expect(try await client.nextRender().number == 1)

            try await client.send(click)
            let second = try await client.nextCall("convertArray")
            #expect(second.id != first.id)
            try await client.send(["done", .number(second.id), true, .string(quote)])
            // Events run one after another, so the third call is sent only after the second
            // handler has finished and rendered: a batch for it would be queued before this call.
            try await client.send(click)
            let third = try await client.nextCall("convertArray")
            #expect(!client.unconsumed.contains { $0.isKind("r") }, "no batch for an unchanged page: \(client.unconsumed)")
            try await client.send(["done", .number(third.id), true, "<b>changed</b>"])
            let batch = try await client.nextRender()
            #expect(batch.number == 2)
            #expect(batch.insertedHTML.contains { $0.contains("<b>changed</b>") })
        }
    }

    @Test("a failed JS call on /interop-lab is rendered as the page's error, and the circuit keeps working")
    func failureIsSurvived() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/interop-lab")
            try await client.input(id: "identifier", value: "lab.explode")
            try await client.renders(until: "the identifier is bound") { $0.element(id: "identifier")?.attribute("value") == "lab.explode" }
            try await client.click(id: "invoke")
            let call = try await client.nextCall("lab.explode")
            #expect(call.arguments.isEmpty)
            try await client.send(["done", .number(call.id), false, ["message": "boom", "stack": "Error: boom\n    at lab.explode"]])
            try await client.renders(until: "#result shows the JS error") { $0.element(id: "result")?.textContent == "error:js:boom" }
            #expect(client.dom?.element(id: "status")?.textContent == "idle")

            // The same circuit still calls JS and renders the answer.
            try await client.click(id: "invoke")
            let again = try await client.nextCall("lab.explode")
            #expect(again.id != call.id)
            try await client.send(["done", .number(again.id), true, ["ok": true]])
            try await client.renders(until: "#result shows the value") { $0.element(id: "result")?.textContent == #"ok:{"ok":true}"# }
            #expect(client.unexpectedMessages.isEmpty)
            #expect(!client.isClosed)
        }
    }

    @Test("a failure whose error is a bare string still reaches the component as the message")
    func failureAsString() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/interop-lab")
            try await client.input(id: "identifier", value: "lab.reject")
            try await client.click(id: "invoke")
            let call = try await client.nextCall("lab.reject")
            try await client.send(["done", .number(call.id), false, "plain reason"])
            try await client.renders(until: "#result shows the reason") { $0.element(id: "result")?.textContent == "error:js:plain reason" }
        }
    }

    @Test("the page shows 'running…' while the call is in flight")
    func loadingState() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/interop-lab")
            try await client.input(id: "identifier", value: "lab.slow")
            try await client.click(id: "invoke")
            let call = try await client.nextCall("lab.slow")
            try await client.renders(until: "#status shows running") { $0.element(id: "status")?.textContent == "running…" }
            try await client.send(["done", .number(call.id), true, 7])
            try await client.renders(until: "the call is done") {
                $0.element(id: "status")?.textContent == "idle" && $0.element(id: "result")?.textContent == "ok:7"
            }
        }
    }

    @Test("arguments and result types: an int result that is not an int is a decoding error; void sends mode 1")
    func resultTypes() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/interop-lab")
            try await client.input(id: "identifier", value: "lab.fn")
            try await client.input(id: "args", value: #"[1,"two",{"three":[3]}]"#)
            try await client.fire("change", id: "result-type", ["type": "change", "value": "int"])
            try await client.renders(until: "the inputs are bound") { $0.element(id: "args")?.textContent == #"[1,"two",{"three":[3]}]"# }
            try await client.click(id: "invoke")
            let call = try await client.nextCall("lab.fn")
            #expect(call.arguments == [1, "two", ["three": [3]]])
            #expect(call.mode == 0)
            try await client.send(["done", .number(call.id), true, "not a number"])
            try await client.renders(until: "#result shows a decoding error") {
                $0.element(id: "result")?.textContent.hasPrefix("error:decoding:") ?? false
            }

            try await client.fire("change", id: "result-type", ["type": "change", "value": "void"])
            try await client.click(id: "invoke")
            let void = try await client.nextCall("lab.fn")
            #expect(void.mode == 1, "a void call asks for no value")
            try await client.send(["done", .number(void.id), true, nil])
            try await client.renders(until: "#result shows ok:null") { $0.element(id: "result")?.textContent == "ok:null" }
        }
    }

    @Test("an unanswered call times out, and its late completion is dropped quietly")
    func timeoutThenLateCompletion() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/interop-lab")
            try await client.input(id: "identifier", value: "lab.never")
            try await client.input(id: "timeout-ms", value: "100")
            try await client.click(id: "invoke")
            let call = try await client.nextCall("lab.never")
            try await client.renders(until: "#result shows the timeout") {
                $0.element(id: "result")?.textContent.hasPrefix("error:timeout:") ?? false
            }
            #expect(client.dom?.element(id: "result")?.textContent.contains("The JavaScript call 'lab.never' timed out") == true)

            try await client.send(["done", .number(call.id), true, 1])
            // The circuit answers the next message and nothing came before it.
            try await client.send(["inv", 90, "Demo", "Add", [1, 2]])
            #expect(try await client.nextResult(id: 90).value == 3)
            #expect(!client.unconsumed.contains { $0.isKind("err") }, "\(client.unconsumed)")
            #expect(client.dom?.element(id: "result")?.textContent.hasPrefix("error:timeout:") == true)
        }
    }

    @Test("a cancelled call fails with CancellationError, and its late completion is dropped quietly")
    func cancelThenLateCompletion() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/interop-lab")
            try await client.input(id: "identifier", value: "lab.cancelled")
            try await client.input(id: "cancel-after-ms", value: "50")
            try await client.renders(until: "the delay is bound") { $0.element(id: "cancel-after-ms")?.attribute("value") == "50" }
            try await client.click(id: "invoke-cancel")
            let call = try await client.nextCall("lab.cancelled")
            try await client.renders(until: "#result shows the cancellation") {
                $0.element(id: "result")?.textContent == "error:cancelled:the call was cancelled"
            }
            try await client.send(["done", .number(call.id), true, 1])
            try await client.send(["inv", 91, "Demo", "Add", [2, 2]])
            #expect(try await client.nextResult(id: 91).value == 4)
            #expect(!client.unconsumed.contains { $0.isKind("err") }, "\(client.unconsumed)")
        }
    }

    @Test("an exception escaping an event handler is reported as 'fatal', and the server closes the circuit")
    func handlerExceptionIsFatal() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/call-js-example-1")
            let handler = try #require(page.dom.handlerID("click") { $0.tag == "button" && $0.textContent == "Convert Array" })
            try await client.send(["ev", .string(handler), ["type": "click"]])
            let call = try await client.nextCall("convertArray")
            try await client.send(["done", .number(call.id), false, ["message": "TextDecoder is not defined", "stack": nil]])
            // detailedErrors is off: the browser learns nothing of the error.
            let fatal = try await client.nextFatal()
            #expect(fatal == "An error has occurred.")
            // The wire table: "fatal: message; the server closes the circuit".
            try await client.waitUntilClosed(timeout: .seconds(2))
        }
    }
}
