import TetherInterop
import TetherProtocol

/// What the browser reports about a DOM event. Fields that do not apply to the event are nil.
public struct EventArgs: Sendable, Equatable {
    /// The event's name: `click`, `input`, `keydown`, …
    public var type: String
    /// The target's `value` (inputs, selects, textareas).
    public var value: String?
    /// The target's `checked` (checkboxes, radios).
    public var checked: Bool?
    /// The key's value, as `KeyboardEvent.key` gives it (`"a"`, `"Enter"`), for keyboard events.
    public var key: String?
    /// The physical key, as `KeyboardEvent.code` gives it (`"KeyA"`), for keyboard events.
    public var code: String?
    /// Whether Alt (Option) was held.
    public var altKey = false
    /// Whether Control was held.
    public var ctrlKey = false
    /// Whether Shift was held.
    public var shiftKey = false
    /// Whether Meta (Command, Windows) was held.
    public var metaKey = false
    /// The mouse button that changed: 0 the main one, 1 the middle, 2 the secondary.
    public var button: Int?
    /// The pointer's horizontal position in the viewport, in CSS pixels.
    public var clientX: Double?
    /// The pointer's vertical position in the viewport, in CSS pixels.
    public var clientY: Double?
    /// The pointer's horizontal position within the target element, in CSS pixels.
    public var offsetX: Double?
    /// The pointer's vertical position within the target element, in CSS pixels.
    public var offsetY: Double?
    /// `UIEvent.detail`: for a click, how many clicks in a row (2 for the second of a double click).
    public var detail: Int?
    /// `"mouse"`, `"pen"` or `"touch"`, for pointer events.
    public var pointerType: String?
    /// For `scroll`: how far the scrolled element's content is scrolled up, in CSS pixels. Finite,
    /// but not otherwise trusted: it may be negative (an overscroll bounce) or past the end.
    public var scrollTop: Double?
    /// For `scroll`: the scrolled element's visible height, in CSS pixels. Finite, unchecked otherwise.
    public var clientHeight: Double?

    /// Arguments with only the event's name set, for firing an event in a test:
    /// `var args = EventArgs(type: "input"); args.value = "Ada"`.
    public init(type: String) { self.type = type }

    /// Reads event args from the browser, keeping only fields of the expected types.
    public init(json: JSONValue) throws(EventArgsError) {
        guard case .object = json else { throw EventArgsError("event args must be an object, got \(json.typeName)") }
        guard let type = json["type"]?.stringValue else { throw EventArgsError("event args lack a 'type' string") }
        self.type = type
        func string(_ k: String) throws(EventArgsError) -> String? {
            guard let v = json[k], !v.isNull else { return nil }
            guard let s = v.stringValue else { throw EventArgsError("event arg '\(k)' must be a string, got \(v.typeName)") }
            return s
        }
        // A browser can send any number: 1e400 reads as infinity and 1e19 overflows Int, so both
        // conversions are checked rather than trusted.
        func number(_ k: String) throws(EventArgsError) -> Double? {
            guard let v = json[k], !v.isNull else { return nil }
            guard case .number(let n) = v, let d = Double(n) else { throw EventArgsError("event arg '\(k)' must be a number, got \(v.typeName)") }
            guard d.isFinite else { throw EventArgsError("event arg '\(k)' must be a finite number, got \(LogSafe.clip(n))") }
            return d
        }
        func integer(_ k: String) throws(EventArgsError) -> Int? {
            guard let v = json[k], !v.isNull else { return nil }
            guard case .number(let n) = v else { throw EventArgsError("event arg '\(k)' must be an integer, got \(v.typeName)") }
            if let exact = Int(n) { return exact }
            guard let d = Double(n), let exact = Int(exactly: d) else {
                throw EventArgsError("event arg '\(k)' must be an integer between \(Int.min) and \(Int.max), got \(LogSafe.clip(n))")
            }
            return exact
        }
        func flag(_ k: String) throws(EventArgsError) -> Bool? {
            guard let v = json[k], !v.isNull else { return nil }
            guard let b = v.boolValue else { throw EventArgsError("event arg '\(k)' must be a boolean, got \(v.typeName)") }
            return b
        }
        value = try string("value")
        checked = try flag("checked")
        key = try string("key")
        code = try string("code")
        altKey = try flag("altKey") ?? false
        ctrlKey = try flag("ctrlKey") ?? false
        shiftKey = try flag("shiftKey") ?? false
        metaKey = try flag("metaKey") ?? false
        button = try integer("button")
        clientX = try number("clientX")
        clientY = try number("clientY")
        offsetX = try number("offsetX")
        offsetY = try number("offsetY")
        detail = try integer("detail")
        pointerType = try string("pointerType")
        scrollTop = try number("scrollTop")
        clientHeight = try number("clientHeight")
    }
}

