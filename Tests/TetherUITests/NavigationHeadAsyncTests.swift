import Synchronization
import Testing
import TetherInterop
import TetherTesting
@testable import TetherUI

// MARK: NavLink

@Suite("NavLink: which URLs make a link active")
struct NavLinkMatchingTests {
    @Test("prefix matches the path and what lies below it, segment by segment")
    func prefix() {
        for url in ["/items", "/items/", "/items/1", "/items/1/edit", "/items?sort=name", "/items#top", "/items/?x=/itemsX"] {
            #expect(NavLink.isActive(href: "/items", currentURL: url, match: .prefix), "\(url)")
        }
        for url in ["/itemsX", "/item", "/", "/Items", "/other/items", "/items-old/1", "/x?next=/items"] {
            #expect(!NavLink.isActive(href: "/items", currentURL: url, match: .prefix), "\(url)")
        }
    }

    @Test("all matches the path alone: the query, the fragment and a trailing slash make no difference")
    func exact() {
        for url in ["/items", "/items/", "/items?page=2", "/items#f"] {
            #expect(NavLink.isActive(href: "/items", currentURL: url, match: .all), "\(url)")
        }
        for url in ["/items/1", "/itemsX", "/"] {
            #expect(!NavLink.isActive(href: "/items", currentURL: url, match: .all), "\(url)")
        }
        #expect(NavLink.isActive(href: "/items?sort=name", currentURL: "/items", match: .all))
        #expect(NavLink.isActive(href: "/items/", currentURL: "/items", match: .all))
    }

    @Test("a link to the root: prefix matches every path, all only the root")
    func root() {
        #expect(NavLink.isActive(href: "/", currentURL: "/anything/below", match: .prefix))
        #expect(NavLink.isActive(href: "/", currentURL: "/?x=1", match: .all))
        #expect(!NavLink.isActive(href: "/", currentURL: "/counter", match: .all))
    }

    @Test(
        "what is not a path of this site is never active, and nothing traps",
        arguments: [
            ("https://evil.example/items", "/items"), ("//evil.example/items", "/items"), ("/\\evil.example", "/\\evil.example"),
            ("items", "/items"), ("", ""), ("", "/"), ("/items", ""), ("/items", "https://evil.example/items"),
            ("/items", "//items"), ("javascript:alert(1)", "/"), ("/items", "items/1"), ("?", "?"), ("#", "/"),
            ("/items", "/items\u{0}"), ("/\u{1F600}", "/\u{1F600}/x"), (String(repeating: "/a", count: 10_000), "/a"),
        ])
    func hostile(href: String, url: String) {
        let prefix = NavLink.isActive(href: href, currentURL: url, match: .prefix)
        let all = NavLink.isActive(href: href, currentURL: url, match: .all)
        if href == "/\u{1F600}" {
            #expect(prefix && !all, "a path of this site, any characters")
        } else {
            #expect(!prefix && !all, "\(href) at \(url)")
        }
    }
}

/// A menu with no parameters: its parent's re-render leaves it alone, so only the renderer's
/// navigation notice can update its links.
final class TestNavMenu: Component {
    var body: Content {
        NavLink("/a", .id("link-a"), .class("menu")) { "A" }
        NavLink("/b", match: .all, activeClass: "current", .id("link-b")) { "B" }
    }
}

final class NavTestLayout: Layout {
    var body: Content {
        nav { TestNavMenu() }
        main { pageBody }
    }
}

final class NavPageA: Page {
    static let route = "/a"
    static let layout: (any Layout.Type)? = NavTestLayout.self
    var body: Content { p { "page A" } }
}

final class NavPageB: Page {
    static let route = "/b"
    static let layout: (any Layout.Type)? = NavTestLayout.self
    var body: Content { p { "page B" } }
}

@Suite("NavLink: the active class follows navigation inside the circuit")
struct NavLinkRenderingTests {
    private func show<P: Page>(_ page: P, at url: String, in host: ComponentTestHost<NavPageA>) async throws {
        let parts = url.split(separator: "?", maxSplits: 1)
        var query: [(name: String, value: String)] = []
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                query.append((name: String(kv[0]), value: kv.count > 1 ? String(kv[1]) : ""))
            }
        }
        host.renderer.show(page: page, route: RouteValues(path: String(parts[0]), query: query))
        try await host.renderer.initializePending()
        try host.render()
    }

    @Test("the active link gets its class and aria-current; the others keep their own class only")
    func firstRender() async throws {
        let host = try await ComponentTestHost(NavPageA(), route: RouteValues(path: "/a"))
        #expect(host.find("#link-a")?.attribute("class") == "menu active")
        #expect(host.find("#link-a")?.attribute("aria-current") == "page")
        #expect(host.find("#link-a")?.attribute("href") == "/a")
        #expect(host.find("#link-b")?.attribute("class") == nil)
        #expect(host.find("#link-b")?.attribute("aria-current") == nil)
        #expect(host.find("#link-a")?.text == "A")
    }

    @Test("navigating re-renders links in a component the layout's render leaves alone")
    func followsNavigation() async throws {
        let host = try await ComponentTestHost(NavPageA(), route: RouteValues(path: "/a"))
        try await show(NavPageB(), at: "/b", in: host)
        #expect(host.find("#link-a")?.attribute("class") == "menu")
        #expect(host.find("#link-b")?.attribute("class") == "current")
        try await show(NavPageB(), at: "/b?tab=2", in: host)
        #expect(host.find("#link-b")?.attribute("class") == "current", "the query does not count")
        try await show(NavPageA(), at: "/a/deeper", in: host)
        #expect(host.find("#link-a")?.attribute("class") == "menu active", "prefix")
        #expect(host.find("#link-b")?.attribute("class") == nil)
        try await show(NavPageA(), at: "/aa", in: host)
        #expect(host.find("#link-a")?.attribute("class") == "menu", "not a segment of /a")
    }
}

