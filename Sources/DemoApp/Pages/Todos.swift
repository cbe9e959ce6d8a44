import Foundation
import Observation
import TetherUI

/// A keyed list: each row keeps its DOM node, focus and typed text when rows move.
@Observable
public final class Todos: Page {
    public static let route = "/todos"
    public static let layout: (any Layout.Type)? = DemoLayout.self
    public static let persisted = Persisted(("todos", \Todos.todos), ("nextID", \Todos.nextID), ("newText", \Todos.newText))

    struct Todo: Equatable, Codable {
        let id: Int
        var text: String
    }

    private var todos: [Todo] = [Todo(id: 1, text: "Write the diff"), Todo(id: 2, text: "Ship the runtime")]
    private var nextID = 3
    private var newText = ""

    public var body: Content {
        h1 { "Todos" }
        p {
            input(.id("new-todo"), .type("text"), .placeholder("Something to do")).bind(binding(\.newText), on: .input)
            button(.id("add"), .type("button")) { "Add" }.onClick { self.add() }
        }
        ul(.id("todo-list")) {
            for (index, todo) in todos.enumerated() {
                TodoRow(
                    text: todo.text, isFirst: index == 0,
                    onUp: EventCallback { self.moveUp(todo.id) },
                    onRemove: EventCallback { self.remove(todo.id) },
                    onEdit: EventCallback { text in self.edit(todo.id, text) }
                ).key(todo.id)
            }
        }
        p { span(.id("todo-count")) { todos.count }; " items" }
    }

    private func add() {
        let text = newText.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return }
        todos.append(Todo(id: nextID, text: text))
        nextID += 1
        newText = ""
    }

    private func moveUp(_ id: Int) {
        guard let index = todos.firstIndex(where: { $0.id == id }), index > 0 else { return }
        todos.swapAt(index, index - 1)
    }

    private func remove(_ id: Int) {
        todos.removeAll { $0.id == id }
    }

    private func edit(_ id: Int, _ text: String) {
        guard let index = todos.firstIndex(where: { $0.id == id }) else { return }
        todos[index].text = text
    }
}

/// One row. It re-renders only when its parameters change: moving another row leaves it alone.
final class TodoRow: Component {
    var text: String
    var isFirst: Bool
    var onUp: EventCallback<Void>
    var onRemove: EventCallback<Void>
    var onEdit: EventCallback<String>
    static let parameters = Parameters(\TodoRow.text, \.isFirst, \.onUp, \.onRemove, \.onEdit)

    init(text: String, isFirst: Bool, onUp: EventCallback<Void>, onRemove: EventCallback<Void>, onEdit: EventCallback<String>) {
        self.text = text
        self.isFirst = isFirst
        self.onUp = onUp
        self.onRemove = onRemove
        self.onEdit = onEdit
    }

    var body: Content {
        li(.class("todo")) {
            input(.class("todo-text"), .type("text"), .value(text)).onChange { args in try await self.onEdit(args.value ?? "") }
            button(.class("up"), .type("button"), .disabled(isFirst)) { "↑" }.onClick { try await self.onUp() }
            button(.class("remove"), .type("button")) { "✕" }.onClick { try await self.onRemove() }
        }
    }
}
