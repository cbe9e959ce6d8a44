/// One DOM edit of a render batch: `[code, path, ...fields]`, applied in order. A path is a list of
/// child indices from the root, valid when its edit is applied; a node of raw markup counts as
/// one child.
///
/// | edit | fields after the code |
/// | --- | --- |
/// | `replaceNode` | path, html |
/// | `insertNode` | parent path, index, html |
/// | `removeNode` | path |
/// | `setText` | path, text |
/// | `setAttribute` | path, name, value |
/// | `removeAttribute` | path, name |
/// | `moveChild` | parent path, from index, to index |
/// | `replaceChildren` | path, html: sent once when a prerendered page differs from its live render |
package enum EditCode: Int, CaseIterable, Sendable {
    case replaceNode = 0, insertNode = 1, removeNode = 2, setText = 3
    case setAttribute = 4, removeAttribute = 5, moveChild = 6, replaceChildren = 7
}
