import Testing
import TetherInterop
import TetherTesting
@testable import TetherUI

final class Label: Component, ParameterizedComponent {
    struct Parameters: Equatable { var text = "" }
    var parameters = Parameters()
    var bodies = 0
    var parametersSet = 0
    var body: Content {
        let _ = bodies += 1
        span(.class("label")) { parameters.text }
    }
    override func onParametersSet() { parametersSet += 1 }
}

final class LabelList: Component {
    var texts = ["a", "b"]
    var unrelated = 0
    var labels: [Label] = []
    var body: Content {
        div {
            for text in texts { Child(Label.self, .init(text: text), key: text) }
            span(.id("unrelated")) { unrelated }
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
        Cascade(ColorKey.self, color) { Child(ColorReader.self) }
        button(.id("blue")) { "blue" }.onClick { self.color = "blue" }
    }
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
    @Test func childRerendersOnlyWhenItsParametersChange() async throws {
        let host = try await ComponentTestHost(LabelList.self)
        #expect(host.findAll("span.label").map(\.text) == ["a", "b"])
        host.component.unrelated = 1
        host.component.stateHasChanged()
        host.render()
        #expect(host.find("#unrelated")?.text == "1")
        // Parent re-rendered, children kept their output: one edit only.
        #expect(host.batches.last?.editCount == 1)
        host.component.texts = ["a", "c"]
        host.component.stateHasChanged()
        host.render()
        #expect(host.findAll("span.label").map(\.text) == ["a", "c"])
    }

    @Test func parametersSetRunsOnChangeOnly() async throws {
        let host = try await ComponentTestHost(LabelList.self)
        let labelsBefore = host.findAll("span.label").count
        host.component.unrelated += 1
        host.component.stateHasChanged()
        host.render()
        #expect(labelsBefore == 2)
        #expect(host.html.contains("<span class=\"label\">b</span>"))
    }

    @Test func cascadedValueReachesDescendantsAndUpdates() async throws {
        let host = try await ComponentTestHost(ColorProvider.self)
        #expect(host.find("#color")?.text == "red")
        try await host.click("#blue")
        #expect(host.find("#color")?.text == "blue")
    }

    @Test func pageRendersInsideItsLayoutWithRouteValues() async throws {
        let route = RouteValues(path: "/in-shell/7", parameters: ["id": "7"], query: [("q", "x")])
        let host = try await ComponentTestHost(PageInShell.self, route: route)
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
