import Foundation
import TetherUI

/// A keyed list: each row keeps its DOM node, focus and typed text when rows move.
public final class Todos: Page {
    public static let route = "/todos"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    struct Todo: Equatable {
        let id: Int
        var text: String
    }

    private var todos: [Todo] = [Todo(id: 1, text: "Write the diff"), Todo(id: 2, text: "Ship the runtime")]
    private var nextID = 3
    private var newText = ""

    public required init() {}

    public var body: Content {
        h1 { "Todos" }
        p {
            input(.id("new-todo"), .type("text"), .placeholder("Something to do")).bind(binding(\.newText), on: .input)
            button(.id("add"), .type("button")) { "Add" }.onClick { self.add() }
        }
        ul(.id("todo-list")) {
            for (index, todo) in todos.enumerated() {
                Child(
                    TodoRow.self,
                    .init(
                        text: todo.text, isFirst: index == 0,
                        onUp: EventCallback { _ in self.moveUp(todo.id) },
                        onRemove: EventCallback { _ in self.remove(todo.id) },
                        onEdit: EventCallback { text in self.edit(todo.id, text) }),
                    key: String(todo.id))
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
final class TodoRow: Component, ParameterizedComponent {
    struct Parameters: Equatable {
        var text = ""
        var isFirst = false
        var onUp = EventCallback<Void> { _ in }
        var onRemove = EventCallback<Void> { _ in }
        var onEdit = EventCallback<String> { _ in }
    }

    var parameters = Parameters()
    private(set) var renderCount = 0

    required init() {}

    var body: Content {
        li(.class("todo")) {
            input(.class("todo-text"), .type("text"), .value(parameters.text))
                .onChange { args in try await self.parameters.onEdit(args.value ?? "") }
            button(.class("up"), .type("button"), .disabled(parameters.isFirst)) { "↑" }.onClick { try await self.parameters.onUp() }
            button(.class("remove"), .type("button")) { "✕" }.onClick { try await self.parameters.onRemove() }
        }
    }
}
