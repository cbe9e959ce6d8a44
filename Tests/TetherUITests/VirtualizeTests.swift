import Foundation
import Synchronization
import Testing
import TetherInterop
import TetherTesting
import TetherUI

/// Rows made up on the spot, as the demo's /virtualize does, counting what was asked for. Once
/// `hold()` is called, each request waits until `release(offset)`, so a test decides when a fetch
/// lands instead of racing it.
final class RowSource: Sendable {
    let total: Int
    let requests = Mutex<[ItemsRequest]>([])
    private let holding = Mutex(false)
    private let held = Mutex<[Int: CheckedContinuation<Void, Never>]>([:])

    init(total: Int = 100_000) { self.total = total }

    func page(_ request: ItemsRequest) async throws -> ItemsPage<Int> {
        requests.withLock { $0.append(request) }
        if holding.withLock({ $0 }) {
            await withCheckedContinuation { continuation in held.withLock { $0[request.offset] = continuation } }
        }
        let start = min(max(0, request.offset), total)
        let end = min(total, start + max(0, request.count))
        return ItemsPage(items: Array(start..<end), totalCount: total)
    }

    func hold() { holding.withLock { $0 = true } }

    /// Lets the request for `offset` finish, once it has arrived.
    func release(_ offset: Int) async throws {
        try await waitUntil { held.withLock { $0[offset] != nil } }
        let continuation = held.withLock { $0.removeValue(forKey: offset) }
        continuation?.resume()
    }
}

/// Renders as the circuit would until `condition` holds: a fetch that lands asks for a render.
func settle<Root: Component>(_ host: ComponentTestHost<Root>, until condition: () -> Bool) async throws {
    for _ in 0..<1_000 {
        if condition() { return }
        if host.renderRequested { try await host.nextRender() } else { try await Task.sleep(for: .milliseconds(2)) }
    }
    Issue.record("the host never settled")
}

func rowList(_ source: RowSource, itemHeight: Int = 30, overscan: Int = 5) -> Virtualize<Int> {
    Virtualize(itemHeight: itemHeight, viewportHeight: 420, overscan: overscan, id: "rows", provider: source.page) { n in
        div(.id("row-\(n)"), .class("row")) { "Row \(n)" }
    } placeholder: { index in
        div(.class("placeholder")) { "Loading \(index)" }
    }
}

func scroll(_ top: Double, height: Double = 420) -> EventArgs {
    var args = EventArgs(type: "scroll")
    args.scrollTop = top
    args.clientHeight = height
    return args
}

func pixels(_ style: String?) -> Int? {
    guard let style, let range = style.range(of: "height:") else { return nil }
    return Int(style[range.upperBound...].prefix { $0.isNumber })
}

struct VirtualWindowTests {
    @Test func topOfTheListIsTheVisibleRowsPlusOverscanBelow() {
        let window = VirtualWindow.at(scrollTop: 0, viewportHeight: 420, itemHeight: 30, overscan: 5, totalCount: 100_000)
        // 14 rows fill 420 px; one more for a partly shown row at each edge; 5 of overscan below.
        #expect(window == VirtualWindow(offset: 0, count: 21))
    }

    @Test func row50000HasOverscanOnBothSides() {
        let window = VirtualWindow.at(scrollTop: 1_500_000, viewportHeight: 420, itemHeight: 30, overscan: 5, totalCount: 100_000)
        #expect(window.offset == 49_995)
        #expect(window.count == 16 + 10)
        #expect(window.contains(50_000) && window.contains(50_013))
    }

    @Test func hostileScrollPositionsGiveAWindowInsideTheList() {
        let cases: [(Double, Int)] = [(-500, 0), (-.infinity, 0), (.nan, 0), (.infinity, 0), (-.greatestFiniteMagnitude, 0)]
        for (top, offset) in cases {
            let window = VirtualWindow.at(scrollTop: top, viewportHeight: 420, itemHeight: 30, overscan: 5, totalCount: 100_000)
            #expect(window.offset == offset, "scrollTop \(top)")
            #expect(window.count == 21, "scrollTop \(top)")
        }
        for top in [3_000_000.0, 1e300, .greatestFiniteMagnitude] {
            let window = VirtualWindow.at(scrollTop: top, viewportHeight: 420, itemHeight: 30, overscan: 5, totalCount: 100_000)
            #expect(window.offset + window.count == 100_000, "scrollTop \(top)")
            #expect(window.offset == 100_000 - 1 - 5, "scrollTop \(top)")
        }
    }

