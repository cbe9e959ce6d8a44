/// A slice of a long list, as an items provider returns it: the items asked for (or fewer, at the
/// end of the list) and how many items the whole list holds.
public struct ItemsPage<Item> {
    /// The items from the requested offset on, at most the requested count.
    public var items: [Item]
    /// How many items the whole list holds; it sizes the scrollbar and the page count.
    public var totalCount: Int

    /// A page of `items` out of a list of `totalCount`.
    public init(items: [Item], totalCount: Int) {
        self.items = items
        self.totalCount = totalCount
    }
}

/// Which items a `Virtualize` list wants: `count` items from index `offset` on.
public struct ItemsRequest: Sendable, Equatable {
    /// The index of the first item wanted, from 0.
    public var offset: Int
    /// How many items are wanted.
    public var count: Int

    /// A request for `count` items from `offset` on.
    public init(offset: Int, count: Int) {
        self.offset = offset
        self.count = count
    }
}

/// Fetches a window of a long list (Blazor's `ItemsProviderDelegate`). It runs on the circuit, so it
/// may read component state; a newer window asked for meanwhile cancels it and its result is ignored.
public typealias ItemsProvider<Item> = (ItemsRequest) async throws -> ItemsPage<Item>

/// The items of a `Virtualize` list that are rendered: the ones in view plus the overscan on each
/// side. Pure arithmetic over what the browser reported, kept apart so it can be tested with hostile
/// numbers.
package struct VirtualWindow: Sendable, Equatable {
    /// The first rendered item's index.
    package var offset: Int
    /// How many items are rendered.
    package var count: Int

    package init(offset: Int, count: Int) {
        self.offset = offset
        self.count = count
    }

    /// The tallest scrollable height used. Browsers cap an element's height (Chromium near 33.5
    /// million px, Firefox near 17.9 million), past which the spacers would be cut short and the
    /// scrollbar would lie; a list whose full height is larger shows only its first
    /// `maxScrollHeight / itemHeight` items.
    package static let maxScrollHeight = 15_000_000
    /// The tallest viewport believed, so a browser that reports an absurd `clientHeight` cannot make
    /// the server fetch and render the whole list.
    package static let maxViewportHeight = 10_000

    /// How many of `totalCount` items can be scrolled to, given the height cap.
    package static func reachableCount(totalCount: Int, itemHeight: Int) -> Int {
        let height = max(1, itemHeight)
        return min(max(0, totalCount), maxScrollHeight / height)
    }

    /// The window for a container scrolled to `scrollTop` with `viewportHeight` visible. Any finite
    /// or non-finite input gives a window inside `0..<reachableCount`: a negative or NaN scroll reads
    /// as the top, one past the end as the end, and the viewport is clamped to `maxViewportHeight`.
    package static func at(
        scrollTop: Double, viewportHeight: Double, itemHeight: Int, overscan: Int, totalCount: Int
    ) -> VirtualWindow {
        let height = max(1, itemHeight)
        let reachable = reachableCount(totalCount: totalCount, itemHeight: height)
        guard reachable > 0 else { return VirtualWindow(offset: 0, count: 0) }
        let maxTop = Double(reachable * height)
        // NaN fails every comparison, so it is caught here rather than by min/max (which pass it on).
        let top = scrollTop.isFinite ? min(max(scrollTop, 0), maxTop) : 0
        let viewport = viewportHeight.isFinite ? min(max(viewportHeight, 0), Double(maxViewportHeight)) : 0
        let extra = min(max(0, overscan), reachable)
        // Both are bounded by the clamps above, so the conversions cannot trap.
        let firstVisible = min(Int(top) / height, reachable - 1)
        let visibleCount = Int(viewport.rounded(.up)) / height + 2
        let first = max(0, firstVisible - extra)
        let end = min(reachable, firstVisible + visibleCount + extra)
        return VirtualWindow(offset: first, count: max(0, end - first))
    }

    /// Whether `index` is in the window.
    package func contains(_ index: Int) -> Bool { index >= offset && index < offset + count }
}

