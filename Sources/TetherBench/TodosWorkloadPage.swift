import TetherUI

/// The todos workload: 100 keyed rows, each its own component as on the demo's `/todos`, and one
/// row's text edited per click. It has the counter's `#count` and `#increment`, so the driver's
/// click→DOM code runs on it unchanged; a click's batch is one text edit deep inside the list,
/// the common case of a real page (`bench/run.py --only deflate`, and issue #19's CPU per click).
final class TodosWorkloadPage: Page {
    static let route = "/_bench/todos"
    static let rowCount = 100

    private var edits = 0
    private var texts = (0..<TodosWorkloadPage.rowCount).map { "Task \($0 + 1): write the part of the app it names" }

    var body: Content {
        h1 { "Todos" }
        p { "Edits: "; span(.id("count")) { edits } }
        button(.id("increment")) { "Edit a row" }.onClick { self.editNextRow() }
        ul(.id("todo-list")) {
            for (index, text) in texts.enumerated() {
                WorkloadRow(text: text, isFirst: index == 0).key(index)
            }
        }
    }

    private func editNextRow() {
        let row = edits % texts.count
        edits += 1
        texts[row] = "Task \(row + 1): edited \(edits) times"
    }
}

/// A row shaped like the demo's `TodoRow`: an input and two buttons with handlers.
private final class WorkloadRow: Component {
    var text: String
    var isFirst: Bool
    static let parameters = Parameters(\WorkloadRow.text, \.isFirst)

    init(text: String, isFirst: Bool) {
        self.text = text
        self.isFirst = isFirst
    }

    var body: Content {
        li(.class("todo")) {
            input(.class("todo-text"), .type("text"), .value(text)).onChange { args in self.text = args.value ?? "" }
            button(.class("up"), .type("button"), .disabled(isFirst)) { "↑" }.onClick {}
            button(.class("remove"), .type("button")) { "✕" }.onClick {}
        }
    }
}
