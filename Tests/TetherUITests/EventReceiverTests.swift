import Testing
import TetherInterop
import TetherTesting
@testable import TetherUI

/// A row that reports clicks only through the callbacks its parent hands down.
final class ReceiverRow: Component {
    var text: String
    var onRemove: EventCallback<Void>
    var draft: Binding<String>
    static let parameters = Parameters(\ReceiverRow.text, \.onRemove, \.draft)
    init(text: String, onRemove: EventCallback<Void>, draft: Binding<String>) {
        self.text = text
        self.onRemove = onRemove
        self.draft = draft
    }
    var body: Content {
        li(.class("row")) {
            text
            button(.id("remove-\(text)")) { "x" }.onClick { try await self.onRemove() }
            input(.id("draft-\(text)")).bind(draft, on: .input)
        }
    }
}

final class ReceiverList: Component {
    var rows = ["a", "b", "c"]
    var draft = ""
    var bodies = 0
    var body: Content {
        let _ = bodies += 1
        ul {
            for row in rows {
                ReceiverRow(text: row, onRemove: EventCallback { self.rows.removeAll { $0 == row } }, draft: binding(\.draft)).key(row)
            }
        }
        p(.id("draft")) { draft }
        button(.id("own")) { "own" }.onClick { self.rows.append("own") }
    }
}

final class ReceiverShell: Layout {
    /// Only the test below renders this layout.
    nonisolated(unsafe) static var bodies = 0
    var body: Content {
        let _ = Self.bodies += 1
        nav { "menu" }
        main { pageBody }
    }
}

final class ReceiverPage: Page {
    static let route = "/receiver"
    static let layout: (any Layout.Type)? = ReceiverShell.self
    var count = 0
    var body: Content {
        ReceiverList()
        button(.id("inc")) { "inc" }.onClick { self.count += 1 }
        span(.id("count")) { count }
    }
}

@Suite("Event receivers: what re-renders after an event")
struct EventReceiverTests {
    @Test("an EventCallback invoked by a child re-renders the component that created it")
    func callbackReRendersItsCreator() async throws {
        let host = try await ComponentTestHost(ReceiverList())
        #expect(host.findAll(".row").count == 3)
        try await host.click("#remove-b")
        #expect(host.findAll(".row").map(\.text) == ["ax", "cx"])
    }

    @Test("a Binding written by a child's input re-renders the component that owns the value")
    func bindingReRendersItsOwner() async throws {
        let host = try await ComponentTestHost(ReceiverList())
        try await host.input("#draft-a", value: "typed")
        #expect(host.find("#draft")?.text == "typed")
    }

    @Test("a handler re-renders its own component, not the layout around it")
    func layoutIsNotReEvaluated() async throws {
        let host = try await ComponentTestHost(ReceiverPage())
        let before = ReceiverShell.bodies
        #expect(before > 0)
        try await host.click("#inc")
        try await host.click("#inc")
        #expect(host.find("#count")?.text == "2")
        #expect(ReceiverShell.bodies == before)
    }
}
