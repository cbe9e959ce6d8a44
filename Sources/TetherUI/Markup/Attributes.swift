/// An HTML attribute. A nil value leaves the attribute out, which is how boolean attributes such
/// as `disabled` are turned off.
public struct Attribute: Sendable, Equatable {
    public let name: String
    public let value: String?

    public init(_ name: String, _ value: String?) {
        let lowered = name.lowercased()
        self.name = lowered
        self.value = value.map { Self.neutralizeScriptURL(name: lowered, value: $0) }
    }

    public static func id(_ value: String) -> Attribute { Attribute("id", value) }
    public static func `class`(_ value: String) -> Attribute { Attribute("class", value) }
    public static func style(_ value: String) -> Attribute { Attribute("style", value) }
    public static func href(_ value: String) -> Attribute { Attribute("href", value) }
    public static func src(_ value: String) -> Attribute { Attribute("src", value) }
    public static func type(_ value: String) -> Attribute { Attribute("type", value) }
    public static func name(_ value: String) -> Attribute { Attribute("name", value) }
    public static func value(_ value: String) -> Attribute { Attribute("value", value) }
    public static func placeholder(_ value: String) -> Attribute { Attribute("placeholder", value) }
    public static func `for`(_ value: String) -> Attribute { Attribute("for", value) }
    public static func title(_ value: String) -> Attribute { Attribute("title", value) }
    public static func disabled(_ on: Bool = true) -> Attribute { Attribute("disabled", on ? "" : nil) }
    public static func checked(_ on: Bool = true) -> Attribute { Attribute("checked", on ? "" : nil) }
    public static func selected(_ on: Bool = true) -> Attribute { Attribute("selected", on ? "" : nil) }
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
        let lowered = String(squeezed).lowercased()
        if lowered.hasPrefix("javascript:") || lowered.hasPrefix("vbscript:") || lowered.hasPrefix("data:text/html") {
            return "about:blank#blocked"
        }
        return value
    }
}

extension Element {
    public func attribute(_ name: String, _ value: String?) -> Element {
        applying(Attribute(name, value))
    }

    func applying(_ attribute: Attribute) -> Element {
        var copy = self
        guard Attribute.isValidName(attribute.name) else {
            copy.problems.append(.droppedAttribute(attribute.name, reason: "not a valid attribute name"))
            return copy
        }
        guard !attribute.name.lowercased().hasPrefix("on") else {
            copy.problems.append(.droppedAttribute(attribute.name, reason: "inline handlers are not allowed; use .on(\"event\") { }"))
            return copy
        }
        guard !attribute.name.lowercased().hasPrefix("data-t-") else {
            copy.problems.append(.droppedAttribute(attribute.name, reason: "data-t-* attributes are Tether's own"))
            return copy
        }
        copy.attributes.removeAll { $0.name == attribute.name }
        if let value = attribute.value { copy.attributes.append((attribute.name, value)) }
        return copy
    }

    public func id(_ value: String) -> Element { attribute("id", value) }
    public func `class`(_ value: String) -> Element { attribute("class", value) }
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
