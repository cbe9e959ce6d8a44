import TetherInterop
import TetherProtocol

/// Commands the browser runs on an event by itself, with no round trip to the server (LiveView's
/// JS commands). Build a chain from any command and attach it with `EventOptions.client(_:)`:
///
/// ```swift
/// button { "Menu" }.onClick(.client(.toggle("#menu").toggleClass("open")))
/// ```
///
/// A selector is a CSS selector and names every element it matches; `nil` names the element the
/// handler is attached to. The commands run in order, before the event goes to the server when a
/// server handler is attached too. What they change stays when the server re-renders the element,
/// as long as the server's markup does not set the same attribute; a class they add stays even then.
public struct ClientCommands: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        case show(String?), hide(String?), toggle(String?), focus(String?)
        case addClass(String, String?), removeClass(String, String?), toggleClass(String, String?)
        case setAttribute(String, String, String?), removeAttribute(String, String?)
        case dispatch(String, JSONValue, String?)
    }

    var steps: [Step]

    private init(_ steps: [Step]) { self.steps = steps }

    private func then(_ step: Step) -> ClientCommands { ClientCommands(steps + [step]) }

    /// Shows the element (removes `hidden` and a `display: none`).
    public static func show(_ selector: String? = nil) -> ClientCommands { ClientCommands([.show(selector)]) }
    /// Hides the element (`display: none`).
    public static func hide(_ selector: String? = nil) -> ClientCommands { ClientCommands([.hide(selector)]) }
    /// Shows the element if hidden, else hides it.
    public static func toggle(_ selector: String? = nil) -> ClientCommands { ClientCommands([.toggle(selector)]) }
    /// Moves keyboard focus to the element (the first, when the selector matches several).
    public static func focus(_ selector: String? = nil) -> ClientCommands { ClientCommands([.focus(selector)]) }
    /// Adds the classes (space-separated) to the element.
    public static func addClass(_ names: String, to selector: String? = nil) -> ClientCommands {
        ClientCommands([.addClass(names, selector)])
    }
    /// Removes the classes (space-separated) from the element.
    public static func removeClass(_ names: String, from selector: String? = nil) -> ClientCommands {
        ClientCommands([.removeClass(names, selector)])
    }
    /// Adds each class the element lacks, removes each one it has.
    public static func toggleClass(_ names: String, on selector: String? = nil) -> ClientCommands {
        ClientCommands([.toggleClass(names, selector)])
    }
    /// Sets an attribute. Inline handlers (`on…`) and Tether's own `data-t-…` are refused.
    public static func setAttribute(_ name: String, _ value: String = "", on selector: String? = nil) -> ClientCommands {
        ClientCommands([.setAttribute(name, value, selector)])
    }
    /// Removes an attribute.
    public static func removeAttribute(_ name: String, from selector: String? = nil) -> ClientCommands {
        ClientCommands([.removeAttribute(name, selector)])
    }
    /// Dispatches a bubbling `CustomEvent` named `event`, with `detail`, on the element: the way
    /// to reach a page's own script, or a server handler on an enclosing element.
    public static func dispatch(_ event: String, detail: JSONValue = nil, to selector: String? = nil) -> ClientCommands {
        ClientCommands([.dispatch(event, detail, selector)])
    }

    /// Then shows the element.
    public func show(_ selector: String? = nil) -> ClientCommands { then(.show(selector)) }
    /// Then hides the element.
    public func hide(_ selector: String? = nil) -> ClientCommands { then(.hide(selector)) }
    /// Then shows the element if hidden, else hides it.
    public func toggle(_ selector: String? = nil) -> ClientCommands { then(.toggle(selector)) }
    /// Then focuses the element.
    public func focus(_ selector: String? = nil) -> ClientCommands { then(.focus(selector)) }
    /// Then adds the classes.
    public func addClass(_ names: String, to selector: String? = nil) -> ClientCommands { then(.addClass(names, selector)) }
    /// Then removes the classes.
    public func removeClass(_ names: String, from selector: String? = nil) -> ClientCommands { then(.removeClass(names, selector)) }
    /// Then toggles the classes.
    public func toggleClass(_ names: String, on selector: String? = nil) -> ClientCommands { then(.toggleClass(names, selector)) }
    /// Then sets an attribute.
    public func setAttribute(_ name: String, _ value: String = "", on selector: String? = nil) -> ClientCommands {
        then(.setAttribute(name, value, selector))
    }
    /// Then removes an attribute.
    public func removeAttribute(_ name: String, from selector: String? = nil) -> ClientCommands {
        then(.removeAttribute(name, selector))
    }
    /// Then dispatches a `CustomEvent`.
    public func dispatch(_ event: String, detail: JSONValue = nil, to selector: String? = nil) -> ClientCommands {
        then(.dispatch(event, detail, selector))
    }

    /// What is wrong with the chain, one line per mistake; empty when the browser can run it.
    var problems: [String] {
        steps.compactMap { step in
            switch step {
            case .show, .hide, .toggle, .focus: nil
            case .addClass(let names, _), .removeClass(let names, _), .toggleClass(let names, _):
                ClassNames.problem(names)
            case .setAttribute(let name, _, _), .removeAttribute(let name, _): BehaviourAttributeName.problem(name)
            case .dispatch(let event, _, _): event.isEmpty ? "a dispatched event needs a name" : nil
            }
        }
    }

    /// The commands as the runtime reads them (`BehaviourAttribute`), each `[name, …arguments]`.
    var wire: [JSONValue] {
        steps.map { step in
            func command(_ name: ClientCommandName, _ arguments: JSONValue...) -> JSONValue {
                .array([.string(name.rawValue)] + arguments)
            }
            func target(_ selector: String?) -> JSONValue { .string(selector ?? "") }
            switch step {
            case .show(let s): return command(.show, target(s))
            case .hide(let s): return command(.hide, target(s))
            case .toggle(let s): return command(.toggle, target(s))
            case .focus(let s): return command(.focus, target(s))
            case .addClass(let names, let s): return command(.addClass, .string(names), target(s))
            case .removeClass(let names, let s): return command(.removeClass, .string(names), target(s))
            case .toggleClass(let names, let s): return command(.toggleClass, .string(names), target(s))
            case .setAttribute(let name, let value, let s):
                return command(.setAttribute, .string(name), .string(Attribute.neutralizeScriptURL(name: name.asciiLowercased, value: value)), target(s))
            case .removeAttribute(let name, let s): return command(.removeAttribute, .string(name), target(s))
            case .dispatch(let event, let detail, let s): return command(.dispatch, .string(event), detail, target(s))
            }
        }
    }
}

