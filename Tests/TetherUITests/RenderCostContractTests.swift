import Testing
import TetherInterop
import TetherProtocol
import TetherTesting
@testable import TetherUI

// What the shortcuts of a render promise (issue #19: server CPU per click). A component that
// re-renders alone is swapped into the output of the components around it, which keep their last
// output instead of expanding their bodies again; parameters compare in place; state attributes
// are written as JSON text directly.

final class BoundaryShell: Layout {
    var body: Content {
        nav(.id("boundary-nav")) { a(.href("/x")) { "x" } }
        main { pageBody }
    }
}

final class BoundaryPage: Page {
    static let route = "/boundary"
    static let layout: (any Layout.Type)? = BoundaryShell.self
    var clicks = 0
    var body: Content { button(.id("more")) { clicks }.onClick { self.clicks += 1 } }
}

/// A child whose parameter is a closure: it counts as changed whenever its parent hands it over.
final class ClosureChild: Component {
    var action: () -> Void
    static let parameters = Parameters(\ClosureChild.action)
    var bodies = 0
    init(action: @escaping () -> Void) { self.action = action }
    var body: Content {
        let _ = bodies += 1
        span(.class("closure-child")) { "closure" }
    }
}

final class ClickChild: Component {
    var clicks = 0
    var body: Content { button(.class("child-click")) { clicks }.onClick { self.clicks += 1 } }
}

final class BoundaryParent: Component {
    var bodies = 0
    var body: Content {
        let _ = bodies += 1
        div(.id("boundary-parent")) {
            ClosureChild(action: {})
            ClickChild()
        }
    }
}

/// Children whose output changes shape, or starts with text the tree merges with its neighbours.
final class GrowingChild: Component {
    var extra = false
    var body: Content {
        button(.id("grow")) { "grow" }.onClick { self.extra.toggle() }
        if extra { span(.id("extra")) { "extra" } }
    }
}

final class TextChild: Component {
    var n = 0
    var body: Content {
        "n=\(n)"
        button(.id("text-inc")) { "+" }.onClick { self.n += 1 }
    }
}

final class ShapeParent: Component {
    var body: Content {
        p(.id("before")) { "before" }
        GrowingChild()
        "|"
        TextChild()
        p(.id("after")) { "after" }
    }
}

/// Keyed rows that each change on their own click.
final class KeyedRow: Component {
    var name: String
    static let parameters = Parameters(\KeyedRow.name)
    var clicks = 0
    init(name: String) { self.name = name }
    var body: Content { button(.id("row-\(name)"), .class("row")) { clicks }.onClick { self.clicks += 1 } }
}

final class KeyedRows: Component {
    var order = ["r0", "r1", "r2"]
    var body: Content {
        ul(.id("rows")) {
            for key in order { KeyedRow(name: key).key(key) }
        }
    }
}

/// Counts the writes its parent makes to each parameter.
final class WriteCountingChild: Component {
    var text: String { didSet { textWrites += 1 } }
    var onTap: EventCallback<Void> { didSet { onTapWrites += 1 } }
    static let parameters = Parameters(\WriteCountingChild.text, \.onTap)
    var textWrites = 0
    var onTapWrites = 0
    init(text: String, onTap: EventCallback<Void>) {
        self.text = text
        self.onTap = onTap
    }
    var body: Content { button(.id("tap")) { text }.onClick { try await self.onTap() } }
}

final class WriteCountingParent: Component {
    var text = "same"
    var taps: [String] = []
    var body: Content {
        let label = "tap \(taps.count)"
        WriteCountingChild(text: text, onTap: EventCallback { self.taps.append(label) })
    }
}

struct ComponentBoundaryTests {
    private func elements(_ tree: [RenderNode]) -> [RenderElement] {
        tree.compactMap { if case .element(let e) = $0 { e } else { nil } }
    }

    @Test("a page's click leaves its layout's output as it was: the same nodes, one edit")
    func layoutKeepsItsOutputWhenOnlyThePageChanges() async throws {
        let host = try await ComponentTestHost(BoundaryPage(), route: RouteValues(path: "/boundary"))
        let nav = try #require(elements(host.renderer.tree).first)
        try await host.click("#more")
        #expect(host.find("#more")?.text == "1")
        // An expansion of the layout's body would have made a new `nav`, equal but not the same.
        #expect(elements(host.renderer.tree).first === nav, "the layout's body was expanded again")
        #expect(try JSONParser.parse(host.batches.last?.edits ?? "") == [[3, [1, 0, 0], "1"]])
    }

    @Test("a child's own re-render does not hand its siblings their parameters again")
    func siblingWithClosureParameterIsNotRerendered() async throws {
        let host = try await ComponentTestHost(BoundaryParent())
        let sibling = try #require(host.renderer.components(ClosureChild.self).first)
        // The parent renders once more, so its last body holds a new `ClosureChild` that only
        // carries parameters: its closure is handed to the mounted one, which re-renders.
        let mountedBodies = sibling.bodies
        host.component.stateHasChanged()
        try host.render()
        #expect(sibling.bodies == mountedBodies + 1)
        let (parentBodies, siblingBodies) = (host.component.bodies, sibling.bodies)
        try await host.click(".child-click")
        try await host.click(".child-click")
        #expect(host.find(".child-click")?.text == "2")
        #expect(host.component.bodies == parentBodies)
        // Re-expanding the parent's body would pass the closure again, and a closure always counts
        // as a changed parameter.
        #expect(sibling.bodies == siblingBodies, "the sibling re-rendered although its parent did not")
        #expect(try JSONParser.parse(host.batches.last?.edits ?? "") == [[3, [0, 1, 0], "2"]])
    }