/// A list of many fixed-height items of which only those in view, plus `overscan` on each side, are
/// rendered and held in memory (Blazor's `Virtualize`). Items come from an async provider, a window at
/// a time; spacers above and below the rendered items keep the scrollbar true to the whole list.
///
/// ```swift
/// Virtualize(itemHeight: 30, provider: { request in
///     let rows = (request.offset..<request.offset + request.count).map { "Row \($0)" }
///     return ItemsPage(items: rows, totalCount: 100_000)
/// }) { row in
///     div(.style("height:30px")) { row }
/// }
/// ```
///
/// - Every item must render exactly `itemHeight` CSS pixels tall, as one element (give it that
///   height): variable heights are not supported, since the scroll position is turned into an index
///   by division.
/// - The list scrolls inside its own container, `viewportHeight` pixels tall, not with the page.
/// - A list taller than `VirtualWindow.maxScrollHeight` (15,000,000 px; 500,000 rows of 30 px) shows
///   only the items that fit in it, because browsers cap an element's height.
/// - While a window loads, the items not yet fetched show `placeholder` (by default, or when it
///   gives no content, an empty `itemHeight` tall `div.tether-virtualize-placeholder`).
public final class Virtualize<Item>: Component {
    /// Each item's height in CSS pixels.
    public private(set) var itemHeight: Int
    /// The scroll container's height in CSS pixels, and the visible height assumed until the browser
    /// reports its own.
    public private(set) var viewportHeight: Int
    /// How many items are rendered beyond each edge of the visible ones, so a short scroll shows
    /// rendered items while the next window loads.
    public private(set) var overscan: Int
    /// The scroll container's `id`, if it needs one.
    public private(set) var containerID: String?
    var provider: ItemsProvider<Item>
    var itemContent: (Item) -> Content
    var placeholderContent: (Int) -> Content

    /// The items of the current window only; nothing else of the list is kept.
    private(set) var window = VirtualWindow(offset: 0, count: 0)
    private var items: [Item] = []
    private var itemsOffset = 0
    private(set) var totalCount = 0
    private var hasLoaded = false
    private var lastScrollTop = 0.0
    private var lastViewportHeight: Double
    /// Counts fetches, so a result that arrives after a newer window was asked for is dropped.
    private var fetchGeneration = 0
    private var fetch: Task<Void, Never>?
    /// The provider's last error, shown in place of the list until a fetch succeeds.
    public private(set) var loadError: (any Error)?

    public static var parameters: Parameters {
        Parameters(
            \Virtualize<Item>.itemHeight, \Virtualize<Item>.viewportHeight, \Virtualize<Item>.overscan,
            \Virtualize<Item>.containerID, \Virtualize<Item>.provider, \Virtualize<Item>.itemContent,
            \Virtualize<Item>.placeholderContent)
    }

    /// A list fetched from `provider`, each item rendered by `item`, `itemHeight` pixels tall, in a
    /// container `viewportHeight` pixels tall.
    public init(
        itemHeight: Int, viewportHeight: Int = 400, overscan: Int = 3, id: String? = nil,
        provider: @escaping ItemsProvider<Item>,
        @HTMLBuilder item: @escaping (Item) -> Content,
        @HTMLBuilder placeholder: @escaping (Int) -> Content = { _ in [] }
    ) {
        let height = max(1, itemHeight)
        self.itemHeight = height
        self.viewportHeight = max(0, viewportHeight)
        self.overscan = max(0, overscan)
        self.containerID = id
        self.provider = provider
        self.itemContent = item
        self.placeholderContent = placeholder
        self.lastViewportHeight = Double(max(0, viewportHeight))
    }

    public override func onInitialized() async throws {
        // The first window is awaited, so the prerendered page already shows the top of the list.
        window = VirtualWindow(offset: 0, count: max(1, Int(lastViewportHeight) / itemHeight + 2 + overscan))
        await load(window, generation: nextGeneration())
    }

    public override func dispose() async {
        fetch?.cancel()
    }

    public var body: Content {
        container()
    }

    private func container() -> Element {
        let reachable = VirtualWindow.reachableCount(totalCount: totalCount, itemHeight: itemHeight)
        let shown = window.offset + window.count <= reachable ? window : VirtualWindow(offset: 0, count: min(window.count, reachable))
        let after = max(0, reachable - shown.offset - shown.count)
        let container = div(
            .class("tether-virtualize"),
            // overflow-anchor: none, or Chromium's scroll anchoring moves scrollTop when the spacers
            // change, which reports a new window, which changes the spacers again.
            .style("height:\(viewportHeight)px;overflow-y:auto;overflow-anchor:none"),
            .data("total-count", String(totalCount))
        ) {
            div(.class("tether-virtualize-before"), .style("height:\(shown.offset * itemHeight)px")).key("before")
            if let loadError {
                div(.class("tether-virtualize-error"), Attribute("role", "alert")) { "Could not load the list: \(loadError)" }.key("error")
            } else {
                for index in shown.offset..<(shown.offset + shown.count) {
                    Self.keyed(row(at: index), index)
                }
            }
            div(.class("tether-virtualize-after"), .style("height:\(after * itemHeight)px")).key("after")
        }
        .on("scroll", EventOptions(throttle: 50)) { args in self.scrolled(args) }
        guard let containerID else { return container }
        return container.id(containerID)
    }

