// What a hibernating circuit asks of its renderer. Kept apart from Renderer.swift: hibernation
// only reads the renderer's state and marks a rebuilt tree as the one the page already shows.

extension Renderer {
    /// Each mounted component's id by its place: a renderer given these (`componentIDs:`) mounts
    /// the same components under the same ids, so the handler ids in the page stay valid after
    /// navigation or children came and went. A place held twice (a repeated key) keeps its first.
    package var componentIDsByPlace: [String: Int] {
        Dictionary(byID.values.map { ($0.place, $0.id) }, uniquingKeysWith: min)
    }

    /// The HTML of the tree the browser has now, as the last render left it; renders nothing.
    package var shownHTML: String { HTMLWriter.html(tree) }

    /// A tree rebuilt for a page that already shows it (a revived hibernated circuit): its first
    /// render's `onAfterRender(firstRender: true)` already ran for that page, and what it did
    /// there (a focus, a chart drawn by JS) is still on the page. It is not run again.
    package func adoptShownRender() {
        for record in byID.values {
            record.renderedOnce = true
            record.renderedInLastPass = false
        }
    }
}