/// Event arguments from the browser that do not have the shape of `EventArgs`: the event is
/// refused and its handler does not run.
public struct EventArgsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, naming the field: `event arg 'button' must be an integer, …`.
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Per-handler behaviour decided in the browser, before the event goes to the server.
public struct EventOptions: Sendable, Equatable {
    /// Call `preventDefault()` on the event in the browser (Blazor's `@onclick:preventDefault`):
    /// a link does not navigate, a form does not submit.
    public var preventDefault = false
    /// Call `stopPropagation()` on the event in the browser, so handlers of enclosing elements do
    /// not see it.
    public var stopPropagation = false
    /// Send only after the event has been quiet this long (LiveView's `phx-debounce`).
    public var debounceMilliseconds: Int?
    /// Send at most once per this interval.
    public var throttleMilliseconds: Int?
    /// Commands the browser runs first, with no round trip: set with `client(_:preventDefault:stopPropagation:)`.
    var clientCommands: ClientCommands?

    /// Options for `on(_:_:_:)`: `EventOptions(debounce: 300)`. `debounce` and `throttle` are in
    /// milliseconds; the last event of a burst is always sent, with the burst's last value.
    public init(preventDefault: Bool = false, stopPropagation: Bool = false, debounce: Int? = nil, throttle: Int? = nil) {
        self.preventDefault = preventDefault
        self.stopPropagation = stopPropagation
        self.debounceMilliseconds = debounce
        self.throttleMilliseconds = throttle
    }

    /// No options: the event goes to the server as it happens, and the browser's default runs.
    public static let none = EventOptions()
    /// Only `preventDefault`: `a(.href("/x")).onClick(.preventDefault) { … }`.
    public static let preventDefault = EventOptions(preventDefault: true)

    /// The suffix after the handler id in the `data-t-<event>` attribute.
    var wireSuffix: String {
        var out = ""
        if preventDefault { out += ";pd" }
        if stopPropagation { out += ";sp" }
        if let ms = debounceMilliseconds { out += ";db=\(ms)" }
        if let ms = throttleMilliseconds { out += ";th=\(ms)" }
        return out
    }
}

#if hasFeature(Embedded)
// The WebAssembly render mode: Embedded Swift has no Swift concurrency for wasm32 and no untyped
// throws, so a handler there runs to the end before the render that follows it.
/// A handler, given the event's data; in the WebAssembly render mode it is synchronous.
public typealias EventHandler = (EventArgs) -> Void
/// A handler that ignores the event's data: `.onClick { self.count += 1 }`.
public typealias EventAction = () -> Void
#else
/// A handler runs on its circuit's executor, one event at a time, so it may touch component state
/// freely. It may be synchronous or `async`.
public typealias EventHandler = (EventArgs) async throws -> Void
/// A handler that ignores the event's data: `.onClick { self.count += 1 }`.
public typealias EventAction = () async throws -> Void
#endif

/// An event handler attached to an element with `on(_:_:_:)` or one of its shorthands.
public struct EventBinding {
    /// The event's name, lowercased.
    public let name: String
    /// What the browser does with the event before sending it.
    public let options: EventOptions
    /// What runs on the circuit when the event arrives.
    public let handler: EventHandler
}

