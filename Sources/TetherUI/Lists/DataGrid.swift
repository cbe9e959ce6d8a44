/// The order of a sorted column.
public enum SortDirection: String, Sendable, Equatable {
    /// Smallest first: A to Z, 0 to 9, earliest first.
    case ascending
    /// Largest first: Z to A, 9 to 0, latest first.
    case descending

    /// The other direction: a second click on a sorted column's header reverses it.
    public var reversed: SortDirection { self == .ascending ? .descending : .ascending }
}

/// How a `DataGrid` is sorted: by the column with this id, in this direction.
public struct GridSort: Sendable, Equatable {
    /// The sorted column's `id` (its title unless given one).
    public var column: String
    /// Ascending or descending.
    public var direction: SortDirection

    /// A sort by the column with id `column`.
    public init(column: String, direction: SortDirection = .ascending) {
        self.column = column
        self.direction = direction
    }

    /// The sort after a click on the header of `column`: that column ascending, or the current
    /// column reversed.
    public static func afterClick(on column: String, current: GridSort?) -> GridSort {
        guard let current, current.column == column else { return GridSort(column: column) }
        return GridSort(column: column, direction: current.direction.reversed)
    }
}

/// Which rows a `DataGrid` wants from its data source: `count` rows from `offset` on, in `sort`'s
/// order (nil: the source's own order).
public struct GridRequest: Sendable, Equatable {
    /// The index of the first row wanted, from 0, in the sorted order.
    public var offset: Int
    /// How many rows are wanted.
    public var count: Int
    /// The order the rows are wanted in, or nil for the source's own.
    public var sort: GridSort?

    /// A request for `count` rows from `offset` on, sorted by `sort`.
    public init(offset: Int, count: Int, sort: GridSort? = nil) {
        self.offset = offset
        self.count = count
        self.sort = sort
    }
}

/// Fetches a page of a `DataGrid`'s rows (QuickGrid's `ItemsProvider`): a database query with
/// `ORDER BY`, `OFFSET` and `LIMIT`, say. It runs on the circuit.
public typealias GridDataSource<Row> = (GridRequest) async throws -> ItemsPage<Row>

/// Page arithmetic for a paged `DataGrid`.
package enum GridPaging {
    /// How many pages `totalCount` rows fill; an empty grid still has its one (empty) page.
    package static func pageCount(totalCount: Int, pageSize: Int) -> Int {
        let size = max(1, pageSize)
        let total = max(0, totalCount)
        return max(1, total / size + (total % size == 0 ? 0 : 1))
    }

    /// `page` moved inside `0..<pageCount`.
    package static func clamp(page: Int, totalCount: Int, pageSize: Int) -> Int {
        min(max(0, page), pageCount(totalCount: totalCount, pageSize: pageSize) - 1)
    }
}

/// A table of rows from an async data source, with sortable columns and paging, or, for long lists,
/// scrolling through a `Virtualize` window (Blazor's `QuickGrid`).
///
/// ```swift
/// DataGrid(
///     columns: [
///         DataGrid<Person>.Column("Name", \.name),
///         DataGrid<Person>.Column("Age", \.age),
///         DataGrid<Person>.Column("Email") { person in a(.href("mailto:\(person.email)")) { person.email } },
///     ],
///     source: DataGrid<Person>.inMemory(people))
/// ```
///
/// A header click sorts by its column (a second click reverses it) and shows `▲` or `▼` and
/// `aria-sort`; the source is asked again, from the first row.
public final class DataGrid<Row>: Component {
    /// One column: its header, its cells, and whether (and how) it sorts.
    public struct Column {
        /// The header's text.
        public let title: String
        /// The name the data source is told in `GridSort.column`; the title unless given one.
        public let id: String
        /// Whether a click on the header sorts by this column.
        public let isSortable: Bool
        let cell: (Row) -> Content
        /// How `inMemory` sorts by this column; nil for a column whose values do not compare.
        let areInIncreasingOrder: ((Row, Row) -> Bool)?

        /// A column showing `keyPath`'s value as text, sortable unless told otherwise.
        public init<Value: Comparable & CustomStringConvertible>(
            _ title: String, _ keyPath: KeyPath<Row, Value>, id: String? = nil, sortable: Bool = true
        ) {
            self.title = title
            self.id = id ?? title
            self.isSortable = sortable
            self.cell = { row in [.text(row[keyPath: keyPath].description)] }
            self.areInIncreasingOrder = { $0[keyPath: keyPath] < $1[keyPath: keyPath] }
        }