// MARK: PageTitle and HeadContent

final class TitledLayout: Layout {
    var body: Content {
        PageTitle("Site")
        HeadContent { element("meta", [.name("from"), Attribute("content", "layout")]) }
        main { pageBody }
    }
}

final class TitledPage: Page {
    static let route = "/titled"
    static let layout: (any Layout.Type)? = TitledLayout.self
    var count = 0
    var showsOwnHead = true
    var body: Content {
        if showsOwnHead {
            PageTitle("Count \(count)")
            HeadContent {
                element("meta", [.name("description"), Attribute("content", "a \"quoted\" <b>value</b>")])
                element("link", [Attribute("rel", "canonical"), .href("/titled")])
            }
        }
        button(.id("inc")) { "+" }.onClick { self.count += 1 }
        button(.id("drop")) { "drop" }.onClick { self.showsOwnHead = false }
    }
}

/// Whatever a head could be abused with: every way around the escaping is left out.
final class HostileHead: Component {
    var body: Content {
        PageTitle("</title><script>alert(1)</script>")
        HeadContent {
            element("script") { "alert(1)" }
            MarkupString("<script>alert(2)</script>")
            "text straight in head"
            element("meta", [.name("x\"><script>"), Attribute("content", "\"><script>alert(3)</script>")])
            element("style") { "</style><script>alert(4)</script>" }
            element("link", [Attribute("rel", "stylesheet"), .href("javascript:alert(5)")]).onClick {}
            TestNavMenu()
        }
    }
}

@Suite("PageTitle and HeadContent")
struct DocumentHeadTests {
    @Test("the page's title and head elements win over its layout's, escaped and marked")
    func lastMountedWins() async throws {
        let host = try await ComponentTestHost(TitledPage(), route: RouteValues(path: "/titled"))
        #expect(host.renderer.head.title == "Count 0")
        #expect(
            host.renderer.head.elements
                == #"<meta name="description" content="a &quot;quoted&quot; &lt;b&gt;value&lt;/b&gt;" data-tether-head><link rel="canonical" href="/titled" data-tether-head>"#
        )
        #expect(host.html.isEmpty == false && !host.html.contains("Count 0"), "nothing renders where they stand")
    }

    @Test("a state change updates the title; when the page's leave, the layout's show again")
    func updatesAndFallsBack() async throws {
        let host = try await ComponentTestHost(TitledPage(), route: RouteValues(path: "/titled"))
        try await host.click("#inc")
        #expect(host.renderer.head.title == "Count 1")
        #expect(host.batches.last?.head?.title == "Count 1", "the batch carries the changed head")
        try await host.click("#inc")
        try await host.click("#inc")
        #expect(host.batches.last?.head?.title == "Count 3")
        try await host.click("#drop")
        #expect(host.renderer.head.title == "Site")
        #expect(host.renderer.head.elements == #"<meta name="from" content="layout" data-tether-head>"#)
        // Nothing of the page's DOM changed: the batch exists for the head alone.
        let last = try #require(host.batches.last)
        #expect(last.edits == "[]" && last.head == host.renderer.head)
        try await host.click("#drop")
        #expect(host.batches.last?.number == last.number, "no change, no batch")
    }

    @Test("with no PageTitle the head is empty, for the app's default title")
    func none() async throws {
        let host = try await ComponentTestHost(NavPageA(), route: RouteValues(path: "/a"))
        #expect(host.renderer.head == DocumentHead())
    }

    @Test("scripts, raw markup, bare text, handlers and components never reach the head; values are escaped")
    func hostile() async throws {
        let host = try await ComponentTestHost(HostileHead())
        let head = host.renderer.head
        #expect(head.title == "</title><script>alert(1)</script>", "the title is text: the writers escape it")
        #expect(!head.elements.contains("<script"), "\(head.elements)")
        #expect(!head.elements.contains("text straight"))
        #expect(!head.elements.contains("data-t-"))
        #expect(!head.elements.contains("link-a"))
        #expect(head.elements.contains(#"content="&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;""#))
        #expect(head.elements.contains("<style data-tether-head>&lt;/style&gt;&lt;script&gt;alert(4)&lt;/script&gt;</style>"))
        #expect(head.elements.contains(#"href="about:blank#blocked""#))
    }
}