    @Test func anAbsurdViewportIsClampedSoTheServerNeverFetchesTheWholeList() {
        for height in [1e12, .infinity, .greatestFiniteMagnitude] {
            let window = VirtualWindow.at(scrollTop: 0, viewportHeight: height, itemHeight: 30, overscan: 5, totalCount: 100_000)
            #expect(window.count <= VirtualWindow.maxViewportHeight / 30 + 2 + 5, "viewport \(height)")
        }
        for height in [-1.0, .nan, -.infinity, 0] {
            let window = VirtualWindow.at(scrollTop: 0, viewportHeight: height, itemHeight: 30, overscan: 5, totalCount: 100_000)
            #expect(window == VirtualWindow(offset: 0, count: 7), "viewport \(height)")
        }
    }

    @Test func emptyShortAndOddListsAndSizes() {
        #expect(VirtualWindow.at(scrollTop: 100, viewportHeight: 420, itemHeight: 30, overscan: 5, totalCount: 0).count == 0)
        #expect(VirtualWindow.at(scrollTop: 100, viewportHeight: 420, itemHeight: 30, overscan: 5, totalCount: -7).count == 0)
        #expect(VirtualWindow.at(scrollTop: 0, viewportHeight: 420, itemHeight: 30, overscan: 5, totalCount: 3) == VirtualWindow(offset: 0, count: 3))
        // A zero or negative item height reads as 1 px rather than dividing by zero.
        #expect(VirtualWindow.at(scrollTop: 10, viewportHeight: 5, itemHeight: 0, overscan: -3, totalCount: 100).offset == 10)
        #expect(VirtualWindow.at(scrollTop: 0, viewportHeight: 420, itemHeight: 30, overscan: Int.max, totalCount: 50).count == 50)
    }

    @Test func aListTallerThanBrowsersAllowShowsWhatFits() {
        #expect(VirtualWindow.reachableCount(totalCount: 100_000, itemHeight: 30) == 100_000)
        #expect(VirtualWindow.reachableCount(totalCount: 10_000_000, itemHeight: 30) == 500_000)
        #expect(VirtualWindow.reachableCount(totalCount: Int.max, itemHeight: Int.max) == 0)
        let end = VirtualWindow.at(scrollTop: 1e9, viewportHeight: 420, itemHeight: 30, overscan: 0, totalCount: 10_000_000)
        #expect(end.offset + end.count == 500_000)
    }