        /// A column whose cells are built by `content`; sortable only if the data source sorts by
        /// its `id` (`inMemory` cannot, and leaves the order as it is).
        public init(_ title: String, id: String? = nil, sortable: Bool = false, @HTMLBuilder content: @escaping (Row) -> Content) {
            self.title = title
            self.id = id ?? title
            self.isSortable = sortable
            self.cell = content
            self.areInIncreasingOrder = nil
        }
    }

    /// Paged with next and previous buttons, or one scrolling list of which only the rows in view
    /// are rendered.
    public enum Mode: Equatable, Sendable {
        /// `pageSize` rows at a time.
        case paged(pageSize: Int)
        /// A `Virtualize` list of rows `rowHeight` pixels tall, in a viewport `viewportHeight` tall.
        case virtualized(rowHeight: Int, viewportHeight: Int)
    }

    /// The columns, in order.
    public private(set) var columns: [Column]
    /// Paged or virtualized.
    public private(set) var mode: Mode
    /// The grid's `id`; a virtualized grid's scroll container is `<id>-rows`.
    public private(set) var gridID: String?
    var source: GridDataSource<Row>
    var rowID: ((Row) -> String)?

    /// The current sort, nil until a header is clicked.
    public private(set) var sort: GridSort?
    /// The shown page, from 0 (paged mode).
    public private(set) var pageIndex = 0
    /// The row count the source last reported (paged mode).
    public private(set) var totalCount = 0
    /// The current page's rows only (paged mode).
    private var rows: [Row] = []
    /// The source's last error, shown in place of the rows until a fetch succeeds.
    public private(set) var loadError: (any Error)?

    public static var parameters: Parameters {
        Parameters(\DataGrid<Row>.columns, \DataGrid<Row>.mode, \DataGrid<Row>.gridID, \DataGrid<Row>.source, \DataGrid<Row>.rowID)
    }

    /// A grid of `columns` over `source`. `rowID` gives each row element an `id`.
    public init(
        columns: [Column], mode: Mode = .paged(pageSize: 20), id: String? = nil, rowID: ((Row) -> String)? = nil,
        source: @escaping GridDataSource<Row>
    ) {
        self.columns = columns
        self.mode = mode
        self.gridID = id
        self.rowID = rowID
        self.source = source
    }

    /// A data source over rows already in memory: sorted with the columns' key paths, then sliced.
    public static func inMemory(_ rows: [Row], columns: [Column]) -> GridDataSource<Row> {
        { request in
            var ordered = rows
            if let sort = request.sort, let column = columns.first(where: { $0.id == sort.column }),
                let less = column.areInIncreasingOrder
            {
                // Sorted stably on both sides, so equal values keep the source's order either way.
                let indexed = ordered.enumerated().sorted { a, b in
                    if less(a.element, b.element) { return sort.direction == .ascending }
                    if less(b.element, a.element) { return sort.direction == .descending }
                    return a.offset < b.offset
                }
                ordered = indexed.map(\.element)
            }
            let start = min(max(0, request.offset), ordered.count)
            // Subtracted, not added: a request for Int.max rows must not overflow.
            let end = start + min(ordered.count - start, max(0, request.count))
            return ItemsPage(items: Array(ordered[start..<end]), totalCount: rows.count)
        }
    }

    var pageSize: Int {
        if case .paged(let size) = mode { return max(1, size) }
        return 1
    }

    /// How many pages the rows fill (paged mode).
    public var pageCount: Int { GridPaging.pageCount(totalCount: totalCount, pageSize: pageSize) }

    public override func onInitialized() async throws {
        if case .paged = mode { await loadPage() }
    }

    public var body: Content {
        switch mode {
        case .paged: pagedGrid()
        case .virtualized(let rowHeight, let viewportHeight): virtualizedGrid(rowHeight: rowHeight, viewportHeight: viewportHeight)
        }
    }

    /// Sorts by the column with id `columnID`, or reverses it if it is already the sort, and shows
    /// the first rows in the new order.
    public func toggleSort(_ columnID: String) async {
        guard columns.contains(where: { $0.id == columnID && $0.isSortable }) else { return }
        sort = GridSort.afterClick(on: columnID, current: sort)
        pageIndex = 0
        if case .paged = mode { await loadPage() }
    }

    /// Shows page `index` (from 0), clamped to the pages there are.
    public func goTo(page index: Int) async {
        pageIndex = GridPaging.clamp(page: index, totalCount: totalCount, pageSize: pageSize)
        await loadPage()
    }

