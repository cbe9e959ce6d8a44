import TetherInterop
import TetherProtocol

/// What the browser reports about a DOM event. Fields that do not apply to the event are nil.
public struct EventArgs: Sendable, Equatable {
    public var type: String
    /// The target's `value` (inputs, selects, textareas).
    public var value: String?
    /// The target's `checked` (checkboxes, radios).
    public var checked: Bool?
    public var key: String?
    public var code: String?
    public var altKey = false
    public var ctrlKey = false
    public var shiftKey = false
    public var metaKey = false
    public var button: Int?
    public var clientX: Double?
    public var clientY: Double?
    public var offsetX: Double?
    public var offsetY: Double?
    public var detail: Int?
    public var pointerType: String?

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
    }
}

public struct EventArgsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Per-handler behaviour decided in the browser, before the event goes to the server.
public struct EventOptions: Sendable, Equatable {
    public var preventDefault = false
    public var stopPropagation = false
    /// Send only after the event has been quiet this long (LiveView's `phx-debounce`).
    public var debounceMilliseconds: Int?
    /// Send at most once per this interval.
    public var throttleMilliseconds: Int?

    public init(preventDefault: Bool = false, stopPropagation: Bool = false, debounce: Int? = nil, throttle: Int? = nil) {
        self.preventDefault = preventDefault
        self.stopPropagation = stopPropagation
        self.debounceMilliseconds = debounce
        self.throttleMilliseconds = throttle
    }

    public static let none = EventOptions()
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

/// A handler runs on its circuit's executor, one event at a time, so it may touch component state
/// freely. It may be synchronous or `async`.
public typealias EventHandler = (EventArgs) async throws -> Void

public struct EventBinding {
    public let name: String
    public let options: EventOptions
    public let handler: EventHandler
}

extension Element {
    /// Handles a DOM event by name, one the runtime listens for (`DOMEventName`).
    public func on(_ event: String, _ options: EventOptions = .none, _ handler: @escaping EventHandler) -> Element {
        var copy = self
        let name = event.lowercased()
        guard DOMEventName(rawValue: name) != nil else {
            copy.problems.append(.unknownEvent(event))
            return copy
        }
        if copy.events.contains(where: { $0.name == name }) {
            copy.problems.append(.replacedHandler(name))
            copy.events.removeAll { $0.name == name }
        }
        copy.events.append(EventBinding(name: name, options: options, handler: handler))
        return copy
    }

    public func on(_ event: String, _ options: EventOptions = .none, _ handler: @escaping () async throws -> Void) -> Element {
        on(event, options) { (_: EventArgs) in try await handler() }
    }

    public func onClick(_ options: EventOptions = .none, _ handler: @escaping () async throws -> Void) -> Element {
        on("click", options, handler)
    }

    public func onClick(_ options: EventOptions = .none, _ handler: @escaping EventHandler) -> Element {
        on("click", options, handler)
    }

    public func onInput(_ options: EventOptions = .none, _ handler: @escaping EventHandler) -> Element {
        on("input", options, handler)
    }

    public func onChange(_ options: EventOptions = .none, _ handler: @escaping EventHandler) -> Element {
        on("change", options, handler)
    }

    /// Submit handlers prevent the browser's own form submission.
    public func onSubmit(_ handler: @escaping () async throws -> Void) -> Element {
        on("submit", .preventDefault, handler)
    }
}
