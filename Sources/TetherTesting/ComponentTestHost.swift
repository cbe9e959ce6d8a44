import Dispatch
import TetherInterop
import TetherUI

/// Renders a component without a browser, the analog of bUnit or LiveViewTest: find elements,
/// fire events, and assert on the markup, with JS played by `ScriptedJS` and the app's services
/// replaced as the test needs.
///
/// ```swift
/// let host = try await ComponentTestHost(Counter(), services: { $0.orders = FakeOrders() })
/// try await host.click("#increment")
/// #expect(host.find("#count")?.text == "1")
/// ```
public final class ComponentTestHost<Root: Component> {
    /// The component under test, for asserting on its state.
    public let component: Root
    /// The fake browser that answers the component's JS calls; script it and read its `calls`.
    public let js: ScriptedJS
    package let renderer: Renderer
    /// Every batch rendered since the first render.
    package private(set) var batches: [RenderBatch] = []
    /// Where the host's own work and the work its components start run, one job at a time.
    private let executor = TestHostExecutor()

    /// Renders `component` as the root of a circuit: runs `onInitialized`, renders, and runs
    /// `onAfterRender(firstRender: true)`. `services` sets the services the app would register.
    /// `restoring` starts it from what another host saved, as a circuit resumed after a restart
    /// starts: persisted properties are restored before `onInitialized`. `authentication` is who
    /// the circuit's browser is, as a server would capture it (`.anonymous` by default).
    public init(
        _ component: Root, js: ScriptedJS = ScriptedJS(), route: RouteValues? = nil, restoring saved: SavedState? = nil,
        authentication: AuthenticationState = .anonymous, services: (inout ServiceValues) -> Void = { _ in }
    ) async throws {
        self.js = js
        self.component = component
        var values = ServiceValues()
        services(&values)
        values.authentication = authentication
        var host = RendererHost()
        let executor = self.executor
        host.schedule = { work in
            let confined = TestConfined(work)
            return Task(executorPreference: executor) { await confined.value() }
        }
        renderer = Renderer(
            page: component, route: route, js: JSRuntime(channel: js.makeChannel()), services: values, isPrerendering: false, host: host,
            restoring: saved?.states)
        // Tests see every markup problem as an error, whatever the build configuration.
        renderer.markupChecking = .strict
        try await confined {
            try await renderer.initializePending()
            _ = renderer.renderHTML()
            try renderer.checkMarkup()
            while renderer.hasUninitializedComponents {
                try await renderer.initializePending()
                _ = renderer.renderHTML()
                try renderer.checkMarkup()
            }
            renderer.finishRestoring()
            await renderer.afterRender()
        }
    }

    /// Runs the host's own work on its executor, so it never interleaves with `launch`ed work
    /// except where one of them awaits, as in a circuit.
    private func confined<T>(_ work: () async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(executor, operation: work)
    }

    /// What a circuit store would save of these components now.
    public func savedState() -> SavedState {
        let (states, problems) = renderer.captureStates()
        return SavedState(states: states, problems: problems.map(\.description))
    }

    /// Saved values that did not restore (`place.name: reason`); each such component started fresh.
    public var restoreProblems: [String] { renderer.restoreProblems.map(\.description) }

    /// True when something asked for a render since the last one: `stateHasChanged()`, or a
    /// change to what an `@Observable` component's body read.
    public var renderRequested: Bool { renderer.needsRender }

    /// Waits until something asks for a render (work started with `launch`, a shared model changed
    /// elsewhere), then renders as the circuit would.
    public func nextRender(timeout: Duration = .seconds(5)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        try await confined {
            while !renderRequested {
                guard clock.now < deadline else { throw TestHostError("nothing asked for a render within \(timeout)") }
                try await Task.sleep(for: .milliseconds(2))
            }
            try await renderAsTheCircuitDoes()
        }
    }

    /// The current markup.
    public var html: String { HTMLWriter.html(renderer.tree) }