    @Test("a child whose output changes shape, or leads with text, still lands in the right place")
    func outputOfAnotherShapeIsExpandedInFull() async throws {
        let host = try await ComponentTestHost(ShapeParent())
        let start = #"<p id="before">before</p><button id="grow" data-t-click="2.0">grow</button>|n=0<button id="text-inc" data-t-click="3.0">+</button><p id="after">after</p>"#
        #expect(host.html == start)
        try await host.click("#grow")
        #expect(host.html.contains(#"<button id="grow" data-t-click="2.0">grow</button><span id="extra">extra</span>|n=0"#))
        try await host.click("#text-inc")
        #expect(host.html.contains(#"|n=1<button id="text-inc" data-t-click="3.0">+</button><p id="after">"#))
        try await host.click("#grow")
        #expect(host.html == #"<p id="before">before</p><button id="grow" data-t-click="2.0">grow</button>|n=1<button id="text-inc" data-t-click="3.0">+</button><p id="after">after</p>"#)
    }

    @Test("a keyed row that re-renders alone keeps its key, so the rows can still move")
    func keyedRowKeepsItsKeyAndSiblings() async throws {
        let host = try await ComponentTestHost(KeyedRows())
        let list = try #require(elements(host.renderer.tree).first)
        let rowsBefore = elements(list.children)
        try await host.click("#row-r1")
        let rows = elements(try #require(elements(host.renderer.tree).first).children)
        #expect(rows.map(\.key) == ["r0", "r1", "r2"])
        #expect(rows[0] === rowsBefore[0] && rows[2] === rowsBefore[2], "an unchanged row was rebuilt")
        #expect(try JSONParser.parse(host.batches.last?.edits ?? "") == [[3, [0, 1, 0], "1"]])
        host.component.order = ["r1", "r0", "r2"]
        host.component.stateHasChanged()
        try host.render()
        #expect(try JSONParser.parse(host.batches.last?.edits ?? "") == [[6, [0], 1, 0]])
        #expect(host.findAll(".row").map(\.text) == ["1", "0", "0"])
    }

    @Test("an equal string is not written again, a callback always is")
    func equalPlainParameterIsNotWrittenAgain() async throws {
        let host = try await ComponentTestHost(WriteCountingParent())
        let child = try #require(host.renderer.components(WriteCountingChild.self).first)
        let (textWrites, onTapWrites) = (child.textWrites, child.onTapWrites)
        host.component.stateHasChanged()
        try host.render()
        #expect(child.textWrites == textWrites, "an equal string was written through its key path")
        #expect(child.onTapWrites == onTapWrites + 1, "the parent's latest callback must reach the child")
        // The latest callback is the one that runs: it carries the label of the last render.
        try await host.click("#tap")
        #expect(host.component.taps == ["tap 0"])
        host.component.text = "changed"
        host.component.stateHasChanged()
        try host.render()
        #expect(child.textWrites == textWrites + 1)
        #expect(host.find("#tap")?.text == "changed")
        #expect(Sameness.equalMeansIdentical(String.self) && Sameness.equalMeansIdentical(Int?.self))
        #expect(!Sameness.equalMeansIdentical(EventCallback<Void>.self) && !Sameness.equalMeansIdentical(Double.self))
    }

    @Test("parameters compare in place: equal values are the same, any difference is not")
    func samenessOfEquatableValues() {
        struct Point: Equatable {
            var x: Int
            var label: String
        }
        let strings = Sameness.of(String.self)
        #expect(strings("a long string that is not small", "a long string that is not small"))
        #expect(!strings("a", "b"))
        let points = Sameness.of(Point.self)
        #expect(points(Point(x: 1, label: "p"), Point(x: 1, label: "p")))
        #expect(!points(Point(x: 1, label: "p"), Point(x: 1, label: "q")))
        let optionals = Sameness.of(Int?.self)
        #expect(optionals(nil, nil) && optionals(3, 3) && !optionals(3, nil) && !optionals(3, 4))
        let arrays = Sameness.of([Double].self)
        #expect(arrays([1, 2], [1, 2]) && !arrays([1, 2], [1, 2, 3]))
    }
}

struct BehaviourAttributeTextTests {
    @Test("state attributes written as text are the JSON of their wire values, escapes included")
    func stateTextMatchesItsJSONValue() throws {
        let element = button { "Save" }
            .loading(.class("busy"), .attribute("aria-busy", "true"), delay: 50, target: "say \"hi\"\\")
            .loading(.show, target: .anyEvent)
            .offline(.hide)
            .dirty(.attribute("data-note", "tab\there"), input: "name")
        let attributes = Dictionary(uniqueKeysWithValues: element.behaviourAttributes.map { ($0.name, $0.value) })
        for attribute in BehaviourState.attributes {
            let states = element.states.filter { $0.attribute == attribute }
            let expected = JSONValue.array(states.map(\.wire)).serialized()
            #expect(attributes[attribute.rawValue] == expected, "\(attribute.rawValue)")
            // And it parses back to the same value.
            #expect(try JSONParser.parse(try #require(attributes[attribute.rawValue])) == JSONValue.array(states.map(\.wire)))
        }
        #expect(button { "plain" }.behaviourAttributes.isEmpty)
    }
}