extension EventOptions {
    /// Runs `commands` in the browser when the event happens:
    /// `.onClick(.client(.toggle("#menu")))`, or with a server handler as well,
    /// `.onClick(.client(.addClass("busy"))) { try await save() }`, where the commands run first.
    public static func client(_ commands: ClientCommands, preventDefault: Bool = false, stopPropagation: Bool = false) -> EventOptions {
        var options = EventOptions(preventDefault: preventDefault, stopPropagation: stopPropagation)
        options.clientCommands = commands
        return options
    }
}

/// What an element does while one of its states holds (loading, offline, dirty); it is undone
/// when the state ends.
public struct StateEffect: Sendable, Equatable {
    let kind: StateEffectKind
    let arguments: [String]

    /// Adds the classes (space-separated).
    public static func `class`(_ names: String) -> StateEffect { StateEffect(kind: .addClass, arguments: [names]) }
    /// Sets an attribute: `.attribute("disabled")`, `.attribute("aria-busy", "true")`.
    public static func attribute(_ name: String, _ value: String = "") -> StateEffect {
        StateEffect(kind: .setAttribute, arguments: [name, value])
    }
    /// Shows the element, which is hidden (`hidden`) the rest of the time.
    public static let show = StateEffect(kind: .show, arguments: [])
    /// Hides the element.
    public static let hide = StateEffect(kind: .hide, arguments: [])

    var problem: String? {
        switch kind {
        case .addClass: ClassNames.problem(arguments[0])
        case .setAttribute: BehaviourAttributeName.problem(arguments[0])
        case .show, .hide: nil
        }
    }

    var wire: JSONValue { .array([.string(kind.rawValue)] + arguments.map { .string($0) }) }
}

/// Whose events a loading state follows.
public struct LoadingTarget: Sendable, Equatable, ExpressibleByStringLiteral {
    let wire: String

    /// Events the element itself sends (the default).
    public static let own = LoadingTarget(wire: "")
    /// Every event the page sends.
    public static let anyEvent = LoadingTarget(wire: "*")
    /// Events sent by the element with this id.
    public static func element(_ id: String) -> LoadingTarget { LoadingTarget(wire: id) }

    private init(wire: String) { self.wire = wire }
    /// `target: "save"` is `.element("save")`.
    public init(stringLiteral id: String) { wire = id }
}

/// A state and what the element does while it holds, as `BehaviourAttribute` tables it.
struct BehaviourState {
    let attribute: BehaviourAttribute
    let delay: Int
    let target: String
    let effects: [StateEffect]

    /// The attributes states are written to, in the order the runtime expects them.
    static let attributes: [BehaviourAttribute] = [.loading, .offline, .dirty]

    var wire: JSONValue { .array([.number(delay), .string(target)] + effects.map(\.wire)) }

    /// `wire`'s JSON text, written without building it.
    func appendWire(to out: inout String) {
        out += "[\(delay),"
        JSONText.appendQuoted(target, to: &out)
        for effect in effects {
            out += ",["
            JSONText.appendQuoted(effect.kind.rawValue, to: &out)
            for argument in effect.arguments {
                out += ","
                JSONText.appendQuoted(argument, to: &out)
            }
            out += "]"
        }
        out += "]"
    }
}

/// Attribute names a client command or state effect may write: the same rule as `attribute(_:_:)`.
enum BehaviourAttributeName {
    static func problem(_ name: String) -> String? {
        if !Attribute.isValidName(name) { return "'\(name)' is not a valid attribute name" }
        let lowered = name.asciiLowercased
        if lowered.hasPrefix("on") { return "'\(name)' is an inline handler, which is not allowed" }
        if lowered.hasPrefix("data-t-") { return "'\(name)' is one of Tether's own data-t-* attributes" }
        return nil
    }
}

