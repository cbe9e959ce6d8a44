import TetherInterop

/// A node of the test client's copy of the page, counted the way the runtime (`runtime/dom-edits.js`) counts DOM children:
/// a run of raw markup fenced by `<!--[-->` and `<!--]-->` is one child.
struct HTMLNode: Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case element(String)
        case text
        /// Raw markup; `text` holds the HTML between the fences.
        case markup
    }

    var kind: Kind
    var attributes: [Attribute] = []
    var children: [HTMLNode] = []
    /// Decoded text of a text node, or the raw HTML of a markup run.
    var text = ""

    struct Attribute: Sendable, Equatable {
        var name: String
        var value: String
    }

    static func element(_ tag: String, _ attributes: [Attribute] = [], _ children: [HTMLNode] = []) -> HTMLNode {
        HTMLNode(kind: .element(tag), attributes: attributes, children: children)
    }

    var tag: String? {
        if case .element(let tag) = kind { return tag }
        return nil
    }

    func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// The text content, as `textContent` would give it (markup runs contribute their raw HTML).
    var textContent: String {
        switch kind {
        case .text, .markup: text
        case .element: children.map(\.textContent).joined()
        }
    }

    /// This node and all its descendants, depth first.
    var allNodes: [HTMLNode] {
        [self] + children.flatMap(\.allNodes)
    }

    func first(where predicate: (HTMLNode) -> Bool) -> HTMLNode? {
        if predicate(self) { return self }
        for child in children {
            if let found = child.first(where: predicate) { return found }
        }
        return nil
    }

    func element(id: String) -> HTMLNode? {
        first { $0.tag != nil && $0.attribute("id") == id }
    }

    var description: String {
        switch kind {
        case .text: "#text(\(text))"
        case .markup: "#markup(\(text))"
        case .element(let tag): "<\(tag)>"
        }
    }
}

struct HTMLParseError: Error, CustomStringConvertible {
    let description: String
}