    @Test func scrollArgsMustBeFiniteNumbers() throws {
        let good = try EventArgs(json: JSONParser.parse(#"{"type":"scroll","scrollTop":-12.5,"clientHeight":420}"#))
        #expect(good.scrollTop == -12.5 && good.clientHeight == 420)
        for bad in [
            #"{"type":"scroll","scrollTop":"NaN"}"#, #"{"type":"scroll","scrollTop":1e400}"#,
            #"{"type":"scroll","clientHeight":-1e999}"#, #"{"type":"scroll","clientHeight":[420]}"#,
        ] {
            #expect(throws: EventArgsError.self, "\(bad)") { try EventArgs(json: JSONParser.parse(bad)) }
        }
    }
}

struct VirtualizeTests {
    @Test func rendersOnlyTheWindowBetweenSpacersTrueToTheFullHeight() async throws {
        let source = RowSource()
        let host = try await ComponentTestHost(rowList(source))
        let rows = host.findAll(".row")
        #expect(rows.count == 21)
        #expect(rows.first?.text == "Row 0" && rows.last?.text == "Row 20")
        #expect(pixels(host.find(".tether-virtualize-before")?.attribute("style")) == 0)
        #expect(pixels(host.find(".tether-virtualize-after")?.attribute("style")) == (100_000 - 21) * 30)
        #expect(source.requests.withLock { $0 } == [ItemsRequest(offset: 0, count: 21)])
    }

    @Test func scrollingShowsPlaceholdersAtOnceThenTheFetchedRows() async throws {
        let source = RowSource()
        let host = try await ComponentTestHost(rowList(source))
        source.hold()
        try await host.fire("scroll", at: "#rows", args: scroll(1_500_000))
        // The rows already held are out of the new window: placeholders until the fetch lands.
        #expect(host.findAll(".row").isEmpty)
        #expect(host.findAll(".placeholder").count == 26)
        try await source.release(49_995)
        try await host.nextRender()
        let rows = host.findAll(".row")
        #expect(rows.count == 26)
        #expect(host.find("#row-50000")?.text == "Row 50000")
        #expect(pixels(host.find(".tether-virtualize-before")?.attribute("style")) == 49_995 * 30)
        let after = pixels(host.find(".tether-virtualize-after")?.attribute("style")) ?? -1
        #expect(49_995 * 30 + 26 * 30 + after == 100_000 * 30)
        #expect(source.requests.withLock { $0.last } == ItemsRequest(offset: 49_995, count: 26))
    }

    @Test func aShortScrollKeepsTheHeldRowsAndFetchesTheWindow() async throws {
        let source = RowSource()
        let host = try await ComponentTestHost(rowList(source))
        source.hold()
        try await host.fire("scroll", at: "#rows", args: scroll(90))
        // Rows 0...20 were held; the new window is 0..<24, so 21 rows show and 3 wait.
        #expect(host.findAll(".row").count == 21)
        #expect(host.findAll(".placeholder").count == 3)
        try await source.release(0)
        try await host.nextRender()
        #expect(host.findAll(".row").count == 24)
        #expect(host.findAll(".placeholder").isEmpty)
    }

    @Test func aStaleFetchIsIgnoredWhenANewerWindowWasAskedFor() async throws {
        let source = RowSource()
        let host = try await ComponentTestHost(rowList(source))
        source.hold()
        try await host.fire("scroll", at: "#rows", args: scroll(1_500_000))
        try await host.fire("scroll", at: "#rows", args: scroll(600_000))
        try await source.release(19_995)
        try await host.nextRender()
        #expect(host.find("#row-20000") != nil)
        // The older fetch lands last; the rows stay the newer window's.
        try await source.release(49_995)
        try await Task.sleep(for: .milliseconds(50))
        if host.renderRequested { try await host.nextRender() }
        #expect(host.find("#row-20000") != nil)
        #expect(host.find("#row-50000") == nil)
        #expect(host.findAll(".placeholder").isEmpty)
        #expect(host.findAll(".row").count == 26)
    }

    @Test func aProviderErrorIsShownAndTheNextScrollRetries() async throws {
        let failing = Mutex(true)
        let list = Virtualize<Int>(itemHeight: 30, id: "rows", provider: { request in
            if failing.withLock({ $0 }) { throw ListTestError.unavailable }
            return ItemsPage(items: Array(request.offset..<request.offset + request.count), totalCount: 1_000)
        }) { n in div(.class("row")) { "Row \(n)" } }
        let host = try await ComponentTestHost(list)
        #expect(host.find(".tether-virtualize-error")?.text.contains("unavailable") == true)
        failing.withLock { $0 = false }
        try await host.fire("scroll", at: "#rows", args: scroll(300))
        try await settle(host) { host.find(".tether-virtualize-error") == nil }
        #expect(host.findAll(".row").count > 0)
    }
}

enum ListTestError: Error { case unavailable }

func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<500 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(2))
    }
    Issue.record("condition never held")
}

struct GridPerson {
    let name: String
    let age: Int
}

struct DataGridTests {
    static let people = (0..<25).map { GridPerson(name: $0 < 10 ? "P0\($0)" : "P\($0)", age: 50 - ($0 % 7)) }
    // Computed: columns hold closures, which are not Sendable, so they cannot be a shared constant.
    static var columns: [DataGrid<GridPerson>.Column] {
        [
            DataGrid<GridPerson>.Column("Name", \.name), DataGrid<GridPerson>.Column("Age", \.age),
            DataGrid<GridPerson>.Column("Note") { person in "note for \(person.name)" },
        ]
    }

    @Test func pageArithmetic() {
        #expect(GridPaging.pageCount(totalCount: 0, pageSize: 10) == 1)
        #expect(GridPaging.pageCount(totalCount: 10, pageSize: 10) == 1)
        #expect(GridPaging.pageCount(totalCount: 11, pageSize: 10) == 2)
        #expect(GridPaging.pageCount(totalCount: 10_000, pageSize: 0) == 10_000)
        #expect(GridPaging.pageCount(totalCount: -5, pageSize: 10) == 1)
        #expect(GridPaging.clamp(page: -1, totalCount: 25, pageSize: 10) == 0)
        #expect(GridPaging.clamp(page: 99, totalCount: 25, pageSize: 10) == 2)
    }