enum ClassNames {
    static func problem(_ names: String) -> String? {
        // A class list is split at HTML's whitespace, which is ASCII: any other byte is part of a name.
        names.utf8.allSatisfy { $0.isASCIIWhitespace } ? "a class command or effect needs at least one class name" : nil
    }
}

extension Element {
    /// Runs client commands on an event, with no server handler:
    /// `button { "Menu" }.on("click", .client(.toggle("#menu")))`.
    public func on(_ event: String, _ options: EventOptions) -> Element {
        var copy = self
        let name = event.asciiLowercased
        guard DOMEventName(rawValue: name) != nil else {
            copy.problems.append(.unknownEvent(event))
            return copy
        }
        guard let commands = options.clientCommands else {
            copy.problems.append(.invalidBehaviour("on(\"\(name)\", …) without a handler needs .client(…) commands"))
            return copy
        }
        copy.attachClientCommands(commands, on: name, options: options)
        return copy
    }

    /// Runs client commands on `click`: `.onClick(.client(.toggle("#menu")))`.
    public func onClick(_ options: EventOptions) -> Element { on("click", options) }

    mutating func attachClientCommands(_ commands: ClientCommands, on event: String, options: EventOptions) {
        let mistakes = commands.problems
        guard mistakes.isEmpty else {
            for problem in mistakes { problems.append(.invalidBehaviour("a client command on '\(event)': \(problem)")) }
            return
        }
        var flags: [String] = []
        if options.preventDefault { flags.append("pd") }
        if options.stopPropagation { flags.append("sp") }
        clientCommands.removeAll { $0.event == event }
        clientCommands.append((event, .array([.string(flags.joined(separator: ";"))] + commands.wire)))
    }

    /// While an event is in flight (from when it is sent until the server has handled it and the
    /// page shows its render), and once it has been so for `delay` milliseconds, the element takes
    /// the effects: `button { "Save" }.onClick { … }.loading(.class("busy"), .attribute("disabled"))`.
    /// `target` says whose events count: the element's own (the default), another element's by
    /// id, or `.anyEvent`.
    public func loading(_ effects: StateEffect..., delay: Int = 200, target: LoadingTarget = .own) -> Element {
        addingState(.loading, effects, delay: delay, target: target.wire)
    }

    /// While the circuit is disconnected, after `delay` milliseconds, the element takes the
    /// effects: `div { "Offline" }.offline(.show)`.
    public func offline(_ effects: StateEffect..., delay: Int = 0) -> Element {
        addingState(.offline, effects, delay: delay, target: "")
    }

    /// While a bound input holds a value the server has not yet rendered back (typed, not yet
    /// sent, or sent and not yet handled), the element takes the effects. `input` is the id of the
    /// input to watch; nil watches the element itself.
    public func dirty(_ effects: StateEffect..., input id: String? = nil) -> Element {
        if id?.isEmpty == true {
            var copy = self
            copy.problems.append(.invalidBehaviour("dirty(…, input:) needs a non-empty id"))
            return copy
        }
        return addingState(.dirty, effects, delay: 0, target: id ?? "")
    }

    private func addingState(_ attribute: BehaviourAttribute, _ effects: [StateEffect], delay: Int, target: String) -> Element {
        var copy = self
        let name = attribute == .loading ? "loading" : attribute == .offline ? "offline" : "dirty"
        var mistakes = effects.compactMap { $0.problem }
        if effects.isEmpty { mistakes.append("needs at least one effect") }
        if delay < 0 { mistakes.append("a delay of \(delay) ms is negative") }
        guard mistakes.isEmpty else {
            for problem in mistakes { copy.problems.append(.invalidBehaviour("\(name)(…): \(problem)")) }
            return copy
        }
        // A `.show` element is hidden until its state holds, prerendered page included.
        if effects.contains(.show) && !copy.attributes.contains(where: { $0.name == "hidden" }) { copy.attributes.append(("hidden", "")) }
        copy.states.append(BehaviourState(attribute: attribute, delay: delay, target: target, effects: effects))
        return copy
    }

    /// The attributes the runtime reads for this element's client commands and states. The
    /// states' JSON is written straight into text: an element with `.loading(…)` is expanded at
    /// every render of its component, and building `JSONValue`s for it cost more than the rest of
    /// the element.
    var behaviourAttributes: [(name: String, value: String)] {
        guard !clientCommands.isEmpty || !states.isEmpty else { return [] }
        var out = clientCommands.map { (name: BehaviourAttribute.clientCommandsPrefix.rawValue + $0.event, value: $0.wire.serialized()) }
        for attribute in BehaviourState.attributes where states.contains(where: { $0.attribute == attribute }) {
            var json = "["
            for state in states where state.attribute == attribute {
                if json.utf8.count > 1 { json += "," }
                state.appendWire(to: &json)
            }
            json += "]"
            out.append((name: attribute.rawValue, value: json))
        }
        return out
    }
}