/// Parses the HTML the server writes (well-formed, lower-case tags, quoted attributes) into nodes.
/// Not a general HTML parser: enough to follow what `HTMLWriter` produces, and to fail loudly on
/// anything else.
enum HTMLParser {
    static let voidTags: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    ]
    static let rawTextTags: Set<String> = ["script", "style"]

    static func parse(_ html: String) throws -> [HTMLNode] {
        let chars = Array(html.unicodeScalars)
        var i = 0
        // The stack of open elements; index 0 is a synthetic container.
        var stack: [HTMLNode] = [.element("#fragment")]

        func hasPrefix(_ prefix: String, at index: Int) -> Bool {
            var j = index
            for scalar in prefix.unicodeScalars {
                guard j < chars.count, chars[j] == scalar else { return false }
                j += 1
            }
            return true
        }
        func find(_ needle: String, from index: Int) -> Int? {
            var j = index
            while j < chars.count {
                if hasPrefix(needle, at: j) { return j }
                j += 1
            }
            return nil
        }
        func string(_ range: Range<Int>) -> String {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: chars[range])
            return String(s)
        }
        func append(_ node: HTMLNode) {
            if node.kind == .text, let last = stack[stack.count - 1].children.last, last.kind == .text {
                stack[stack.count - 1].children[stack[stack.count - 1].children.count - 1].text += node.text
            } else {
                stack[stack.count - 1].children.append(node)
            }
        }
        func closeTop() {
            let done = stack.removeLast()
            stack[stack.count - 1].children.append(done)
        }
        func isNameChar(_ c: Unicode.Scalar) -> Bool {
            !(c == " " || c == "\n" || c == "\t" || c == "\r" || c == "=" || c == ">" || c == "/" || c == "\"" || c == "'")
        }

        while i < chars.count {
            if hasPrefix("<!--[-->", at: i) {
                guard let end = find("<!--]-->", from: i + 8) else { throw HTMLParseError(description: "unterminated markup run at \(i)") }
                append(HTMLNode(kind: .markup, text: string(i + 8..<end)))
                i = end + 8
            } else if hasPrefix("<!--", at: i) {
                guard let end = find("-->", from: i + 4) else { throw HTMLParseError(description: "unterminated comment at \(i)") }
                i = end + 3
            } else if hasPrefix("<!", at: i) {
                guard let end = find(">", from: i) else { throw HTMLParseError(description: "unterminated declaration at \(i)") }
                i = end + 1
            } else if hasPrefix("</", at: i) {
                guard let end = find(">", from: i) else { throw HTMLParseError(description: "unterminated end tag at \(i)") }
                let tag = string(i + 2..<end).lowercased()
                guard let open = stack.lastIndex(where: { $0.tag == tag }), open > 0 else {
                    throw HTMLParseError(description: "end tag </\(tag)> without a start tag at \(i)")
                }
                while stack.count > open { closeTop() }
                i = end + 1
            } else if chars[i] == "<", i + 1 < chars.count, chars[i + 1].properties.isAlphabetic {
                var j = i + 1
                while j < chars.count, isNameChar(chars[j]) { j += 1 }
                let tag = string(i + 1..<j).lowercased()
                var attributes: [HTMLNode.Attribute] = []
                var selfClosing = false
                while true {
                    while j < chars.count, chars[j].properties.isWhitespace { j += 1 }
                    guard j < chars.count else { throw HTMLParseError(description: "unterminated start tag <\(tag)>") }
                    if chars[j] == ">" {
                        j += 1
                        break
                    }
                    if hasPrefix("/>", at: j) {
                        selfClosing = true
                        j += 2
                        break
                    }
                    let nameStart = j
                    while j < chars.count, isNameChar(chars[j]) { j += 1 }
                    guard j > nameStart else { throw HTMLParseError(description: "bad attribute in <\(tag)> at \(j)") }
                    let name = string(nameStart..<j).lowercased()
                    var value = ""
                    if j < chars.count, chars[j] == "=" {
                        j += 1
                        guard j < chars.count, chars[j] == "\"" || chars[j] == "'" else {
                            throw HTMLParseError(description: "unquoted value of \(name) in <\(tag)>")
                        }
                        let quote = chars[j]
                        let valueStart = j + 1
                        j = valueStart
                        while j < chars.count, chars[j] != quote { j += 1 }
                        guard j < chars.count else { throw HTMLParseError(description: "unterminated value of \(name) in <\(tag)>") }
                        value = decodeEntities(string(valueStart..<j))
                        j += 1
                    }
                    attributes.append(.init(name: name, value: value))
                }
                i = j
                let node = HTMLNode.element(tag, attributes)
                if voidTags.contains(tag) || selfClosing {
                    append(node)
                } else if rawTextTags.contains(tag) {
                    guard let end = find("</\(tag)", from: i) else { throw HTMLParseError(description: "unterminated <\(tag)>") }
                    var element = node
                    if end > i { element.children = [HTMLNode(kind: .text, text: string(i..<end))] }
                    append(element)
                    guard let close = find(">", from: end) else { throw HTMLParseError(description: "unterminated </\(tag)") }
                    i = close + 1
                } else {
                    stack.append(node)
                }
            } else {
                var j = i
                while j < chars.count, chars[j] != "<" { j += 1 }
                if j == i { j += 1 }  // a lone "<" that starts no tag is text
                append(HTMLNode(kind: .text, text: decodeEntities(string(i..<j))))
                i = j
            }
        }
        guard stack.count == 1 else {
            throw HTMLParseError(description: "unclosed elements: \(stack.dropFirst().compactMap(\.tag))")
        }
        return stack[0].children
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[amp...]
            if let semi = after.firstIndex(of: ";"), after.distance(from: amp, to: semi) <= 10 {
                let name = after[after.index(after: amp)..<semi]
                var decoded: String?
                switch name {
                case "amp": decoded = "&"
                case "lt": decoded = "<"
                case "gt": decoded = ">"
                case "quot": decoded = "\""
                case "apos": decoded = "'"
                default:
                    if name.hasPrefix("#x") || name.hasPrefix("#X") {
                        decoded = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                    } else if name.hasPrefix("#") {
                        decoded = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
                    }
                }
                if let decoded {
                    out += decoded
                    rest = after[after.index(after: semi)...]
                    continue
                }
            }
            out += "&"
            rest = after.dropFirst()
        }
        out += rest
        return out
    }
}

struct EditError: Error, CustomStringConvertible {
    let description: String
}

/// The test client's copy of the `#tether-root` element, patched by render batches exactly as
/// `applyEdits` in `runtime/dom-edits.js` patches the browser's DOM. A wrong path fails the batch.
struct MirrorDOM: Sendable {
    var root: HTMLNode

    /// The `#tether-root` element of a complete prerendered document.
    init(document html: String) throws {
        let nodes = try HTMLParser.parse(html)
        guard let root = nodes.lazy.compactMap({ $0.first { $0.attribute("id") == "tether-root" } }).first else {
            throw HTMLParseError(description: "no #tether-root element in the document")
        }
        self.root = root
    }

    func element(id: String) -> HTMLNode? { root.element(id: id) }

    /// The handler id of `event` on the first element matching `predicate`, without the option
    /// suffixes (`;pd`, `;db=…`) that the browser strips too.
    func handlerID(_ event: String, where predicate: (HTMLNode) -> Bool) -> String? {
        guard let value = root.first(where: { $0.tag != nil && predicate($0) })?.attribute("data-t-" + event) else { return nil }
        return String(value.split(separator: ";", omittingEmptySubsequences: false)[0])
    }

