import TetherInterop

/// The edits that turn one render tree into another, as the browser applies them.
///
/// Edits are applied in order, and each path is a list of child indices from the root, valid at
/// the moment its edit is applied. A node of raw markup counts as one child.
///
/// | code | edit | fields |
/// | --- | --- | --- |
/// | 0 | replace node | path, html |
/// | 1 | insert node | parent path, index, html |
/// | 2 | remove node | path |
/// | 3 | set text | path, text |
/// | 4 | set attribute | path, name, value |
/// | 5 | remove attribute | path, name |
/// | 6 | move child | parent path, from index, to index |
/// | 7 | replace all children | path, html (sent when a prerendered page differs from its live render) |
public struct TreeDiff {
    public private(set) var editCount = 0
    private var out = "["

    public init() {}

    /// The edits as a JSON array.
    public var json: String { out + "]" }

    public mutating func diff(_ old: [RenderNode], _ new: [RenderNode], path: [Int] = []) {
        diffChildren(old, new, path: path)
    }

    private mutating func diffChildren(_ old: [RenderNode], _ new: [RenderNode], path: [Int]) {
        if old.contains(where: { $0.key != nil }) || new.contains(where: { $0.key != nil }),
            let oldKeys = Self.uniqueKeys(old), let newKeys = Self.uniqueKeys(new)
        {
            diffKeyed(old, oldKeys, new, newKeys, path: path)
            return
        }
        let common = min(old.count, new.count)
        for i in 0..<common { diffNode(old[i], new[i], path: path + [i]) }
        if new.count > old.count {
            for i in old.count..<new.count { insert(new[i], parent: path, at: i) }
        } else if old.count > new.count {
            for i in (new.count..<old.count).reversed() { emit(2, path + [i]) }
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
            emit(2, path + [i])
            work.remove(at: i)
        }
        for j in new.indices {
            let key = newKeys[j]
            if j < work.count, work[j].key == key {
                diffNode(work[j].node, new[j], path: path + [j])
            } else if let k = work.indices.first(where: { $0 > j && work[$0].key == key }) {
                beginEdit(6)
                out += ",\(Self.pathJSON(path)),\(k),\(j)]"
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
                beginEdit(3)
                out += ",\(Self.pathJSON(path)),"
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
            beginEdit(4)
            out += ",\(Self.pathJSON(path)),"
            JSONText.appendQuoted(name, to: &out)
            out += ","
            JSONText.appendQuoted(value, to: &out)
            out += "]"
        }
        for (name, _) in old where !new.contains(where: { $0.name == name }) {
            beginEdit(5)
            out += ",\(Self.pathJSON(path)),"
            JSONText.appendQuoted(name, to: &out)
            out += "]"
        }
    }

    private mutating func replace(_ node: RenderNode, at path: [Int]) {
        beginEdit(0)
        out += ",\(Self.pathJSON(path)),"
        JSONText.appendQuoted(HTMLWriter.html([node]), to: &out)
        out += "]"
    }

    private mutating func insert(_ node: RenderNode, parent: [Int], at index: Int) {
        beginEdit(1)
        out += ",\(Self.pathJSON(parent)),\(index),"
        JSONText.appendQuoted(HTMLWriter.html([node]), to: &out)
        out += "]"
    }

    private mutating func emit(_ code: Int, _ path: [Int]) {
        beginEdit(code)
        out += ",\(Self.pathJSON(path))]"
    }

    private mutating func beginEdit(_ code: Int) {
        if editCount > 0 { out += "," }
        editCount += 1
        out += "[\(code)"
    }

    private static func pathJSON(_ path: [Int]) -> String {
        "[" + path.map(String.init).joined(separator: ",") + "]"
    }
}
