import TetherUI

/// 100,000 rows of which only those in view are rendered: each window comes from an async provider
/// that computes its rows on the fly, so neither the server nor the page holds the whole list.
public final class VirtualizePage: Page {
    public static let route = "/virtualize"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    static let rowCount = 100_000
    static let rowHeight = 30

    public var body: Content {
        h1 { "Virtualize" }
        p { "\(Self.rowCount) rows, \(Self.rowHeight) px each; only the rows in view, plus a few on each side, are rendered." }
        Virtualize(itemHeight: Self.rowHeight, viewportHeight: 420, overscan: 5, id: "rows", provider: Self.rows) { (number: Int) in
            div(
                .id("row-\(number)"), .class("virtual-row"),
                .style("height:\(Self.rowHeight)px;box-sizing:border-box;border-bottom:1px solid #eee;padding:4px 8px")
            ) { "Row \(number)" }
        } placeholder: { index in
            div(.class("virtual-row placeholder"), .style("height:\(Self.rowHeight)px;box-sizing:border-box;padding:4px 8px;color:#999")) {
                "Loading row \(index)…"
            }
        }
    }

    /// The rows of a window, made up on the spot as a database page would be read.
    static func rows(_ request: ItemsRequest) async throws -> ItemsPage<Int> {
        let start = min(max(0, request.offset), rowCount)
        let end = start + min(rowCount - start, max(0, request.count))
        return ItemsPage(items: Array(start..<end), totalCount: rowCount)
    }
}
