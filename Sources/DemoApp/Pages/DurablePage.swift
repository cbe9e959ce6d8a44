import Foundation
import Observation
import TetherUI

/// State that survives the server: restart it, redeploy it or kill -9 it, and this page resumes
/// with its count, its draft and its list. Nothing here knows about stores; the declaration below
/// is all it takes.
@Observable
public final class DurablePage: Page {
    public static let route = "/durable"
    public static let layout: (any Layout.Type)? = DemoLayout.self
    public static let persisted = Persisted(
        ("count", \DurablePage.count), ("draft", \DurablePage.draft), ("items", \DurablePage.items))

    private var count = 0
    private var draft = ""
    private var items: [String] = []
    /// Not persisted: how this component started, shown so a test can tell.
    @ObservationIgnored private var startedFrom = "fresh"

    public override func onInitialized() async throws {
        startedFrom = isRestored ? "restored" : "fresh"
    }

    public var body: Content {
        h1 { "Durable" }
        p { "Count: "; span(.id("count")) { count } }
        button(.id("increment"), .type("button")) { "Add one" }.onClick { self.count += 1 }
        p {
            input(.id("draft"), .type("text"), .placeholder("Type, then restart the server")).bind(binding(\.draft), on: .input)
            button(.id("add"), .type("button")) { "Add to list" }.onClick { self.add() }
        }
        ul(.id("items")) {
            for item in items { li { item } }
        }
        p { "This page started "; span(.id("started-from")) { startedFrom }; "." }
    }

    private func add() {
        let text = draft.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return }
        items.append(text)
        draft = ""
    }
}
