
/// Read and write access to one value of a component, for two-way binding:
///
/// ```swift
/// input(.type("text")).bind(binding(\.name))                  // updates on change, like @bind
/// input(.type("text")).bind(binding(\.name), on: .input)      // @bind:event="oninput"
/// input(.type("number")).bind(binding(\.age))                 // Int? — empty or invalid is nil
/// input(.type("checkbox")).bind(checked: binding(\.agree))
/// select { ... }.bind(binding(\.color))
/// textarea().bind(binding(\.notes))
/// ```
public struct Binding<Value> {
    /// Reads the current value.
    public let get: () -> Value
    /// Writes a new value, then re-renders the component that made the binding.
    public let set: (Value) -> Void

    /// Writing through the binding re-renders the component whose body created it, which owns
    /// the value, even when a child's input does the writing.
    public init(get: @escaping () -> Value, set: @escaping (Value) -> Void) {
        self.get = get
        let receiver = RenderingComponent.current
        self.set = { value in
            set(value)
            receiver?.component?.stateHasChanged()
        }
    }

    /// The value, read and written through `get` and `set`.
    public var wrappedValue: Value {
        get { get() }
        nonmutating set { set(newValue) }
    }
}

#if !hasFeature(Embedded)
extension Renderable {
    /// A binding to a property of this component.
    public func binding<Value>(_ keyPath: ReferenceWritableKeyPath<Self, Value>) -> Binding<Value> {
        Binding(get: { self[keyPath: keyPath] }, set: { self[keyPath: keyPath] = $0 })
    }
}
#endif

/// Which DOM event writes a bound value back.
public enum BindEvent: String, Sendable {
    /// When the field loses focus or is committed (Blazor's default).
    case change
    /// On every keystroke.
    case input
}

extension Element {
    /// Binds the element's text value: inputs, selects and textareas.
    public func bind(_ binding: Binding<String>, on event: BindEvent = .change) -> Element {
        bound(value: binding.get(), on: event) { binding.set($0) }
    }

    /// Binds a number; an empty or non-numeric entry becomes nil.
    public func bind(_ binding: Binding<Int?>, on event: BindEvent = .change) -> Element {
        bound(value: binding.get().map(String.init) ?? "", on: event) { binding.set(Int($0.trimmingSpaces)) }
    }

    /// Binds a number; an empty, non-numeric or non-finite entry ("nan", "inf", "1e400") becomes nil.
    public func bind(_ binding: Binding<Double?>, on event: BindEvent = .change) -> Element {
        bound(value: binding.get().map { String($0) } ?? "", on: event) {
            binding.set(Double($0.trimmingSpaces).flatMap { $0.isFinite ? $0 : nil })
        }
    }

    /// Binds a checkbox's checked state.
    public func bind(checked binding: Binding<Bool>) -> Element {
        var copy = attribute("checked", binding.get() ? "" : nil)
        copy = copy.on("change") { (args: EventArgs) in binding.set(args.checked ?? false) }
        return copy
    }

    private func bound(value: String, on event: BindEvent, write: @escaping (String) -> Void) -> Element {
        var copy = self
        switch tag {
        case "textarea":
            copy.children = value.isEmpty ? [] : [.text(value)]
            copy = copy.attribute("value", value)
        case "select":
            copy = copy.attribute("value", value)
            copy.children = copy.children.map { Self.selecting(value, in: $0) }
        default:
            copy = copy.attribute("value", value)
        }
        return copy.on(event.rawValue) { (args: EventArgs) in write(args.value ?? "") }
    }

    /// Marks the option with `value` selected, so prerendered HTML shows the bound choice.
    private static func selecting(_ value: String, in node: Node) -> Node {
        guard case .element(var element) = node else { return node }
        if element.tag == "option" {
            let optionValue = element.attributes.first { $0.name == "value" }?.value ?? ""
            element = element.attribute("selected", optionValue == value ? "" : nil)
        } else if element.tag == "optgroup" {
            element.children = element.children.map { selecting(value, in: $0) }
        }
        return .element(element)
    }
}

extension String {
    /// Without the spaces and tabs at either end, as a number field's text is read.
    var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
