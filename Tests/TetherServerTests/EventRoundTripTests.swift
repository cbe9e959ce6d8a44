import HTTPTypes
import Testing
import TetherInterop

@Suite("Events up, render batches down")
struct EventRoundTripTests {
    @Test("three clicks on #increment give batches 1, 2, 3, each one set-text edit of #count")
    func threeClicks() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/counter")
            let handler = try #require(page.dom.handlerID("click", id: "increment"))
            #expect(page.html.contains("data-t-click=\"\(handler)\""))
            #expect(page.dom.element(id: "count")?.textContent == "0")

            var paths: [JSONValue] = []
            for expected in 1...3 {
                try await client.send(["ev", .string(handler), ["type": "click"]])
                let batch = try await client.nextRender()
                #expect(batch.number == expected)
                try #require(batch.edits.count == 1, "\(batch)")
                let edit = batch.edits[0]
                #expect(edit[0] == 3, "a set-text edit: \(edit)")
                #expect(edit[2] == .string(String(expected)))
                paths.append(edit[1] ?? .null)
                // The edit's path really is #count's text: the patched page shows the new count.
                #expect(client.dom?.element(id: "count")?.textContent == String(expected))
            }
            #expect(Set(paths).count == 1, "every batch patches the same text node: \(paths)")
            #expect(client.unconsumed.isEmpty, "nothing else was sent: \(client.unconsumed)")
        }
    }

    @Test("without acks, batches still come, numbered in order")
    func noAcks() async throws {
        try await withDemoServer { server in
            let page = try await server.fetchPage("/counter")
            let client = try await server.connect(dom: page.dom, autoAck: false)
            try await client.start(descriptor: page.descriptor, url: server.origin + "/counter")
            for expected in 1...2 {
                try await client.click(id: "increment")
                #expect(try await client.nextRender().number == expected)
            }
            // A late ack, or one for a batch never sent, is accepted silently.
            try await client.send(["ack", 2], ["ack", 1], ["ack", 99])
            try await client.click(id: "increment")
            let next = try await client.nextMessage()
            #expect(next.isKind("r") && next[1] == 3, "\(next)")
        }
    }

    @Test("events in one frame are handled in order, one batch each")
    func eventsInOneFrame() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/counter")
            let handler = try #require(page.dom.handlerID("click", id: "increment"))
            let click: JSONValue = ["ev", .string(handler), ["type": "click"]]
            try await client.send(click, click, click)
            let texts = try await [client.nextRender(), client.nextRender(), client.nextRender()].map { $0.edits.first?[2] }
            #expect(texts == ["1", "2", "3"])
            #expect(client.dom?.element(id: "count")?.textContent == "3")
        }
    }

    @Test("a numbered event is answered with evd after its render; a refused one too; an unnumbered one never")
    func eventHandled() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/counter")
            let handler = try #require(page.dom.handlerID("click", id: "increment"))
            try await client.send(["ev", .string(handler), ["type": "click"], 7])
            let render = try await client.nextMessage()
            #expect(render.isKind("r"), "the render comes first: \(render)")
            let handled = try await client.nextMessage()
            #expect(handled == ["evd", 7])
            // A handler id the circuit does not know is refused, and still answered.
            try await client.send(["ev", "99.7", ["type": "click"], 8])
            #expect(try await client.nextError().contains("no event handler with id '99.7'"))
            #expect(try await client.nextMessage() == ["evd", 8])
            try await client.send(["ev", .string(handler), ["type": "click"]])
            _ = try await client.nextRender()
            try await client.send(["ev", .string(handler), ["type": "click"], "9"])
            #expect(try await client.nextError() == "malformed 'ev' message: expected an integer sequence number")
            #expect(client.unconsumed.isEmpty, "no evd for an event without a number: \(client.unconsumed)")
        }
    }

    @Test("an unknown handler id gets 'err', and the next valid click still renders")
    func unknownHandler() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/counter")
            try await client.send(["ev", "99.7", ["type": "click"]])
            let error = try await client.nextError()
            #expect(error.contains("no event handler with id '99.7'"))

            try await client.click(id: "increment")
            let batch = try await client.nextRender()
            #expect(batch.number == 1)
            #expect(client.dom?.element(id: "count")?.textContent == "1")
            #expect(client.unexpectedMessages.isEmpty)
        }
    }

    @Test("event args of the wrong shape get 'err' naming the problem, and the handler does not run", arguments: [
        (JSONValue.string("click"), "must be an object"),
        (["button": 0], "lack a 'type'"),
        (["type": "click", "button": "left"], "'button' must be an integer"),
    ] as [(JSONValue, String)])
    func malformedArgs(args: JSONValue, reason: String) async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/counter")
            let handler = try #require(page.dom.handlerID("click", id: "increment"))
            try await client.send(["ev", .string(handler), args])
            let error = try await client.nextError()
            #expect(error.contains("malformed args for handler '\(handler)'"))
            #expect(error.contains(reason))

            try await client.click(id: "increment")
            try await client.nextRender()
            // The refused event did not count.
            #expect(client.dom?.element(id: "count")?.textContent == "1")
        }
    }

    @Test("two circuits on one page keep their own state")
    func circuitsAreIsolated() async throws {
        try await withDemoServer { server in
            let (a, _) = try await server.startCircuit("/counter")
            let (b, _) = try await server.startCircuit("/counter")
            for _ in 1...3 {
                try await a.click(id: "increment")
                try await a.nextRender()
            }
            try await b.click(id: "increment")
            let batch = try await b.nextRender()
            #expect(batch.number == 1)
            #expect(b.dom?.element(id: "count")?.textContent == "1")
            #expect(a.dom?.element(id: "count")?.textContent == "3")
            #expect(a.unconsumed.isEmpty && b.unconsumed.isEmpty)
        }
    }

    @Test("a handler id from another circuit's page works only for that page's own handlers")
    func handlerIDsArePerCircuit() async throws {
        try await withDemoServer { server in
            let (counter, counterPage) = try await server.startCircuit("/counter")
            let (other, _) = try await server.startCircuit("/no/such/page", status: .notFound)
            let handler = try #require(counterPage.dom.handlerID("click", id: "increment"))
            // The not-found page renders no handlers, so the counter's id means nothing there.
            try await other.send(["ev", .string(handler), ["type": "click"]])
            #expect(try await other.nextError().contains("no event handler"))
            try await counter.send(["ev", .string(handler), ["type": "click"]])
            #expect(try await counter.nextRender().number == 1)
        }
    }
}