extension Element {
    /// Handles a DOM event by name, one the runtime listens for (`DOMEventName`), with the
    /// event's arguments: `input().on("keydown") { args in if args.key == "Enter" { … } }`.
    ///
    /// A name the runtime does not listen for (`"clik"`), or a second handler for the same event
    /// (which replaces the first, and with it a `bind` handler), is reported as a `MarkupError`.
    public func on(_ event: String, _ options: EventOptions = .none, _ handler: @escaping EventHandler) -> Element {
        var copy = self
        let name = event.asciiLowercased
        guard DOMEventName(rawValue: name) != nil else {
            copy.problems.append(.unknownEvent(event))
            return copy
        }
        if copy.events.contains(where: { $0.name == name }) {
            copy.problems.append(.replacedHandler(name))
            copy.events.removeAll { $0.name == name }
        }
        copy.events.append(EventBinding(name: name, options: options, handler: handler))
        if let commands = options.clientCommands { copy.attachClientCommands(commands, on: name, options: options) }
        return copy
    }

    /// Handles a DOM event by name, without its arguments.
    public func on(_ event: String, _ options: EventOptions = .none, _ handler: @escaping EventAction) -> Element {
        #if hasFeature(Embedded)
            on(event, options) { (_: EventArgs) in handler() }
        #else
            on(event, options) { (_: EventArgs) in try await handler() }
        #endif
    }

    /// Handles `click`: `button { "Save" }.onClick { try await self.save() }`.
    public func onClick(_ options: EventOptions = .none, _ handler: @escaping EventAction) -> Element {
        on("click", options, handler)
    }

    /// Handles `click` with its arguments (button, modifiers, coordinates).
    public func onClick(_ options: EventOptions = .none, _ handler: @escaping EventHandler) -> Element {
        on("click", options, handler)
    }

    /// Handles `input`, sent on every keystroke; `args.value` is the field's new value.
    public func onInput(_ options: EventOptions = .none, _ handler: @escaping EventHandler) -> Element {
        on("input", options, handler)
    }

    /// Handles `change`, sent when a field's edit is committed; `args.value` (or `args.checked`)
    /// is the new value.
    public func onChange(_ options: EventOptions = .none, _ handler: @escaping EventHandler) -> Element {
        on("change", options, handler)
    }

    /// Forwards clicks to a callback a parent handed down, as Blazor's `@onclick="OnRemove"`:
    /// `button { "✕" }.onClick(self.onRemove)`.
    ///
    /// The callback is read when the click comes, not when the body ran: a child whose parameters
    /// did not change keeps its last output, and must still call the parent's latest callback.
    public func onClick(_ callback: @autoclosure @escaping () -> EventCallback<Void>) -> Element {
        on("click", callback(), value: { _ in () })
    }

    /// Forwards `change` events to a callback a parent handed down, with the value `value` reads
    /// from each: `input(.value(text)).onChange(self.onEdit) { $0.value ?? "" }`. The callback is read
    /// when the event comes, as `onClick(_:)` reads it.
    public func onChange<Value>(_ callback: @autoclosure @escaping () -> EventCallback<Value>, value: @escaping (EventArgs) -> Value) -> Element {
        on("change", callback(), value: value)
    }

    /// Forwards an event to a callback a parent handed down, with the value `value` reads from
    /// it. The callback is read when the event comes, as `onClick(_:)` reads it.
    public func on<Value>(_ event: String, _ callback: @autoclosure @escaping () -> EventCallback<Value>, value: @escaping (EventArgs) -> Value) -> Element {
        #if hasFeature(Embedded)
            on(event) { (args: EventArgs) in callback()(value(args)) }
        #else
            on(event) { (args: EventArgs) in try await callback()(value(args)) }
        #endif
    }

    /// Submit handlers prevent the browser's own form submission.
    public func onSubmit(_ handler: @escaping EventAction) -> Element {
        on("submit", .preventDefault, handler)
    }
}