    private func row(at index: Int) -> Content {
        let position = index - itemsOffset
        guard position >= 0, position < items.count else {
            let placeholder = placeholderContent(index)
            guard placeholder.isEmpty else { return placeholder }
            // Something must hold the item's place, or the rows below would move up.
            return [.element(div(.class("tether-virtualize-placeholder"), .style("height:\(itemHeight)px")) { "…" })]
        }
        return itemContent(items[position])
    }

    /// An item rendered as one element is keyed by its index, so a scroll of a few rows moves the
    /// rows it keeps instead of rewriting every one.
    private static func keyed(_ content: Content, _ index: Int) -> Content {
        guard content.count == 1, case .element(let element) = content[0], element.key == nil else { return content }
        return [.element(element.key("i\(index)"))]
    }

    /// The browser scrolled the container: render the new window at once, from the items already
    /// held and placeholders, and fetch it.
    func scrolled(_ args: EventArgs) {
        if let top = args.scrollTop { lastScrollTop = top }
        if let height = args.clientHeight { lastViewportHeight = height }
        // Until a fetch has said how long the list is (the first failed), the window is worked out
        // as for a list as long as can be scrolled, and the fetch trims it.
        let wanted = VirtualWindow.at(
            scrollTop: lastScrollTop, viewportHeight: lastViewportHeight, itemHeight: itemHeight, overscan: overscan,
            totalCount: hasLoaded ? totalCount : Int.max)
        guard wanted != window else { return }
        move(to: wanted)
        stateHasChanged()
        let generation = nextGeneration()
        fetch?.cancel()
        guard let context, !context.isPrerendering else { return }
        let task = context.schedule { [weak self] in
            guard let self else { return }
            await self.load(wanted, generation: generation)
            self.stateHasChanged()
        }
        fetch = task
        launched.removeAll { $0.isCancelled }
        launched.append(task)
    }

    /// Shows `wanted`, keeping only the held items inside it.
    private func move(to wanted: VirtualWindow) {
        let keptStart = max(wanted.offset, itemsOffset)
        let keptEnd = min(wanted.offset + wanted.count, itemsOffset + items.count)
        if keptStart < keptEnd {
            items = Array(items[(keptStart - itemsOffset)..<(keptEnd - itemsOffset)])
            itemsOffset = keptStart
        } else {
            items = []
            itemsOffset = wanted.offset
        }
        window = wanted
    }

    private func nextGeneration() -> Int {
        fetchGeneration += 1
        return fetchGeneration
    }

    /// Fetches `wanted` and shows it, unless a newer window was asked for in the meantime.
    func load(_ wanted: VirtualWindow, generation: Int) async {
        do {
            let page = try await provider(ItemsRequest(offset: wanted.offset, count: wanted.count))
            guard generation == fetchGeneration, !Task.isCancelled else { return }
            loadError = nil
            hasLoaded = true
            totalCount = max(0, page.totalCount)
            items = Array(page.items.prefix(wanted.count))
            itemsOffset = wanted.offset
            let reachable = VirtualWindow.reachableCount(totalCount: totalCount, itemHeight: itemHeight)
            // A list that turned out shorter than the window, or one whose first fetch just said
            // how long it is: the window is worked out again from the last scroll position.
            let fitted = VirtualWindow.at(
                scrollTop: lastScrollTop, viewportHeight: lastViewportHeight, itemHeight: itemHeight, overscan: overscan,
                totalCount: reachable)
            if fitted.offset + fitted.count <= wanted.offset + wanted.count, fitted.offset >= wanted.offset {
                move(to: fitted)
            } else {
                window = VirtualWindow(offset: wanted.offset, count: min(wanted.count, max(0, reachable - wanted.offset)))
            }
        } catch {
            guard generation == fetchGeneration, !(error is CancellationError), !Task.isCancelled else { return }
            loadError = error
        }
    }
}
