import TetherInterop
import TetherProtocol

/// The edits that turn one render tree into another, as the browser applies them: a JSON array of
/// `[code, path, ...fields]`, with the codes and fields of `EditCode`.
package struct TreeDiff {
    package private(set) var editCount = 0
    private var out = "["

    package init() {}

    /// The edits as a JSON array.
    package var json: String { out + "]" }

    package mutating func diff(_ old: [RenderNode], _ new: [RenderNode], path: [Int] = []) {
        diffChildren(old, new, path: path)
    }

    /// Replaces everything under `path` with `html` in one edit: what a live render sends when it
    /// differs from the page the browser prerendered.
    package mutating func replaceChildren(at path: [Int], with html: String) {
        beginEdit(.replaceChildren)
        appendPath(path)
        out += ","
        JSONText.appendQuoted(html, to: &out)
        out += "]"
    }

    private mutating func diffChildren(_ old: [RenderNode], _ new: [RenderNode], path: [Int]) {
        // Keys in the same places, the common case of a re-render (a list with one row edited):
        // matching by key would pair the same nodes as matching by position, at the price of
        // hashing every key.
        let keysInPlace =
            old.count == new.count && zip(old, new).allSatisfy { a, b in a.isSameElement(as: b) || a.key == b.key }
        if !keysInPlace, old.contains(where: { $0.key != nil }) || new.contains(where: { $0.key != nil }),
            let oldKeys = Self.uniqueKeys(old), let newKeys = Self.uniqueKeys(new)
        {
            diffKeyed(old, oldKeys, new, newKeys, path: path)
            return
        }
        let common = min(old.count, new.count)
        for i in 0..<common where !old[i].isSameElement(as: new[i]) { diffNode(old[i], new[i], path: path + [i]) }
        if new.count > old.count {
            for i in old.count..<new.count { insert(new[i], parent: path, at: i) }
        } else if old.count > new.count {
            for i in (new.count..<old.count).reversed() { emit(.removeNode, path + [i]) }
        }
    }

    /// Keys for matching; unkeyed nodes are matched by position among themselves.
    private static func uniqueKeys(_ nodes: [RenderNode]) -> [String]? {
        var seen = Set<String>()
        var keys: [String] = []
        keys.reserveCapacity(nodes.count)
        var unkeyed = 0
        for node in nodes {
            let key: String
            if let k = node.key {
                key = "k" + k
            } else {
                key = "#\(unkeyed)"
                unkeyed += 1
            }
            guard seen.insert(key).inserted else { return nil }
            keys.append(key)
        }
        return keys
    }

    private mutating func diffKeyed(_ old: [RenderNode], _ oldKeys: [String], _ new: [RenderNode], _ newKeys: [String], path: [Int]) {
        let wanted = Set(newKeys)
        var work: [(key: String, node: RenderNode)] = Array(zip(oldKeys, old)).map { ($0.0, $0.1) }
        for i in work.indices.reversed() where !wanted.contains(work[i].key) {
            emit(.removeNode, path + [i])
            work.remove(at: i)
        }
        for j in new.indices {
            let key = newKeys[j]
            if j < work.count, work[j].key == key {
                if !work[j].node.isSameElement(as: new[j]) { diffNode(work[j].node, new[j], path: path + [j]) }
            } else if let k = work.indices.first(where: { $0 > j && work[$0].key == key }) {
                beginEdit(.moveChild)
                appendPath(path)
                out += ",\(k),\(j)]"
                let item = work.remove(at: k)
                work.insert(item, at: j)
                diffNode(item.node, new[j], path: path + [j])
            } else {
                insert(new[j], parent: path, at: j)
                work.insert((key, new[j]), at: j)
            }
        }
    }

    private mutating func diffNode(_ old: RenderNode, _ new: RenderNode, path: [Int]) {
        switch (old, new) {
        case (.text(let a), .text(let b)):
            if a != b {
                beginEdit(.setText)
                appendPath(path)
        out += ","
                JSONText.appendQuoted(b, to: &out)
                out += "]"
            }
        case (.markup(let a), .markup(let b)):
            if a != b { replace(new, at: path) }
        case (.element(let a), .element(let b)):
            if a === b { return }
            guard a.tag == b.tag, a.key == b.key else {
                replace(new, at: path)
                return
            }
            diffAttributes(a.attributes, b.attributes, path: path)
            diffChildren(a.children, b.children, path: path)
        default:
            replace(new, at: path)
        }
    }

    private mutating func diffAttributes(_ old: [(name: String, value: String)], _ new: [(name: String, value: String)], path: [Int]) {
        if old.count == new.count, zip(old, new).allSatisfy({ $0.name == $1.name && $0.value == $1.value }) { return }
        for (name, value) in new where old.first(where: { $0.name == name })?.value != value {
            beginEdit(.setAttribute)
            appendPath(path)
        out += ","
            JSONText.appendQuoted(name, to: &out)
            out += ","
            JSONText.appendQuoted(value, to: &out)
            out += "]"
        }
        for (name, _) in old where !new.contains(where: { $0.name == name }) {
            beginEdit(.removeAttribute)
            appendPath(path)
        out += ","
            JSONText.appendQuoted(name, to: &out)
            out += "]"
        }
    }

    private mutating func replace(_ node: RenderNode, at path: [Int]) {
        beginEdit(.replaceNode)
        appendPath(path)
        out += ","
        JSONText.appendQuoted(HTMLWriter.html([node]), to: &out)
        out += "]"
    }

    private mutating func insert(_ node: RenderNode, parent: [Int], at index: Int) {
        beginEdit(.insertNode)
        appendPath(parent)
        out += ",\(index),"
        JSONText.appendQuoted(HTMLWriter.html([node]), to: &out)
        out += "]"
    }

    private mutating func emit(_ code: EditCode, _ path: [Int]) {
        beginEdit(code)
        appendPath(path)
        out += "]"
    }

    private mutating func beginEdit(_ code: EditCode) {
        if editCount > 0 { out += "," }
        editCount += 1
        out += "[\(code.rawValue)"
    }

    /// `,[i,j,…]`, written in place: the joined strings it was built from cost more than the edit.
    private mutating func appendPath(_ path: [Int]) {
        out += ",["
        for (n, index) in path.enumerated() {
            if n > 0 { out += "," }
            out += String(index)
        }
        out += "]"
    }
}
