/// An HTML attribute. A nil value leaves the attribute out, which is how boolean attributes such
/// as `disabled` are turned off.
public struct Attribute: Sendable, Equatable {
    /// The name, lowercased.
    public let name: String
    /// The value, or nil to leave the attribute out. Always escaped when written.
    public let value: String?

    /// Any attribute: `Attribute("aria-label", "Close")`. A `javascript:`, `vbscript:` or
    /// `data:text/html` URL in `href`, `src`, `action`, `formaction`, `poster` or `cite` becomes
    /// `about:blank#blocked`.
    public init(_ name: String, _ value: String?) {
        let lowered = name.asciiLowercased
        self.name = lowered
        self.value = value.map { Self.neutralizeScriptURL(name: lowered, value: $0) }
    }

    /// `id="…"`; also what `ComponentTestHost.find("#…")` finds an element by.
    public static func id(_ value: String) -> Attribute { Attribute("id", value) }
    /// `class="…"`, one or more class names separated by spaces.
    public static func `class`(_ value: String) -> Attribute { Attribute("class", value) }
    /// `style="…"`, inline CSS.
    public static func style(_ value: String) -> Attribute { Attribute("style", value) }
    /// `href="…"`; a script URL is neutralized (see `init(_:_:)`).
    public static func href(_ value: String) -> Attribute { Attribute("href", value) }
    /// `src="…"`; a script URL is neutralized (see `init(_:_:)`).
    public static func src(_ value: String) -> Attribute { Attribute("src", value) }
    /// `type="…"`, as on `input` and `button`.
    public static func type(_ value: String) -> Attribute { Attribute("type", value) }
    /// `name="…"`, a form field's name.
    public static func name(_ value: String) -> Attribute { Attribute("name", value) }
    /// `value="…"`, a field's initial value or an option's value. To keep a field and a property
    /// in step, bind it instead (`bind(_:on:)`).
    public static func value(_ value: String) -> Attribute { Attribute("value", value) }
    /// `placeholder="…"`, the hint an empty field shows.
    public static func placeholder(_ value: String) -> Attribute { Attribute("placeholder", value) }
    /// `for="…"`, the id of the control a `label` names.
    public static func `for`(_ value: String) -> Attribute { Attribute("for", value) }
    /// `title="…"`, advisory text such as a tooltip.
    public static func title(_ value: String) -> Attribute { Attribute("title", value) }
    /// `disabled` when `on`, and no attribute at all when not.
    public static func disabled(_ on: Bool = true) -> Attribute { Attribute("disabled", on ? "" : nil) }
    /// `checked` when `on`, and no attribute at all when not.
    public static func checked(_ on: Bool = true) -> Attribute { Attribute("checked", on ? "" : nil) }
    /// `selected` when `on`, and no attribute at all when not.
    public static func selected(_ on: Bool = true) -> Attribute { Attribute("selected", on ? "" : nil) }
    /// `data-name="…"`, a custom data attribute. Names starting with `t-` are Tether's own and are
    /// dropped.
    public static func data(_ name: String, _ value: String) -> Attribute { Attribute("data-" + name, value) }

    /// Attribute names are checked because a name comes straight into the markup: a name with a
    /// quote or a space could open a second attribute.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        let isLetter: (UInt8) -> Bool = { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) }
        guard isLetter(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: ":") else { return false }
        return name.utf8.allSatisfy { c in
            isLetter(c) || (c >= 48 && c <= 57) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ":")
                || c == UInt8(ascii: ".")
        }
    }

    static let urlAttributes: Set<String> = ["href", "src", "action", "formaction", "xlink:href", "poster", "cite"]

    /// A `javascript:` URL set from a Swift value would run script on click; it is replaced.
    static func neutralizeScriptURL(name: String, value: String) -> String {
        guard urlAttributes.contains(name) else { return value }
        let squeezed = value.unicodeScalars.filter { $0.value > 0x20 }.map(Character.init)
        let lowered = String(squeezed).asciiLowercased
        if lowered.hasPrefix("javascript:") || lowered.hasPrefix("vbscript:") || lowered.hasPrefix("data:text/html") {
            return "about:blank#blocked"
        }
        return value
    }
}

extension Element {
    /// This element with the attribute set (replacing one of the same name), or removed when
    /// `value` is nil. An invalid name, an inline `on*` handler or a `data-t-*` name is dropped
    /// and reported instead (see `MarkupError`).
    public func attribute(_ name: String, _ value: String?) -> Element {
        applying(Attribute(name, value))
    }

    func applying(_ attribute: Attribute) -> Element {
        var copy = self
        guard Attribute.isValidName(attribute.name) else {
            copy.problems.append(.droppedAttribute(attribute.name, reason: "not a valid attribute name"))
            return copy
        }
        guard !attribute.name.asciiLowercased.hasPrefix("on") else {
            copy.problems.append(.droppedAttribute(attribute.name, reason: "inline handlers are not allowed; use .on(\"event\") { }"))
            return copy
        }
        guard !attribute.name.asciiLowercased.hasPrefix("data-t-") else {
            copy.problems.append(.droppedAttribute(attribute.name, reason: "data-t-* attributes are Tether's own"))
            return copy
        }
        copy.attributes.removeAll { $0.name == attribute.name }
        if let value = attribute.value { copy.attributes.append((attribute.name, value)) }
        return copy
    }

    /// This element with `id="…"`.
    public func id(_ value: String) -> Element { attribute("id", value) }
    /// This element with `class="…"`.
    public func `class`(_ value: String) -> Element { attribute("class", value) }
    /// This element with `style="…"`.
    public func style(_ value: String) -> Element { attribute("style", value) }

    /// Identifies this element among its siblings, so a reordered list keeps each element's DOM
    /// node, with its focus and typed text.
    public func key(_ key: some CustomStringConvertible) -> Element {
        var copy = self
        copy.key = key.description
        return copy
    }

    /// Captures this element, so it can be passed to JS once rendered.
    public func ref(_ reference: ElementReference) -> Element {
        var copy = self
        copy.reference = reference
        return copy
    }
}