    private func loadPage() async {
        do {
            let page = try await source(GridRequest(offset: pageIndex * pageSize, count: pageSize, sort: sort))
            loadError = nil
            totalCount = max(0, page.totalCount)
            rows = Array(page.items.prefix(pageSize))
            let clamped = GridPaging.clamp(page: pageIndex, totalCount: totalCount, pageSize: pageSize)
            // The rows shrank under a later page: show the last one there is.
            if clamped != pageIndex {
                pageIndex = clamped
                let last = try await source(GridRequest(offset: pageIndex * pageSize, count: pageSize, sort: sort))
                totalCount = max(0, last.totalCount)
                rows = Array(last.items.prefix(pageSize))
            }
        } catch {
            loadError = error
            rows = []
        }
    }

    private func ariaSort(_ column: Column) -> String? {
        guard column.isSortable else { return nil }
        guard let sort, sort.column == column.id else { return "none" }
        return sort.direction.rawValue
    }

    private func headerContent(_ column: Column) -> Content {
        guard column.isSortable else { return [.text(column.title)] }
        let indicator = sort?.column == column.id ? (sort?.direction == .descending ? "▼" : "▲") : ""
        return [
            .element(
                button(.class("tether-grid-sort"), .type("button"), .data("column", column.id)) {
                    column.title
                    span(.class("tether-grid-sort-indicator"), Attribute("aria-hidden", "true")) { indicator }
                }.onClick { await self.toggleSort(column.id) })
        ]
    }

    private func pagedGrid() -> Element {
        let grid = div(.class("tether-grid")) {
            element("table", [.class("tether-grid-table")]) {
                element("thead") {
                    tr {
                        for column in columns {
                            element("th", [Attribute("scope", "col"), Attribute("aria-sort", ariaSort(column))]) { headerContent(column) }
                        }
                    }
                }
                element("tbody") {
                    if let loadError {
                        tr { element("td", [Attribute("colspan", String(columns.count)), Attribute("role", "alert")]) { "Could not load the rows: \(loadError)" } }
                    }
                    for row in rows {
                        element("tr", [Attribute("id", rowID?(row))]) {
                            for column in columns { td { column.cell(row) } }
                        }
                    }
                }
            }
            div(.class("tether-grid-pager")) {
                button(.class("tether-grid-prev"), .type("button"), .disabled(pageIndex == 0)) { "Previous" }
                    .onClick { await self.goTo(page: self.pageIndex - 1) }
                " "
                span(.class("tether-grid-page"), Attribute("aria-live", "polite")) { "Page \(pageIndex + 1) of \(pageCount)" }
                " "
                button(.class("tether-grid-next"), .type("button"), .disabled(pageIndex + 1 >= pageCount)) { "Next" }
                    .onClick { await self.goTo(page: self.pageIndex + 1) }
            }
        }
        guard let gridID else { return grid }
        return grid.id(gridID)
    }

    private func virtualizedGrid(rowHeight: Int, viewportHeight: Int) -> Element {
        let template = "display:grid;grid-template-columns:repeat(\(columns.count),minmax(0,1fr))"
        let columns = columns
        let source = source
        let sort = sort
        let rowID = rowID
        let grid = div(.class("tether-grid tether-grid-virtualized"), Attribute("role", "grid")) {
            div(.class("tether-grid-header"), Attribute("role", "row"), .style(template)) {
                for column in columns {
                    div(Attribute("role", "columnheader"), Attribute("aria-sort", ariaSort(column))) { headerContent(column) }
                }
            }
            // Keyed by the sort, so a new order mounts a new list that fetches from the top.
            Virtualize<Row>(
                itemHeight: rowHeight, viewportHeight: viewportHeight, overscan: 5, id: gridID.map { "\($0)-rows" },
                provider: { request in try await source(GridRequest(offset: request.offset, count: request.count, sort: sort)) }
            ) { row in
                div(
                    .class("tether-grid-row"), Attribute("role", "row"), Attribute("id", rowID?(row)),
                    .style("\(template);height:\(rowHeight)px;box-sizing:border-box;overflow:hidden")
                ) {
                    for column in columns { div(Attribute("role", "gridcell")) { column.cell(row) } }
                }
            }.key("sort:\(sort?.column ?? ""):\(sort?.direction.rawValue ?? "")")
        }
        guard let gridID else { return grid }
        return grid.id(gridID)
    }
}
