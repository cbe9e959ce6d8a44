import Testing
import TetherInterop
import TetherTesting
@testable import TetherUI

final class Label: Component {
    var text: String
    static let parameters = Parameters(\Label.text)
    var bodies = 0
    var parametersSet = 0
    init(text: String) { self.text = text }
    var body: Content {
        let _ = bodies += 1
        span(.class("label")) { text }
    }
    override func onParametersSet() { parametersSet += 1 }
    override func onInitialized() async throws {
        context.environment[LabelRegistry.Key.self]?.labels.append(self)
    }
}

/// The `Label`s a `LabelList` mounted, in mount order, so a test can read their counters.
/// Cascaded as it is: a class instance needs no `Hashable` to be cascaded.
final class LabelRegistry {
    enum Key: EnvironmentKey { static var defaultValue: LabelRegistry? { nil } }
    var labels: [Label] = []
}

/// Labels keyed by row, so a changed text reaches the same child as new parameters.
final class LabelList: Component {
    var texts = ["a", "b"]
    var unrelated = 0
    let registry = LabelRegistry()
    var labels: [Label] { registry.labels }
    var body: Content {
        Cascade(LabelRegistry.Key.self, registry) {
            div {
                for (row, text) in texts.enumerated() { Label(text: text).key("row\(row)") }
                span(.id("unrelated")) { unrelated }
            }
        }
    }
}

enum ColorKey: EnvironmentKey { static let defaultValue = "none" }

final class ColorReader: Component {
    var body: Content { span(.id("color")) { context.environment[ColorKey.self] } }
}

final class ColorProvider: Component {
    var color = "red"
    var body: Content {
        Cascade(ColorKey.self, color) { ColorReader() }
        button(.id("blue")) { "blue" }.onClick { self.color = "blue" }
    }
}

/// A child with state of its own beside its parameters.
final class Expander: Component {
    var title: String
    var note: String
    static let parameters = Parameters(\Expander.title)
    var expanded = false
    init(title: String, note: String) {
        self.title = title
        self.note = note
    }
    var body: Content {
        button(.id("toggle-\(title)")) { expanded ? "less" : "more" }.onClick { self.expanded.toggle() }
        span(.id("title")) { title }
        span(.id("note")) { note }
    }
}

final class ExpanderParent: Component {
    var title = "first"
    var body: Content { Expander(title: title, note: "note of \(title)") }
}

final class Shell: Layout {
    var body: Content {
        nav(.id("shell-nav")) { "nav" }
        main { pageBody }
    }
}

final class PageInShell: Page {
    static let route = "/in-shell/{id:int}"
    static let layout: (any Layout.Type)? = Shell.self
    var id = 0
    var query = ""
    func receive(route: RouteValues) {
        id = route.int("id") ?? -1
        query = route.query("q") ?? ""
    }
    var body: Content { p(.id("page-id")) { "\(id) \(query)" } }
}

struct CompositionTests {
    /// How many times each label ran `onParametersSet` and its body, in row order.
    private func counts(_ host: ComponentTestHost<LabelList>) -> (parametersSet: [Int], bodies: [Int]) {
        (host.component.labels.map(\.parametersSet), host.component.labels.map(\.bodies))
    }

    @Test("a parent's re-render leaves its children alone: one edit, and no child body runs")
    func childRerendersOnlyWhenItsParametersChange() async throws {
        let host = try await ComponentTestHost(LabelList())
        #expect(host.findAll("span.label").map(\.text) == ["a", "b"])
        try #require(host.component.labels.count == 2)
        let before = counts(host)
        host.component.unrelated = 1
        host.component.stateHasChanged()
        try host.render()
        #expect(host.find("#unrelated")?.text == "1")
        // One edit proves the output kept, not that no child ran: identical output diffs to
        // nothing. The counters prove the children did not run.
        #expect(host.batches.last?.editCount == 1)
        #expect(counts(host).bodies == before.bodies, "a child body ran although its parameters did not change")
        #expect(counts(host).parametersSet == before.parametersSet)
        host.component.texts = ["a", "c"]
        host.component.stateHasChanged()
        try host.render()
        #expect(host.findAll("span.label").map(\.text) == ["a", "c"])
        #expect(host.component.labels.count == 2, "the row kept its child and gave it new parameters")
        #expect(counts(host).bodies == [before.bodies[0], before.bodies[1] + 1])
    }

