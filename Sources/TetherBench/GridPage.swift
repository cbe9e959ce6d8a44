import TetherUI

/// A large re-render: a 200-row stock table whose every price and quantity changes on each click,
/// as a dashboard refresh would. It has the counter's `#count` and `#increment`, so the driver's
/// click→DOM code runs on it unchanged (`bench/run.py --only deflate`); each click's render batch
/// carries 600 text edits, several KB of JSON, where permessage-deflate can matter.
final class GridPage: Page {
    static let route = "/_bench/grid"

    private var count = 0
    private static let products = ["bolts", "nuts", "washers", "screws", "rivets", "hinges", "brackets", "anchors"]

    var body: Content {
        h1 { "Stock" }
        p { "Refresh: "; span(.id("count")) { count } }
        button(.id("increment")) { "Refresh" }.onClick { self.count += 1 }
        table(.id("grid")) {
            element("thead") { tr { th { "SKU" }; th { "Product" }; th { "Price" }; th { "Quantity" }; th { "Status" } } }
            // Explicit: a parser adds a tbody to a bare table, and the patches' paths would miss it.
            element("tbody") {
                for row in 0..<200 {
                    let quantity = (row * 37 + count * 11) % 500
                    tr {
                        td { "SKU-\(10_000 + row)" }
                        td { Self.products[row % Self.products.count] + " size \(row % 12)" }
                        td { "\((row * 13 + count * 7) % 1000).\(String((row + count) % 100).leftPadded)" }
                        td { String(quantity) }
                        td { quantity < 50 ? "low" : "in stock" }
                    }
                }
            }
        }
    }
}

extension String {
    fileprivate var leftPadded: String { count < 2 ? "0" + self : self }
}