// MARK: AsyncContent

/// Counts loads and sees their cancellation, across the test executor and the test.
final class LoadProbe: Sendable {
    private let state = Mutex((started: 0, cancelled: 0))
    var started: Int { state.withLock { $0.started } }
    var cancelled: Int { state.withLock { $0.cancelled } }
    func start() { state.withLock { $0.started += 1 } }
    func cancel() { state.withLock { $0.cancelled += 1 } }
}

struct LoadFailure: Error, CustomStringConvertible {
    var description: String { "the load failed" }
}

final class AsyncHost: Component {
    let probe: LoadProbe
    let delay: Duration
    let fails: Bool
    let withFailure: Bool
    var shows = true
    init(probe: LoadProbe, delay: Duration = .milliseconds(20), fails: Bool = false, withFailure: Bool = true) {
        self.probe = probe
        self.delay = delay
        self.fails = fails
        self.withFailure = withFailure
    }

    private func load() async throws -> String {
        probe.start()
        do {
            try await Task.sleep(for: delay)
        } catch {
            probe.cancel()
            throw error
        }
        if fails { throw LoadFailure() }
        return "forty-two"
    }

    var body: Content {
        if shows {
            if withFailure {
                AsyncContent { try await self.load() } content: { value in
                    p(.id("value")) { value }
                } loading: {
                    p(.id("loading")) { "Loading…" }
                } failure: { error in
                    p(.id("failure")) { "Failed: \(error)" }
                }
            } else {
                ErrorBoundary.wrap {
                    AsyncContent { try await self.load() } content: { value in
                        p(.id("value")) { value }
                    } loading: {
                        p(.id("loading")) { "Loading…" }
                    }
                } fallback: { error in
                    p(.id("fallback")) { "Boundary: \(error)" }
                }
            }
        }
        button(.id("hide")) { "hide" }.onClick { self.shows = false }
    }
}

@Suite("AsyncContent")
struct AsyncContentTests {
    /// The loads take milliseconds; this only bounds a wait when every suite runs at once on two
    /// cores and the test executor gets its turn late.
    static let patience = Duration.seconds(30)

    @Test("shows loading at once, then the loaded value, loading once")
    func loads() async throws {
        let probe = LoadProbe()
        let host = try await ComponentTestHost(AsyncHost(probe: probe))
        #expect(host.find("#loading")?.text == "Loading…")
        #expect(host.find("#value") == nil)
        try await host.nextRender(timeout: Self.patience)
        #expect(host.find("#value")?.text == "forty-two")
        #expect(host.find("#loading") == nil)
        #expect(probe.started == 1)
    }

    @Test("an error shows the failure content")
    func failure() async throws {
        let host = try await ComponentTestHost(AsyncHost(probe: LoadProbe(), fails: true))
        try await host.nextRender(timeout: Self.patience)
        #expect(host.find("#failure")?.text == "Failed: the load failed")
        #expect(host.find("#loading") == nil)
    }

    @Test("without failure content the error goes to the nearest ErrorBoundary")
    func boundary() async throws {
        let host = try await ComponentTestHost(AsyncHost(probe: LoadProbe(), fails: true, withFailure: false))
        #expect(host.find("#loading") != nil)
        try await host.nextRender(timeout: Self.patience)
        #expect(host.find("#fallback")?.text == "Boundary: the load failed")
    }

    @Test("the load is cancelled when the component leaves the page, and shows nothing after")
    func cancelled() async throws {
        let probe = LoadProbe()
        let host = try await ComponentTestHost(AsyncHost(probe: probe, delay: .seconds(60)))
        // The load starts on the test executor, a moment after the first render.
        let clock = ContinuousClock()
        let started = clock.now
        while probe.started == 0 && clock.now - started < Self.patience { try await Task.sleep(for: .milliseconds(2)) }
        try await host.click("#hide")
        #expect(host.find("#loading") == nil)
        while probe.cancelled == 0 && clock.now - started < Self.patience { try await Task.sleep(for: .milliseconds(2)) }
        #expect(probe.cancelled == 1, "the 60 s load was cancelled, not waited out")
    }

    @Test("prerendering shows loading and never starts the load")
    func prerender() async throws {
        let probe = LoadProbe()
        let renderer = Renderer(page: AsyncHost(probe: probe), js: JSRuntime(channel: .prerendering()), isPrerendering: true)
        try await renderer.initializePending()
        var html = renderer.renderHTML()
        while renderer.hasUninitializedComponents {
            try await renderer.initializePending()
            html = renderer.renderHTML()
        }
        #expect(html.contains(#"<p id="loading">Loading…</p>"#))
        try await Task.sleep(for: .milliseconds(100))
        #expect(probe.started == 0)
    }
}