    func handlerID(_ event: String, id: String) -> String? {
        handlerID(event) { $0.attribute("id") == id }
    }

    /// Applies one batch's edits in order.
    mutating func apply(_ edits: JSONValue) throws {
        guard case .array(let list) = edits else { throw EditError(description: "edits are not an array: \(edits)") }
        for edit in list { try applyOne(edit) }
    }

    private mutating func applyOne(_ edit: JSONValue) throws {
        guard case .array(let f) = edit, let code = f.first?.intValue else { throw EditError(description: "malformed edit \(edit)") }
        func path(_ i: Int) throws -> [Int] {
            guard i < f.count, case .array(let items) = f[i] else { throw EditError(description: "edit \(edit) lacks a path") }
            let path = items.compactMap(\.intValue)
            guard path.count == items.count else { throw EditError(description: "edit \(edit) has a bad path") }
            return path
        }
        func int(_ i: Int) throws -> Int {
            guard i < f.count, let n = f[i].intValue else { throw EditError(description: "edit \(edit) lacks field \(i)") }
            return n
        }
        func str(_ i: Int) throws -> String {
            guard i < f.count, let s = f[i].stringValue else { throw EditError(description: "edit \(edit) lacks field \(i)") }
            return s
        }
        switch code {
        case 0:
            let p = try path(1)
            guard let last = p.last else { throw EditError(description: "replace of the root in \(edit)") }
            let nodes = try HTMLParser.parse(try str(2))
            try modify(Array(p.dropLast()), edit) { parent in
                guard parent.children.indices.contains(last) else { throw EditError(description: "no child \(last) for \(edit)") }
                parent.children.replaceSubrange(last...last, with: nodes)
            }
        case 1:
            let index = try int(2)
            let nodes = try HTMLParser.parse(try str(3))
            try modify(try path(1), edit) { parent in
                guard index >= 0, index <= parent.children.count else { throw EditError(description: "insert index out of range in \(edit)") }
                parent.children.insert(contentsOf: nodes, at: index)
            }
        case 2:
            let p = try path(1)
            guard let last = p.last else { throw EditError(description: "remove of the root in \(edit)") }
            try modify(Array(p.dropLast()), edit) { parent in
                guard parent.children.indices.contains(last) else { throw EditError(description: "no child \(last) for \(edit)") }
                parent.children.remove(at: last)
            }
        case 3:
            let text = try str(2)
            try modify(try path(1), edit) { node in
                guard node.kind == .text else { throw EditError(description: "set-text on \(node) in \(edit)") }
                node.text = text
            }
        case 4:
            let name = try str(2)
            let value = try str(3)
            try modify(try path(1), edit) { node in
                guard node.tag != nil else { throw EditError(description: "set-attribute on \(node) in \(edit)") }
                if let i = node.attributes.firstIndex(where: { $0.name == name }) {
                    node.attributes[i].value = value
                } else {
                    node.attributes.append(.init(name: name, value: value))
                }
            }
        case 5:
            let name = try str(2)
            try modify(try path(1), edit) { node in
                guard node.tag != nil else { throw EditError(description: "remove-attribute on \(node) in \(edit)") }
                node.attributes.removeAll { $0.name == name }
            }
        case 6:
            let from = try int(2)
            let to = try int(3)
            try modify(try path(1), edit) { parent in
                guard parent.children.indices.contains(from) else { throw EditError(description: "move from \(from) out of range in \(edit)") }
                let moving = parent.children.remove(at: from)
                guard to >= 0, to <= parent.children.count else { throw EditError(description: "move to \(to) out of range in \(edit)") }
                parent.children.insert(moving, at: to)
            }
        case 7:
            let nodes = try HTMLParser.parse(try str(2))
            try modify(try path(1), edit) { $0.children = nodes }
        default:
            throw EditError(description: "unknown edit code \(code) in \(edit)")
        }
    }

    private mutating func modify(_ path: [Int], _ edit: JSONValue, _ body: (inout HTMLNode) throws -> Void) throws {
        try Self.modify(&root, path[...], edit, body)
    }

    private static func modify(_ node: inout HTMLNode, _ path: ArraySlice<Int>, _ edit: JSONValue, _ body: (inout HTMLNode) throws -> Void) throws {
        guard let first = path.first else { return try body(&node) }
        guard node.children.indices.contains(first) else {
            throw EditError(description: "render path of \(edit) does not exist (no child \(first) of \(node))")
        }
        try modify(&node.children[first], path.dropFirst(), edit, body)
    }
}
