/// The expanded render tree: child components replaced by their output, event handlers replaced
/// by their ids. This is what the browser's DOM mirrors, node for node, and what the diff compares.
package enum RenderNode {
    case element(RenderElement)
    case text(String)
    case markup(String)
}

package final class RenderElement {
    package let tag: String
    /// Attributes in order, including the `data-t-<event>` handler attributes.
    package let attributes: [(name: String, value: String)]
    package let children: [RenderNode]
    /// Set from `.key(_:)`, or from the key a parent gave the child component that rendered it.
    package internal(set) var key: String?

    init(tag: String, attributes: [(name: String, value: String)], children: [RenderNode], key: String?) {
        self.tag = tag
        self.attributes = attributes
        self.children = children
        self.key = key
    }

    package func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }
}

extension RenderNode {
    var key: String? {
        if case .element(let e) = self { return e.key }
        return nil
    }

    var isText: Bool {
        if case .text = self { return true }
        return false
    }

    /// The same element instance: a subtree kept from the last render, unchanged by definition.
    func isSameElement(as other: RenderNode) -> Bool {
        if case .element(let a) = self, case .element(let b) = other { return a === b }
        return false
    }
}

/// Writes the render tree as HTML, escaping every text and attribute value.
///
/// Raw markup is fenced by `<!--[-->` and `<!--]-->` so the browser can count it as one node,
/// however many DOM nodes it parses into.
package enum HTMLWriter {
    package static func html(_ nodes: [RenderNode]) -> String {
        var out = ""
        for node in nodes { write(node, to: &out) }
        return out
    }

    package static func write(_ node: RenderNode, to out: inout String) {
        switch node {
        case .text(let text):
            appendEscaped(text, attribute: false, to: &out)
        case .markup(let html):
            out += "<!--[-->"
            out += html
            out += "<!--]-->"
        case .element(let element):
            out += "<"
            out += element.tag
            for (name, value) in element.attributes {
                out += " "
                out += name
                if !value.isEmpty {
                    out += "=\""
                    appendEscaped(value, attribute: true, to: &out)
                    out += "\""
                }
            }
            out += ">"
            if Element.voidTags.contains(element.tag) { return }
            for child in element.children { write(child, to: &out) }
            out += "</"
            out += element.tag
            out += ">"
        }
    }

    package static func escape(_ text: String, attribute: Bool = false) -> String {
        var out = ""
        appendEscaped(text, attribute: attribute, to: &out)
        return out
    }

    static func appendEscaped(_ text: String, attribute: Bool, to out: inout String) {
        var clean = true
        for b in text.utf8 where b == 0x26 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 {
            clean = false
            break
        }
        if clean {
            out += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += attribute ? "&quot;" : "\""
            case "'": out += attribute ? "&#39;" : "'"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}
