import Testing
import TetherInterop
import TetherTesting
@testable import TetherUI

/// A component whose body is whatever the test sets, so each test can render two trees in turn.
final class Scratch: Component {
    var content: () -> Content
    init(_ content: @escaping () -> Content) { self.content = content }
    var body: Content { content() }
}

struct TreeDiffTests {
    /// Renders `before`, then `after`, and returns the edits of the second render.
    func edits(_ before: @escaping () -> Content, _ after: @escaping () -> Content) async throws -> JSONValue {
        let host = try await ComponentTestHost(Scratch(before))
        host.component.content = after
        host.component.stateHasChanged()
        try host.render()
        guard let batch = host.batches.last else { return .array([]) }
        return try JSONParser.parse(batch.edits)
    }

    @Test func unchangedTreeProducesNoBatch() async throws {
        let host = try await ComponentTestHost(Scratch { [.element(p { "same" })] })
        host.component.stateHasChanged()
        try host.render()
        #expect(host.batches.isEmpty)
    }

    @Test func changedTextIsOneSetTextEdit() async throws {
        let result = try await edits({ [.element(p { span(.id("n")) { "0" } })] }, { [.element(p { span(.id("n")) { "1" } })] })
        #expect(result == [[3, [0, 0, 0], "1"]])
    }

    @Test func attributeSetAndRemoved() async throws {
        let result = try await edits(
            { [.element(div(.class("a"), .title("t")))] },
            { [.element(div(.class("b")))] })
        #expect(result == [[4, [0], "class", "b"], [5, [0], "title"]])
    }

    @Test func appendedChildIsInserted() async throws {
        let result = try await edits(
            { [.element(ul { li { "a" } })] },
            { [.element(ul { li { "a" }; li { "b" } })] })
        #expect(result == [[1, [0], 1, "<li>b</li>"]])
    }

    @Test func removedChildrenGoFromTheEnd() async throws {
        let result = try await edits(
            { [.element(ul { li { "a" }; li { "b" }; li { "c" } })] },
            { [.element(ul { li { "a" } })] })
        #expect(result == [[2, [0, 2]], [2, [0, 1]]])
    }

    @Test func differentTagIsReplaced() async throws {
        let result = try await edits({ [.element(p { "x" })] }, { [.element(div { "x" })] })
        #expect(result == [[0, [0], "<div>x</div>"]])
    }

    @Test func markupIsFencedAndReplacedWhole() async throws {
        let result = try await edits(
            { [.element(p { MarkupString("<em>a</em>") })] },
            { [.element(p { MarkupString("<em>b</em>") })] })
        #expect(result == [[0, [0, 0], "<!--[--><em>b</em><!--]-->"]])
    }

    @Test func keyedSwapIsOneMove() async throws {
        let rows = { (order: [String]) -> Content in
            [.element(ul { for k in order { li { k }.key(k) } })]
        }
        let result = try await edits({ rows(["a", "b", "c"]) }, { rows(["b", "a", "c"]) })
        #expect(result == [[6, [0], 1, 0]])
    }

    @Test func keyedRemoveAndInsert() async throws {
        let rows = { (order: [String]) -> Content in
            [.element(ul { for k in order { li { k }.key(k) } })]
        }
        let result = try await edits({ rows(["a", "b", "c"]) }, { rows(["a", "c", "d"]) })
        #expect(result == [[2, [0, 1]], [1, [0], 2, "<li>d</li>"]])
    }

    @Test func keyedEditKeepsIdentityAndPatchesInside() async throws {
        let rows = { (items: [(String, String)]) -> Content in
            [.element(ul { for (k, text) in items { li { text }.key(k) } })]
        }
        let result = try await edits({ rows([("a", "A"), ("b", "B")]) }, { rows([("b", "B2"), ("a", "A")]) })
        #expect(result == [[6, [0], 1, 0], [3, [0, 0, 0], "B2"]])
    }

    @Test func adjacentTextMergesLikeTheHTMLParser() async throws {
        let host = try await ComponentTestHost(Scratch { [.element(p { "a"; "b"; 3 })] })
        #expect(host.html == "<p>ab3</p>")
    }
}

struct HTMLWriterTests {
    @Test func textAndAttributesAreEscaped() async throws {
        let host = try await ComponentTestHost(Scratch { [.element(p(.title("\"><script>")) { "<b>&'" })] })
        #expect(host.html == "<p title=\"&quot;&gt;&lt;script&gt;\">&lt;b&gt;&amp;'</p>")
    }

    @Test func markupStringIsTheOneRawPath() async throws {
        let host = try await ComponentTestHost(Scratch { [.element(p { MarkupString("<b>x</b>") })] })
        #expect(host.html == "<p><!--[--><b>x</b><!--]--></p>")
    }

    @Test func scriptURLsAreNeutralized() async throws {
        let host = try await ComponentTestHost(Scratch { [.element(a(.href(" JaVa\tScript:alert(1)")) { "x" }), .element(img(.src("javascript:x")))] })
        #expect(!host.html.lowercased().contains("javascript"))
        #expect(host.html.contains("about:blank#blocked"))
    }

    @Test func invalidAttributeNamesAndInlineHandlersAreDropped() async throws {
        let page = Scratch { [.element(div().attribute("x\" onload=\"alert(1)", "v").attribute("onclick", "alert(1)"))] }
        let renderer = Renderer(page: page, js: JSRuntime(channel: .prerendering()), isPrerendering: true)
        renderer.markupChecking = .logOnce
        try await renderer.initializePending()
        #expect(renderer.renderHTML() == "<div></div>")
        try renderer.checkMarkup()
    }

    @Test func voidElementsHaveNoEndTag() async throws {
        let host = try await ComponentTestHost(Scratch { [.element(input(.value("v"))), .element(br())] })
        #expect(host.html == "<input value=\"v\"><br>")
    }
}
