/// One DOM edit of a render batch: `[code, path, ...fields]`, applied in order. A path is a list of
/// child indices from the root, valid when its edit is applied; a node of raw markup counts as
/// one child.
package enum EditCode: Int, CaseIterable, Sendable {
    /// path, html
    case replaceNode = 0
    /// parent path, index, html
    case insertNode = 1
    /// path
    case removeNode = 2
    /// path, text
    case setText = 3
    /// path, name, value
    case setAttribute = 4
    /// path, name
    case removeAttribute = 5
    /// parent path, from index, to index
    case moveChild = 6
    /// path, html: sent once when a prerendered page differs from its live render
    case replaceChildren = 7
}