    /// Finds the first element matching a simple selector: `#id`, `.class`, `tag`, or `tag.class`.
    public func find(_ selector: String) -> TestElement? {
        findAll(selector).first
    }

    /// Every element matching a simple selector (`#id`, `.class`, `tag`, or `tag.class`), in
    /// document order.
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
        try await confined {
            let event = try renderer.resolveEvent(handlerID, rawArgs: payload.json)
            renderer.eventHandled(event)
            do {
                try await event.handler(event.args)
            } catch {
                guard renderer.capture(error, from: event) else { throw error }
            }
            renderer.eventHandled(event)
            try await renderAsTheCircuitDoes()
        }
    }

    /// Renders, initializes the children that render mounted and renders them, disposes those it
    /// removed, and runs `onAfterRender`.
    private func renderAsTheCircuitDoes() async throws {
        try render()
        while renderer.hasUninitializedComponents {
            try await renderer.initializePending()
            try render()
        }
        await renderer.disposeRemoved()
        await renderer.afterRender()
    }

    /// Clicks the first element matching `selector`: fires `click`, runs its handler, and
    /// re-renders.
    public func click(_ selector: String) async throws {
        try await fire("click", at: selector)
    }

    /// Types into an input: fires `input` with the new value.
    public func input(_ selector: String, value: String) async throws {
        var args = EventArgs(type: "input")
        args.value = value
        try await fire("input", at: selector, args: args)
    }

    /// Re-renders what changed, as the circuit does after an event, `stateHasChanged()` or a change
    /// Observation reported. Throws `MarkupError` when the markup has a problem the DSL reported
    /// (an unknown event, a dropped attribute, a handler that replaced a binding's).
    public func render() throws {
        if let batch = renderer.renderBatch() { batches.append(batch) }
        try renderer.checkMarkup()
    }
}

/// An element of the rendered tree, for assertions.
public struct TestElement {
    package let element: RenderElement

    /// The tag name, lowercased.
    public var tag: String { element.tag }
    /// The value of an attribute as rendered, or nil when the element does not have it.
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

    /// The element's markup, itself included, as the browser would receive it.
    public var html: String { HTMLWriter.html([.element(element)]) }
}

/// A test asked the host for something the rendered page does not have: no element matches the
/// selector, the element has no handler for the event, or nothing asked for a render in time.
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
        if let scrollTop { members.append(("scrollTop", .number(String(scrollTop)))) }
        if let clientHeight { members.append(("clientHeight", .number(String(clientHeight)))) }
        return .object(members)
    }
}

/// Runs one host's jobs one at a time on a queue of its own: the host's renders and events, and
/// the work its components start (`launch`, subscriptions, async content). Component closures
/// get no actor from Swift, so without a shared executor a `launch`ed closure would run on the
/// global pool beside the host rendering the same component. `CircuitExecutor` does the same for a
/// circuit.
final class TestHostExecutor: SerialExecutor, TaskExecutor {
    private let queue = DispatchQueue(label: "tether.test-host")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(isolatedTo: self.asUnownedSerialExecutor(), taskExecutor: self.asUnownedTaskExecutor())
        }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }
}

/// Component work handed to the host's executor; see `CircuitConfined` in TetherServer for why
/// this is sound when only one executor unwraps it.
struct TestConfined<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The persisted state of a test host's components, as a circuit store would hold it.
public struct SavedState: Sendable {
    package var states: ComponentStates
    /// Values that could not be saved (`place.name: reason`).
    public let problems: [String]

    package init(states: ComponentStates, problems: [String]) {
        self.states = states
        self.problems = problems
    }

    /// The snapshot's JSON, exactly as a store row holds it.
    public var json: String { String(decoding: states.serialized(), as: UTF8.self) }

    /// A snapshot read back from JSON, as a new process reads a store row; nil when it is not one.
    public init?(json: String) {
        guard let states = try? ComponentStates(bytes: Array(json.utf8), formatVersion: ComponentStates.formatVersion) else { return nil }
        self.init(states: states, problems: [])
    }
}