    @Test func aClickSortsAscendingThenReverses() {
        let first = GridSort.afterClick(on: "Age", current: nil)
        #expect(first == GridSort(column: "Age", direction: .ascending))
        let second = GridSort.afterClick(on: "Age", current: first)
        #expect(second.direction == .descending)
        #expect(GridSort.afterClick(on: "Name", current: second) == GridSort(column: "Name"))
    }

    @Test func inMemorySortsStablyAndSlices() async throws {
        let source = DataGrid<GridPerson>.inMemory(Self.people, columns: Self.columns)
        let byAge = try await source(GridRequest(offset: 0, count: 5, sort: GridSort(column: "Age")))
        #expect(byAge.items.map(\.age) == [44, 44, 44, 45, 45])
        // Equal ages keep the source's order, in both directions.
        #expect(byAge.items.map(\.name) == ["P06", "P13", "P20", "P05", "P12"])
        let down = try await source(GridRequest(offset: 0, count: 4, sort: GridSort(column: "Age", direction: .descending)))
        #expect(down.items.map(\.name) == ["P00", "P07", "P14", "P21"])
        let tail = try await source(GridRequest(offset: 23, count: 10))
        #expect(tail.items.map(\.name) == ["P23", "P24"] && tail.totalCount == 25)
        let hostile = try await source(GridRequest(offset: -4, count: -1))
        #expect(hostile.items.isEmpty)
        #expect(try await source(GridRequest(offset: Int.max, count: Int.max)).items.isEmpty)
        // A column without a comparison leaves the order as it is.
        let unsorted = try await source(GridRequest(offset: 0, count: 2, sort: GridSort(column: "Note")))
        #expect(unsorted.items.map(\.name) == ["P00", "P01"])
    }

    @Test func pagedGridSortsOnHeaderClicksAndPages() async throws {
        let grid = DataGrid(columns: Self.columns, mode: .paged(pageSize: 10), id: "people", source: DataGrid<GridPerson>.inMemory(Self.people, columns: Self.columns))
        let host = try await ComponentTestHost(grid)
        #expect(host.find(".tether-grid-page")?.text == "Page 1 of 3")
        #expect(host.findAll("tr").count == 11)
        #expect(host.find("td")?.text == "P00")
        #expect(host.find(".tether-grid-prev")?.attribute("disabled") != nil)
        try await host.click(".tether-grid-next")
        #expect(host.find(".tether-grid-page")?.text == "Page 2 of 3")
        #expect(host.find("td")?.text == "P10")
        try await host.click(".tether-grid-next")
        #expect(host.findAll("tr").count == 6)
        #expect(host.find(".tether-grid-next")?.attribute("disabled") != nil)
        // Name is the first sortable header: ascending is the order already, then reversed.
        try await host.click(".tether-grid-sort")
        #expect(host.find(".tether-grid-page")?.text == "Page 1 of 3")
        #expect(host.find("th")?.attribute("aria-sort") == "ascending")
        #expect(host.find(".tether-grid-sort-indicator")?.text == "▲")
        try await host.click(".tether-grid-sort")
        #expect(host.find("th")?.attribute("aria-sort") == "descending")
        #expect(host.find("td")?.text == "P24")
        // The unsorted but sortable Age column says so; the Note column says nothing.
        #expect(host.findAll("th").map { $0.attribute("aria-sort") } == ["descending", "none", nil])
        #expect(grid.sort == GridSort(column: "Name", direction: .descending))
    }

    @Test func virtualizedGridBuildsOnVirtualizeAndRestartsOnSort() async throws {
        let many = (0..<5_000).map { GridPerson(name: "N\($0)", age: $0 % 90) }
        let grid = DataGrid(
            columns: Self.columns, mode: .virtualized(rowHeight: 32, viewportHeight: 320), id: "big", rowID: { "p-\($0.name)" },
            source: DataGrid<GridPerson>.inMemory(many, columns: Self.columns))
        let host = try await ComponentTestHost(grid)
        // 320 / 32 = 10 rows, +2 partial, +5 overscan below.
        #expect(host.findAll(".tether-grid-row").count == 17)
        #expect(host.find("#p-N0") != nil)
        try await host.fire("scroll", at: "#big-rows", args: scroll(32 * 2_500, height: 320))
        try await settle(host) { host.find("#p-N2500") != nil }
        #expect(host.findAll(".tether-grid-row").count == 10 + 2 + 10)
        try await host.click(".tether-grid-sort")
        try await host.click(".tether-grid-sort")
        // A new order starts a new list from the top: names descending as strings, N999 first.
        #expect(host.find(".tether-grid-row")?.attribute("id") == "p-N999")
    }
}
