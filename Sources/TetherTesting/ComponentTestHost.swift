import TetherInterop
import TetherUI

/// Renders a component without a browser, the analog of bUnit or LiveViewTest: find elements,
/// fire events, and assert on the markup, with JS played by `ScriptedJS`.
///
/// ```swift
/// let host = try await ComponentTestHost(Counter.self)
/// try await host.click("#increment")
/// #expect(host.find("#count")?.text == "1")
/// ```
public final class ComponentTestHost<Root: Component> {
    public let component: Root
    public let js: ScriptedJS
    public let renderer: Renderer
    /// Every batch rendered since the first render.
    public private(set) var batches: [RenderBatch] = []

    public init(_ type: Root.Type, js: ScriptedJS = ScriptedJS(), configure: (Root) -> Void = { _ in }) async throws {
        self.js = js
        let component = Root()
        configure(component)
        self.component = component
        renderer = Renderer(root: component, js: JSRuntime(channel: js.makeChannel()), isPrerendering: false)
        try await renderer.initializePending()
        _ = renderer.renderHTML()
        await renderer.afterRender()
    }

    /// The current markup.
    public var html: String { HTMLWriter.html(renderer.tree) }

    /// Finds the first element matching a simple selector: `#id`, `.class`, `tag`, or `tag.class`.
    public func find(_ selector: String) -> TestElement? {
        findAll(selector).first
    }

    public func findAll(_ selector: String) -> [TestElement] {
        let matcher = SimpleSelector(selector)
        var found: [TestElement] = []
        func walk(_ nodes: [RenderNode]) {
            for node in nodes {
                guard case .element(let element) = node else { continue }
                if matcher.matches(element) { found.append(TestElement(element: element)) }
                walk(element.children)
            }
        }
        walk(renderer.tree)
        return found
    }

    /// Fires a DOM event at the first element matching `selector`, runs its handler, and
    /// re-renders, as the circuit does.
    public func fire(_ event: String, at selector: String, args: EventArgs? = nil) async throws {
        guard let element = find(selector) else { throw TestHostError("no element matches '\(selector)'") }
        guard let binding = element.element.attribute("data-t-" + event) else {
            throw TestHostError("'\(selector)' has no \(event) handler")
        }
        let handlerID = String(binding.split(separator: ";")[0])
        var payload = args ?? EventArgs(type: event)
        payload.type = event
        let (handler, eventArgs) = try renderer.handler(for: handlerID, rawArgs: payload.json)
        try await handler(eventArgs)
        render()
        await renderer.afterRender()
    }

    public func click(_ selector: String) async throws {
        try await fire("click", at: selector)
    }

    /// Types into an input: fires `input` with the new value.
    public func input(_ selector: String, value: String) async throws {
        var args = EventArgs(type: "input")
        args.value = value
        try await fire("input", at: selector, args: args)
    }

    /// Re-renders if a component asked to, for state changed outside a handler.
    public func render() {
        if let batch = renderer.renderBatch() { batches.append(batch) }
    }
}

/// An element of the rendered tree, for assertions.
public struct TestElement {
    public let element: RenderElement

    public var tag: String { element.tag }
    public func attribute(_ name: String) -> String? { element.attribute(name) }

    /// The text content, as `textContent` would read it (raw markup included as written).
    public var text: String {
        var out = ""
        func walk(_ nodes: [RenderNode]) {
            for node in nodes {
                switch node {
                case .text(let t): out += t
                case .markup(let m): out += m
                case .element(let e): walk(e.children)
                }
            }
        }
        walk(element.children)
        return out
    }

    public var html: String { HTMLWriter.html([.element(element)]) }
}

public struct TestHostError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

struct SimpleSelector {
    let tag: String?
    let id: String?
    let classes: [String]

    init(_ selector: String) {
        var tag: String?
        var id: String?
        var classes: [String] = []
        var current = ""
        var mode: Character = "t"
        func flush() {
            guard !current.isEmpty else { return }
            switch mode {
            case "#": id = current
            case ".": classes.append(current)
            default: tag = current.lowercased()
            }
            current = ""
        }
        for c in selector {
            if c == "#" || c == "." {
                flush()
                mode = c
            } else {
                current.append(c)
            }
        }
        flush()
        self.tag = tag
        self.id = id
        self.classes = classes
    }

    func matches(_ element: RenderElement) -> Bool {
        if let tag, element.tag != tag { return false }
        if let id, element.attribute("id") != id { return false }
        if !classes.isEmpty {
            let present = Set((element.attribute("class") ?? "").split(separator: " ").map(String.init))
            if !classes.allSatisfy(present.contains) { return false }
        }
        return true
    }
}

extension EventArgs {
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("type", .string(type))]
        if let value { members.append(("value", .string(value))) }
        if let checked { members.append(("checked", .bool(checked))) }
        if let key { members.append(("key", .string(key))) }
        return .object(members)
    }
}
