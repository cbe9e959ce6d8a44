import Logging
import TetherInterop

/// Why an event from the browser was not delivered.
public enum EventDispatchError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownHandler(String)
    case malformedArgs(handler: String, reason: String)

    public var description: String {
        switch self {
        case .unknownHandler(let id): "no event handler with id '\(id)' is rendered (it may be stale)"
        case .malformedArgs(let id, let reason): "malformed args for handler '\(id)': \(reason)"
        }
    }
}

/// A numbered set of DOM edits, produced by one render.
public struct RenderBatch: Sendable, Equatable {
    public let number: Int
    public let edits: String
    public let editCount: Int
}

/// Renders one root component and its children, keeps the tree the browser has, and turns each
/// re-render into a minimal batch of edits.
///
/// A renderer belongs to one circuit and is used from that circuit's executor only.
public final class Renderer {
    private final class Mounted {
        let id: Int
        let instance: any Component
        var initialized = false
        var rendered = false
        init(id: Int, instance: any Component) {
            self.id = id
            self.instance = instance
        }
    }

    public let root: any Component
    private let js: JSRuntime
    private let isPrerendering: Bool
    private var onInvalidate: () -> Void = {}
    private var nextComponentID = 1
    private var mounted: [String: Mounted] = [:]
    private var handlers: [String: EventBinding] = [:]
    private var nextElementRef = 1
    public private(set) var tree: [RenderNode] = []
    public private(set) var batchNumber = 0
    public private(set) var needsRender = true
    /// Components that left the tree in the last render and still need `dispose()`.
    private var removed: [any Component] = []

    public init(root: any Component, js: JSRuntime, isPrerendering: Bool) {
        self.root = root
        self.js = js
        self.isPrerendering = isPrerendering
        let record = Mounted(id: nextComponentID, instance: root)
        nextComponentID += 1
        mounted["root"] = record
        attach(root)
    }

    /// Called whenever a component asks to re-render, so the circuit can schedule it.
    public func setInvalidationHandler(_ handler: @escaping () -> Void) {
        onInvalidate = handler
    }

    private func attach(_ component: ComponentBase) {
        component.context = ComponentContext(js: js, isPrerendering: isPrerendering) { [weak self] in
            guard let self else { return }
            self.needsRender = true
            self.onInvalidate()
        }
    }

    /// Runs `onInitialized` of every component that has not had it yet.
    public func initializePending() async throws {
        for record in mounted.values.sorted(by: { $0.id < $1.id }) where !record.initialized {
            record.initialized = true
            try await record.instance.onInitialized()
            needsRender = true
        }
    }

    /// Renders the whole tree as HTML, for prerendering or a first connect.
    public func renderHTML() -> String {
        tree = renderTree()
        needsRender = false
        return HTMLWriter.html(tree)
    }

    /// Re-renders and returns the edits since the last render, or nil when nothing changed.
    public func renderBatch() -> RenderBatch? {
        let newTree = renderTree()
        needsRender = false
        var diff = TreeDiff()
        diff.diff(tree, newTree)
        tree = newTree
        guard diff.editCount > 0 else { return nil }
        batchNumber += 1
        return RenderBatch(number: batchNumber, edits: diff.json, editCount: diff.editCount)
    }

    /// Components rendered at least once whose `onAfterRender` should now run, with `firstRender`.
    public func afterRender() async {
        for record in mounted.values.sorted(by: { $0.id < $1.id }) {
            let first = !record.rendered
            record.rendered = true
            do {
                try await record.instance.onAfterRender(firstRender: first)
            } catch {
                js.channel.logger.error("onAfterRender threw", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Finds the handler for a browser event and runs it.
    public func handler(for id: String, rawArgs: JSONValue) throws(EventDispatchError) -> (EventHandler, EventArgs) {
        guard let binding = handlers[id] else { throw .unknownHandler(id) }
        do {
            let args = try EventArgs(json: rawArgs)
            return (binding.handler, args)
        } catch {
            throw .malformedArgs(handler: id, reason: error.message)
        }
    }

    /// Disposes the components the last render removed.
    public func disposeRemoved() async {
        let leaving = removed
        removed.removeAll()
        for component in leaving { await component.dispose() }
    }

    /// Disposes every component.
    public func dispose() async {
        for record in mounted.values.sorted(by: { $0.id > $1.id }) { await record.instance.dispose() }
        mounted.removeAll()
        handlers.removeAll()
    }

    // MARK: Expansion

    private func renderTree() -> [RenderNode] {
        handlers.removeAll(keepingCapacity: true)
        var live: Set<String> = ["root"]
        var nodes: [RenderNode] = []
        var ordinal = 0
        expand(root.body, owner: mounted["root"]!, slot: "root", ordinal: &ordinal, live: &live, into: &nodes)
        for (slot, record) in mounted where !live.contains(slot) {
            mounted.removeValue(forKey: slot)
            removed.append(record.instance)
        }
        return nodes
    }

    private func expand(_ content: Content, owner: Mounted, slot: String, ordinal: inout Int, live: inout Set<String>, into out: inout [RenderNode]) {
        var childIndex = 0
        for node in content {
            switch node {
            case .text(let text):
                appendText(text, to: &out)
            case .markup(let html):
                out.append(.markup(html))
            case .element(let element):
                out.append(.element(expandElement(element, owner: owner, slot: slot, ordinal: &ordinal, live: &live)))
            case .component(let child):
                let childSlot = "\(slot)/\(child.key.map { "k:" + $0 } ?? String(childIndex))#\(child.type.hashValue)"
                childIndex += 1
                let record: Mounted
                if let existing = mounted[childSlot] {
                    record = existing
                } else {
                    let instance = child.make()
                    attach(instance)
                    record = Mounted(id: nextComponentID, instance: instance as! any Component)
                    nextComponentID += 1
                    mounted[childSlot] = record
                    needsRender = true
                }
                child.configure(record.instance)
                live.insert(childSlot)
                var childOrdinal = 0
                expand(record.instance.body, owner: record, slot: childSlot, ordinal: &childOrdinal, live: &live, into: &out)
            }
        }
    }

    private func appendText(_ text: String, to out: inout [RenderNode]) {
        guard !text.isEmpty else { return }
        // The HTML parser merges adjacent text, so the tree does too.
        if case .text(let previous) = out.last {
            out[out.count - 1] = .text(previous + text)
        } else {
            out.append(.text(text))
        }
    }

    private func expandElement(_ element: Element, owner: Mounted, slot: String, ordinal: inout Int, live: inout Set<String>) -> RenderElement {
        var attributes = element.attributes
        for binding in element.events {
            let id = "\(owner.id).\(ordinal)"
            ordinal += 1
            handlers[id] = binding
            attributes.append(("data-t-" + binding.name, id + binding.options.wireSuffix))
        }
        if let reference = element.reference {
            if reference.id == nil {
                reference.id = "\(owner.id)-\(nextElementRef)"
                nextElementRef += 1
            }
            attributes.append(("data-t-ref", reference.id!))
        }
        var children: [RenderNode] = []
        expand(element.children, owner: owner, slot: slot, ordinal: &ordinal, live: &live, into: &children)
        return RenderElement(tag: element.tag, attributes: attributes, children: children, key: element.key)
    }
}
