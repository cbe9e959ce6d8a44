import TetherUI

/// A keyed list: each row keeps its DOM node, focus and typed text when rows move. The same file
/// builds the server page at `/todos` and the WebAssembly one at `/wasm/todos`.
public final class Todos: Page {
    public static let route = "/todos"
    #if !hasFeature(Embedded)
        // Layouts and saved state are the server's (see the README's "WebAssembly render mode").
        public static let layout: (any Layout.Type)? = DemoLayout.self
        public static let persisted = Persisted(("todos", \Todos.todos), ("nextID", \Todos.nextID), ("newText", \Todos.newText))
    #endif

    struct Todo: Equatable {
        let id: Int
        var text: String
    }

    private var todos: [Todo] = [Todo(id: 1, text: "Write the diff"), Todo(id: 2, text: "Ship the runtime")]
    private var nextID = 3
    private var newText = ""

    public var body: Content {
        h1 { "Todos" }
        p {
            input(.id("new-todo"), .type("text"), .placeholder("Something to do"))
                .bind(Binding(get: { self.newText }, set: { self.newText = $0 }), on: .input)
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
        let text = Self.trimmed(newText)
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

    /// Without the spaces at either end; no Foundation, which the WebAssembly build lacks.
    private static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }
}

#if !hasFeature(Embedded)
    extension Todos.Todo: Codable {}
#endif

/// One row. It re-renders only when its parameters change: moving another row leaves it alone.
final class TodoRow: Component {
    var text: String
    var isFirst: Bool
    var onUp: EventCallback<Void>
    var onRemove: EventCallback<Void>
    var onEdit: EventCallback<String>
    // Copied by hand rather than listed by key path: Embedded Swift has no key paths. Callbacks
    // always count as unchanged, and are copied so the row calls the parent's latest closures.
    static let parameters = Parameters.copied { (new: TodoRow, mounted: TodoRow) in
        let changed = mounted.text != new.text || mounted.isFirst != new.isFirst
        (mounted.text, mounted.isFirst) = (new.text, new.isFirst)
        (mounted.onUp, mounted.onRemove, mounted.onEdit) = (new.onUp, new.onRemove, new.onEdit)
        return changed
    }

    init(text: String, isFirst: Bool, onUp: EventCallback<Void>, onRemove: EventCallback<Void>, onEdit: EventCallback<String>) {
        self.text = text
        self.isFirst = isFirst
        self.onUp = onUp
        self.onRemove = onRemove
        self.onEdit = onEdit
    }

    var body: Content {
        li(.class("todo")) {
            input(.class("todo-text"), .type("text"), .value(text)).onChange(self.onEdit) { $0.value ?? "" }
            button(.class("up"), .type("button"), .disabled(isFirst)) { "↑" }.onClick(self.onUp)
            button(.class("remove"), .type("button")) { "✕" }.onClick(self.onRemove)
        }
    }
}