    @Test("onParametersSet and the body run once per change of parameters, and never for equal ones")
    func parametersSetRunsOnChangeOnly() async throws {
        let host = try await ComponentTestHost(LabelList())
        try #require(host.component.labels.count == 2)
        // Mounting sets the parameters once. How often a child renders while it mounts is the
        // lifecycle's business (see LifecycleTests); from here on every run is counted.
        #expect(counts(host).parametersSet == [1, 1])
        let m = counts(host).bodies

        // The parent re-renders and passes equal parameters: neither child runs anything.
        host.component.unrelated += 1
        host.component.stateHasChanged()
        try host.render()
        #expect(counts(host).parametersSet == [1, 1])
        #expect(counts(host).bodies == [m[0], m[1]])

        // Equal values in a new array are still equal parameters.
        host.component.texts = ["a", "b"]
        host.component.stateHasChanged()
        try host.render()
        #expect(counts(host).parametersSet == [1, 1])
        #expect(counts(host).bodies == [m[0], m[1]])

        // One changed parameter: that child runs both once, its sibling nothing.
        host.component.texts = ["a", "c"]
        host.component.stateHasChanged()
        try host.render()
        #expect(host.html.contains("<span class=\"label\">c</span>"))
        #expect(host.component.labels.count == 2, "the same child, not a new one")
        #expect(counts(host).parametersSet == [1, 2])
        #expect(counts(host).bodies == [m[0], m[1] + 1])

        // Rendering again with the new value changes nothing more.
        host.component.stateHasChanged()
        try host.render()
        #expect(counts(host).parametersSet == [1, 2])
        #expect(counts(host).bodies == [m[0], m[1] + 1])
    }

    @Test("a child keeps its instance and its own state when its parent gives it new parameters")
    func childKeepsItsStateAcrossNewParameters() async throws {
        let host = try await ComponentTestHost(ExpanderParent())
        let child = try #require(host.renderer.components(Expander.self).first)
        try await host.click("#toggle-first")
        #expect(host.find("#toggle-first")?.text == "less")

        host.component.title = "second"
        host.component.stateHasChanged()
        try host.render()
        #expect(host.find("#title")?.text == "second")
        #expect(host.find("#toggle-second")?.text == "less", "the child's own state survived")
        #expect(host.renderer.components(Expander.self).map { ObjectIdentifier($0) } == [ObjectIdentifier(child)])
        #expect(host.find("#note")?.text == "note of first", "a property left out of `parameters` keeps its first value")
    }

    @Test func cascadedValueReachesDescendantsAndUpdates() async throws {
        let host = try await ComponentTestHost(ColorProvider())
        #expect(host.find("#color")?.text == "red")
        try await host.click("#blue")
        #expect(host.find("#color")?.text == "blue")
    }

    @Test func pageRendersInsideItsLayoutWithRouteValues() async throws {
        let route = RouteValues(path: "/in-shell/7", parameters: ["id": "7"], query: [("q", "x")])
        let host = try await ComponentTestHost(PageInShell(), route: route)
        #expect(host.find("#shell-nav")?.text == "nav")
        #expect(host.find("#page-id")?.text == "7 x")
        #expect(host.html.hasPrefix("<nav id=\"shell-nav\">nav</nav><main><p id=\"page-id\">"))
    }

    @Test func routeTemplatesMatchTypedParameters() {
        let router = PageRouter([PageInShell.self])
        #expect(router.match(url: "/in-shell/12?q=a")?.route.int("id") == 12)
        #expect(router.match(url: "/in-shell/12?q=a")?.route.query("q") == "a")
        #expect(router.match(url: "/in-shell/abc") == nil)
        #expect(router.match(url: "/in-shell") == nil)
        #expect(RouteTemplate("/a/{x}").match("/a/hello%20world") == ["x": "hello world"])
    }

    @Test("a URL's path is decoded once: an escaped slash stays in its segment, an escaped % stays a %, bad escapes match nothing")
    func routePathsDecodeOnce() {
        let router = PageRouter([PageInShell.self])
        #expect(router.match(url: "/in-shell/%31%32")?.route.int("id") == 12)
        #expect(router.match(url: "/in-shell/%2531") == nil, "%2531 is the text %31, not 1")
        #expect(router.match(url: "/in%2Dshell/12") != nil)
        #expect(router.match(url: "/in-shell%2F12") == nil, "an escaped slash does not split a segment")
        #expect(router.match(url: "/in-shell/%ff") == nil)
    }
}
