import TetherInterop
#if !hasFeature(Embedded)
import Logging
#endif

/// Why an event from the browser was not delivered.
package enum EventDispatchError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownHandler(String)
    case malformedArgs(handler: String, reason: String)

    package var description: String {
        switch self {
        case .unknownHandler(let id): "no event handler with id '\(LogSafe.clip(id))' is rendered (it may be stale)"
        case .malformedArgs(let id, let reason): "malformed args for handler '\(LogSafe.clip(id))': \(reason)"
        }
    }
}

/// A numbered set of DOM edits, produced by one render.
package struct RenderBatch: Sendable, Equatable {
    package let number: Int
    package let edits: String
    package let editCount: Int
    /// The document's head, when this batch changes it.
    package let head: DocumentHead?

    package init(number: Int, edits: String, editCount: Int, head: DocumentHead? = nil) {
        self.number = number
        self.edits = edits
        self.editCount = editCount
        self.head = head
    }
}

/// A handler found for a browser event, with the component that rendered it.
package struct ResolvedEvent {
    package let handler: EventHandler
    package let args: EventArgs
    let owner: Int
}

/// Where the renderer's components reach the outside world. The circuit provides them; tests
/// and prerendering use the defaults, which do nothing.
package struct RendererHost {
    /// A component asked to re-render.
    package var invalidated: () -> Void = {}
    #if !hasFeature(Embedded)
    /// Something a component's body read from an `@Observable` object has changed. Called on
    /// whatever thread changed it: the renderer has noted which component and renders it in its
    /// next pass, which this must ask the circuit for.
    package var observedChange: @Sendable () -> Void = {}
    /// A component started background work, which must run on the circuit.
    package var schedule: (@escaping () async -> Void) -> Task<Void, Never> = { _ in Task {} }
    /// A component asked to navigate.
    package var navigate: @Sendable (_ url: String, _ replace: Bool, _ forceLoad: Bool) -> Void = { _, _, _ in }
    /// A component's background work failed with no error boundary around it to show it.
    package var uncaughtError: (_ what: String, _ error: any Error) -> Void = { _, _ in }
    #endif

    package init() {}
}

/// Renders a page (inside its layout, if it has one) and every child component, keeps the tree
/// the browser has, and turns each re-render into a minimal batch of edits.
///
/// Only components whose state changed re-run their body; a child whose parameters are equal to
/// the last ones keeps its previous output. A renderer belongs to one circuit and is used from that
/// circuit's executor only.
package final class Renderer {
    final class Mounted {
        let id: Int
        let instance: any Component
        /// Where it sits in the tree, the key of its persisted state (see `ComponentStates`).
        let place: String
        #if hasFeature(Embedded)
            // No weak references in Embedded Swift; a record is dropped with its parent's subtree.
            unowned(unsafe) var parent: Mounted?
        #else
            weak var parent: Mounted?
        #endif
        var children: [Slot: Mounted] = [:]
        /// Where its output sits in its parent's output, when it can be swapped there alone.
        var placement: Placement?
        /// The number of the parent's expansion that last placed it, so the parent can drop the
        /// children its new body no longer has.
        var placedBy = 0
        var renderedOnce = false
        /// Its `onInitialized` has run (kept here once true: `initialized` is a set to hash into).
        var isInitialized = false
        /// Its body must run again.
        var dirty = true
        /// A descendant re-renders, so its output must be rebuilt from its last body.
        var stale = true
        var template: Content = []
        var output: [RenderNode] = []
        var handlers: [EventBinding] = []
        var environment = EnvironmentValues()
        var renderedInLastPass = false
        /// Counts its body's runs, so a change Observation reports about an older run is dropped.
        var generation = 0

        init(id: Int, instance: any Component, place: String, parent: Mounted?) {
            self.id = id
            self.instance = instance
            self.place = place
            self.parent = parent
        }
    }

    /// Which child a body's component node is: its key, or its position among the body's
    /// component nodes when it has none, and its type.
    struct Slot: Hashable {
        let key: String?
        let position: Int
        let type: ObjectIdentifier
    }

    /// The nodes a child's output occupies in its parent's output: `start..<start+count` of the
    /// children of the element at `path` (element indices from the parent's top-level nodes).
    /// A parent whose body did not change puts the child's new output there (a component
    /// boundary), instead of expanding its whole body again and diffing all of it. Only for
    /// output without top-level text, which the tree merges with the text around it.
    struct Placement {
        let path: [Int]
        let start: Int
        let count: Int
        /// The key its top-level elements carry (see `keyTopLevel`).
        let key: String?
    }

    #if !hasFeature(Embedded)
        private let js: JSRuntime
        let observedChanges: ObservedChanges
        private var logger: Logger { js.channel.logger }
    #endif
    private let services: ServiceValues
    let isPrerendering: Bool
    /// False for a WebAssembly page's prerender: the module shows the page without its layout.
    private let showsLayout: Bool
    private var host: RendererHost
    package let navigation: NavigationManager
    private var nextComponentID = 1
    /// Ids to give the components mounted at these places: a rebuilt page keeps the ids, and so
    /// the handler ids, the browser already has (see Renderer+Hibernation.swift).
    private var reusedComponentIDs: [String: Int]
    private var root: Mounted!
    private(set) var byID: [Int: Mounted] = [:]
    /// The same records by component instance, for `record(of:)`: a component that asks for a
    /// render names itself, and a page of a thousand components must not scan them all.
    private var byInstance: [ObjectIdentifier: Mounted] = [:]
    private var nextElementRef = 1
    /// Element indices from the top of the output being expanded to the children list being
    /// filled, for `Placement`.
    private var expansionPath: [Int] = []
    private var expansionCount = 0
    package private(set) var tree: [RenderNode] = []
    package private(set) var batchNumber = 0
    /// Components that left the tree in the last render and still need `dispose()`.
    private var removed: [any Component] = []
    /// What to do about markup the DSL could not honour; see `checkMarkup()`.
    package var markupChecking = MarkupChecking.buildDefault
    private var markupReports: [MarkupReport] = []
    private var headContributions = HeadContributions()

    /// What the mounted `PageTitle` and `HeadContent` components put in the document's head now.
    package var head: DocumentHead { headContributions.head }
    /// The head the browser has: the one written with the last full HTML, or carried by a batch.
    private var shownHead = DocumentHead()

    /// The page being shown, inside its layout when it has one.
    package private(set) var page: any Component
    #if hasFeature(Embedded)
        /// `services` are the app's; the renderer adds `navigation`.
        package init(page: any Component, route: RouteValues? = nil, services: ServiceValues = ServiceValues(), host: RendererHost = RendererHost()) {
            reusedComponentIDs = [:]
            isPrerendering = false
            showsLayout = false
            self.host = host
            self.page = page
            navigation = NavigationManager(url: route?.path ?? "/", navigate: { _, _, _ in })
            var services = services
            services.navigation = navigation
            self.services = services
            mountRoot(page, route: route)
        }

        /// True when a component asked to re-render.
        package var needsRender: Bool { root.dirty || root.stale }
    #else
    /// Saved state for the components this renderer mounts, until the first render has settled.
    private var restoring: ComponentStates?
    /// What did not restore: each such component started fresh.
    package private(set) var restoreProblems: [PersistenceProblem] = []

    /// `services` are the app's; the renderer adds this circuit's `js` and `navigation`.
    package init(
        page: any Component, route: RouteValues? = nil, js: JSRuntime, services: ServiceValues = ServiceValues(), isPrerendering: Bool,
        host: RendererHost = RendererHost(), restoring: ComponentStates? = nil, componentIDs: [String: Int] = [:], showsLayout: Bool = true
    ) {
        self.showsLayout = showsLayout
        self.restoring = restoring
        reusedComponentIDs = componentIDs
        nextComponentID = (componentIDs.values.max() ?? 0) + 1
        self.js = js
        self.isPrerendering = isPrerendering
        self.host = host
        self.page = page
        observedChanges = ObservedChanges(wake: host.observedChange)
        navigation = NavigationManager(url: route?.path ?? "/", navigate: host.navigate)
        var services = services
        services.js = js
        services.navigation = navigation
        self.services = services
        mountRoot(page, route: route)
    }

    /// True when a component asked to re-render, or something its body read from an `@Observable` changed.
    package var needsRender: Bool { root.dirty || root.stale || observedChanges.hasPending }
    #endif

    /// Replaces the page, for navigation inside the circuit. A layout shared by both pages stays,
    /// so only the page's part of the DOM changes.
    package func show(page newPage: any Component, route: RouteValues) {
        navigation.url = route.queryString.isEmpty ? route.path : route.path + "?" + route.queryString
        // A layout that stays re-renders only what changed: links showing the URL must follow it.
        for record in byID.values where record.instance.readsLocation { markDirty(record) }
        if let oldLayout = root.instance as? LayoutBase, Self.page(newPage, isShownIn: oldLayout) {
            // The layout's next render swaps the page child; the old page is disposed then.
            attach(newPage)
            oldLayout.page = newPage
            Self.give(route, to: newPage)
            page = newPage
            markDirty(root)
        } else {
            removeTree(of: root, keepingRoot: false)
            page = newPage
            mountRoot(newPage, route: route)
        }
    }

    private func mountRoot(_ page: any Component, route: RouteValues?) {
        attach(page)
        if let route { Self.give(route, to: page) }
        // The page is restored here even inside a layout: its `onInitialized` runs before the
        // layout's first render mounts it.
        restoreState(of: page, at: Self.place(of: page))
        let top: any Component
        if showsLayout, let layout = Self.makeLayout(for: page) {
            layout.page = page
            attach(layout)
            restoreState(of: layout, at: Self.place(of: layout))
            top = layout
        } else {
            top = page
        }
        root = Mounted(id: takeComponentID(at: Self.place(of: top)), instance: top, place: Self.place(of: top), parent: nil)
        byID[root.id] = root
        byInstance[identity(top)] = root
    }

    // Layouts are for the server: Embedded Swift, for the WebAssembly render mode, cannot read a
    // static property through a value's dynamic type, so a wasm page shows without its layout.

    /// A new instance of the layout `page` is shown in, if it has one.
    private static func makeLayout(for page: any Component) -> (any Layout)? {
        #if hasFeature(Embedded)
            nil
        #else
            (type(of: page) as? any Routable.Type)?.layout?.init()
        #endif
    }

    /// Hands a page its route values. In the WebAssembly render mode, where Embedded Swift cannot
    /// cast to a protocol, `WebAssemblyApp.page(_:at:)` hands them itself, knowing the page's type.
    private static func give(_ route: RouteValues, to page: any Component) {
        #if !hasFeature(Embedded)
            (page as? any Routable)?.receive(route: route)
        #endif
    }

    /// Whether `page` is shown in a layout of the same type as `layout`.
    private static func page(_ page: any Component, isShownIn layout: LayoutBase) -> Bool {
        #if hasFeature(Embedded)
            false
        #else
            (type(of: page) as? any Routable.Type)?.layout.map { type(of: layout) == $0 } ?? false
        #endif
    }

    /// What a `PageTitle` or a `HeadContent` puts in the document's head.
    private static func headPart(of component: any Component) -> HeadPart? {
        #if hasFeature(Embedded)
            // Embedded Swift casts to classes only.
            (component as? PageTitle)?.headPart ?? (component as? HeadContent)?.headPart
        #else
            (component as? any HeadContributor)?.headPart
        #endif
    }

    private func takeComponentID(at place: String) -> Int {
        if let reused = reusedComponentIDs.removeValue(forKey: place) { return reused }
        defer { nextComponentID += 1 }
        return nextComponentID
    }

    private func attach(_ component: ComponentBase) {
        guard component.context == nil else { return }
        #if hasFeature(Embedded)
            // No weak references in Embedded Swift: the renderer outlives the page's components.
            component.context = ComponentContext(
                services: services, isPrerendering: isPrerendering,
                invalidate: { [unowned(unsafe) self, unowned(unsafe) component] in
                    guard let record = self.record(of: component) else { return }
                    self.markDirty(record)
                    self.host.invalidated()
                })
        #else
        component.context = ComponentContext(
            services: services, isPrerendering: isPrerendering,
            invalidate: { [weak self, weak component] in
                guard let self, let component, let record = self.record(of: component) else { return }
                self.markDirty(record)
                self.host.invalidated()
            },
            schedule: { [host] work in host.schedule(work) },
            captureError: { [weak self, weak component] what, error in
                guard let self, let component else { return }
                self.capture(error, what, below: self.record(of: component)?.parent)
            })
        #endif
    }

    /// A component's identity, as the renderer's tables key it.
    private func identity(_ component: any Component) -> ObjectIdentifier {
        // Through the base class: Embedded Swift builds no identity from a protocol value.
        ObjectIdentifier(component as ComponentBase)
    }

    private func record(of component: ComponentBase) -> Mounted? {
        byInstance[ObjectIdentifier(component)]
    }

    func markDirty(_ record: Mounted) {
        record.dirty = true
        var node: Mounted? = record
        while let current = node {
            current.stale = true
            node = current.parent
        }
    }

    /// Runs `onInitialized` of every component that has not had it yet: the layout and the page
    /// before the first render, children after the render that created them.
    #if hasFeature(Embedded)
        package func initializePending() {
            for component in pendingInitialization() {
                component.onInitialized()
                if let record = record(of: component) { markDirty(record) }
            }
        }
    #else
    package func initializePending() async throws {
        for component in pendingInitialization() {
            try await component.onInitialized()
            if let record = record(of: component) { markDirty(record) }
        }
    }
    #endif

    /// The components whose `onInitialized` is due, parents first; each is counted as initialized.
    private func pendingInitialization() -> [any Component] {
        var pending: [any Component] = [root.instance]
        if root.instance !== page { pending.append(page) }
        pending += byID.values.sorted { $0.id < $1.id }.map { $0.instance }
        return pending.filter { initialized.insert(identity($0)).inserted }
    }

    /// Children created by the last render still wait for `onInitialized`.
    package var hasUninitializedComponents: Bool {
        byID.values.contains { !$0.isInitialized && !initialized.contains(identity($0.instance)) }
    }

    private var initialized = Set<ObjectIdentifier>()

    /// Renders the whole tree as HTML, for prerendering or a first connect.
    package func renderHTML() -> String {
        tree = renderTree()
        // Whoever writes this HTML writes the head with it: a prerendered page has it.
        shownHead = head
        return HTMLWriter.html(tree)
    }

    /// Re-renders what changed and returns the edits since the last render, or nil when the DOM
    /// needs no change.
    package func renderBatch() -> RenderBatch? {
        let newTree = renderTree()
        var diff = TreeDiff()
        diff.diff(tree, newTree)
        tree = newTree
        // Not while children of this render still wait for `onInitialized`: a new page's
        // `PageTitle` has not rendered yet, and the app's title would flash in between.
        var headChange: DocumentHead?
        if head != shownHead && !hasUninitializedComponents {
            headChange = head
            shownHead = head
        }
        guard diff.editCount > 0 || headChange != nil else { return nil }
        batchNumber += 1
        return RenderBatch(number: batchNumber, edits: diff.json, editCount: diff.editCount, head: headChange)
    }

    #if hasFeature(Embedded)
        /// Runs `onAfterRender` of each component the last render re-ran, parents first.
        package func afterRender() {
            for (record, first) in takeRendered() { record.instance.onAfterRender(firstRender: first) }
        }
    #else
    /// Runs `onAfterRender` of each component the last render re-ran, parents first.
    package func afterRender() async {
        for (record, first) in takeRendered() {
            do {
                try await record.instance.onAfterRender(firstRender: first)
            } catch {
                logger.error("onAfterRender threw", metadata: ["error": "\(error)"])
            }
        }
    }
    #endif

    /// The components the last render re-ran, parents first, each with whether it was its first.
    private func takeRendered() -> [(Mounted, Bool)] {
        let rendered = byID.values.filter { $0.renderedInLastPass }.sorted { $0.id < $1.id }
        return rendered.map { record in
            record.renderedInLastPass = false
            defer { record.renderedOnce = true }
            return (record, !record.renderedOnce)
        }
    }

    /// Finds the handler for a browser event and checks its arguments.
    package func resolveEvent(_ id: String, rawArgs: JSONValue) throws(EventDispatchError) -> ResolvedEvent {
        let parts = id.split(separator: ".")
        guard parts.count == 2, let componentID = Int(parts[0]), let ordinal = Int(parts[1]),
            let record = byID[componentID], record.handlers.indices.contains(ordinal)
        else { throw .unknownHandler(id) }
        let args: EventArgs
        do {
            args = try EventArgs(json: rawArgs)
        } catch {
            throw .malformedArgs(handler: id, reason: error.message)
        }
        return ResolvedEvent(handler: record.handlers[ordinal].handler, args: args, owner: componentID)
    }

    /// Marks the component that rendered a handler for re-rendering, as Blazor does. A parent whose
    /// state the handler changed through an `EventCallback` or a `Binding` it handed down is marked
    /// by that callback, so its siblings and the layout around it are left alone.
    package func eventHandled(_ event: ResolvedEvent) {
        if let record = byID[event.owner] { markDirty(record) }
    }

    #if !hasFeature(Embedded)
    /// The nearest `ErrorBoundary` around the component that rendered a handler, if any.
    package func errorBoundary(around event: ResolvedEvent) -> ErrorBoundary? {
        var node = byID[event.owner]
        while let current = node {
            if let boundary = current.instance as? ErrorBoundary { return boundary }
            node = current.parent
        }
        return nil
    }

    /// Hands an error to the nearest `ErrorBoundary` at or above `record`, or to the host when
    /// there is none.
    private func capture(_ error: any Error, _ what: String, below record: Mounted?) {
        var node = record
        while let current = node {
            if let boundary = current.instance as? ErrorBoundary {
                boundary.capture(error)
                return
            }
            node = current.parent
        }
        host.uncaughtError(what, error)
    }

    /// Disposes the components the last render removed.
    package func disposeRemoved() async {
        let leaving = removed
        removed.removeAll()
        for component in leaving {
            component.cancelLaunchedWork()
            await component.dispose()
            initialized.remove(identity(component))
        }
    }

    /// Disposes every component.
    package func dispose() async {
        removeTree(of: root, keepingRoot: false)
        if !removed.contains(where: { $0 === page }) { removed.append(page) }
        await disposeRemoved()
    }
    #else
        /// Disposes the components the last render removed.
        package func disposeRemoved() {
            let leaving = removed
            removed.removeAll()
            for component in leaving {
                component.dispose()
                initialized.remove(identity(component))
            }
        }
    #endif

    private func removeTree(of record: Mounted, keepingRoot: Bool) {
        for child in record.children.values { removeTree(of: child, keepingRoot: false) }
        record.children.removeAll()
        if !keepingRoot {
            headContributions.remove(record.id)
            byID.removeValue(forKey: record.id)
            byInstance.removeValue(forKey: identity(record.instance))
            removed.append(record.instance)
        }
    }

    // MARK: Expansion

    private func renderTree() -> [RenderNode] {
        #if hasFeature(Embedded)
            return expand(root, environment: EnvironmentValues())
        #else
        applyObservedChanges()
        let tree = expand(root, environment: EnvironmentValues())
        // What this pass itself wrote (a child's new parameters, a body changing a model another
        // body read) was reported during it: drop what it already rendered, keep the rest.
        applyObservedChanges()
        return tree
        #endif
    }

    /// The output of one component: its cached output when nothing below it changed, its last
    /// body re-expanded when a descendant changed, or a fresh body when it changed itself.
    private func expand(_ record: Mounted, environment: EnvironmentValues) -> [RenderNode] {
        if record.environment != environment {
            record.environment = environment
            record.instance.context.environment = environment
            record.dirty = true
        }
        // A component's body runs only after its `onInitialized`, as the README promises: a child
        // mounted by this pass renders nothing until `initializePending()` has run it, and then
        // renders in full (it stays dirty).
        if !record.isInitialized {
            guard initialized.contains(identity(record.instance)) else {
                record.dirty = true
                record.output = []
                return []
            }
            record.isInitialized = true
        }
        guard record.dirty || record.stale else { return record.output }
        if !record.dirty, let output = outputWithChangedChildren(of: record) {
            record.stale = false
            record.output = output
            return output
        }
        if record.dirty {
            record.template = evaluateBody(of: record)
            record.renderedInLastPass = true
            if let part = Self.headPart(of: record.instance) { headContributions.update(record.id, part) }
        }
        record.dirty = false
        record.stale = false
        record.handlers.removeAll(keepingCapacity: true)
        expansionCount += 1
        let expansion = expansionCount
        var position = 0
        var out: [RenderNode] = []
        var outerPath: [Int] = []
        swap(&outerPath, &expansionPath)
        expandContent(record.template, owner: record, environment: environment, position: &position, expansion: expansion, into: &out)
        swap(&outerPath, &expansionPath)
        for (slot, child) in record.children where child.placedBy != expansion {
            record.children.removeValue(forKey: slot)
            removeTree(of: child, keepingRoot: false)
        }
        record.output = out
        return out
    }

    /// The output of a component whose body has not changed, with the new output of each child
    /// that changed below it swapped into its placement. Nil when a child cannot be swapped in
    /// alone (no placement, or its output changed shape): then the body is expanded again, and a
    /// child rendered here already returns its new output from its cache.
    private func outputWithChangedChildren(of record: Mounted) -> [RenderNode]? {
        var changed: [Mounted] = []
        for child in record.children.values where child.dirty || child.stale {
            guard child.placement != nil else { return nil }
            changed.append(child)
        }
        // In the order of the output, as an expansion of the body would render them.
        if changed.count > 1 {
            changed.sort { a, b in
                let (p, q) = (a.placement!, b.placement!)
                return p.path.lexicographicallyPrecedes(q.path) || (p.path == q.path && p.start < q.start)
            }
        }
        var output = record.output
        for child in changed {
            let placement = child.placement!
            let new = expand(child, environment: child.environment)
            guard new.count == placement.count, !new.contains(where: { $0.isText }) else { return nil }
            if let key = placement.key { Self.keyTopLevel(new, with: key) }
            guard let patched = Self.replacing(placement.start..<placement.start + placement.count, at: placement.path[...], in: output, with: new)
            else { return nil }
            output = patched
        }
        return output
    }

    /// `nodes` with `range` of the children at `path` replaced: the elements on the way are new,
    /// every other node is the same instance, which the diff skips at once.
    private static func replacing(_ range: Range<Int>, at path: ArraySlice<Int>, in nodes: [RenderNode], with new: [RenderNode]) -> [RenderNode]? {
        var nodes = nodes
        guard let index = path.first else {
            guard range.upperBound <= nodes.count else { return nil }
            nodes.replaceSubrange(range, with: new)
            return nodes
        }
        guard nodes.indices.contains(index), case .element(let element) = nodes[index],
            let children = replacing(range, at: path.dropFirst(), in: element.children, with: new)
        else { return nil }
        nodes[index] = .element(RenderElement(tag: element.tag, attributes: element.attributes, children: children, key: element.key))
        return nodes
    }

    private func expandContent(
        _ content: Content, owner: Mounted, environment: EnvironmentValues, position: inout Int, expansion: Int,
        into out: inout [RenderNode]
    ) {
        for node in content {
            switch node {
            case .text(let text):
                appendText(text, to: &out)
            case .markup(let html):
                out.append(.markup(html))
            case .element(let element):
                // Scripts in component markup never run, as in Blazor: load them from the document
                // template, a module, or an initializer.
                guard element.tag != "script" else {
                    report(.droppedScript, in: element, owner: owner)
                    continue
                }
                expansionPath.append(out.count)
                let expanded = expandElement(element, owner: owner, environment: environment, position: &position, expansion: expansion)
                expansionPath.removeLast()
                out.append(.element(expanded))
            case .cascade(let key, let value, let inner):
                var extended = environment
                extended.values[key] = value
                expandContent(inner, owner: owner, environment: extended, position: &position, expansion: expansion, into: &out)
            case .component(let child):
                let slot = Slot(key: child.key, position: child.key == nil ? position : -1, type: child.type)
                position += 1
                let record: Mounted
                if let existing = owner.children[slot], !child.isFixed || existing.instance === child.instance {
                    record = existing
                    // The body made a new instance only to carry its parameters: the mounted one
                    // takes them and keeps its state.
                    if existing.instance !== child.instance, child.parameters.transfer(child.instance, existing.instance) {
                        record.instance.onParametersSet()
                        // Not `markDirty`: its ancestors are being expanded now, and it is next.
                        record.dirty = true
                    }
                } else {
                    if let old = owner.children[slot] { removeTree(of: old, keepingRoot: false) }
                    attach(child.instance)
                    let place: String
                    if child.instance === page {
                        place = Self.place(of: page)
                    } else {
                        place = owner.place + "/" + Self.place(of: child.instance) + (child.key.map { "#" + $0 } ?? "@\(position - 1)")
                        restoreState(of: child.instance, at: place)
                    }
                    record = Mounted(id: takeComponentID(at: place), instance: child.instance, place: place, parent: owner)
                    byID[record.id] = record
                    byInstance[identity(child.instance)] = record
                    owner.children[slot] = record
                    if !child.parameters.isEmpty { child.instance.onParametersSet() }
                }
                record.placedBy = expansion
                let childOutput = expand(record, environment: environment)
                let topLevelKey = child.isFixed ? nil : child.key
                if let key = topLevelKey { Self.keyTopLevel(childOutput, with: key) }
                record.placement =
                    childOutput.contains(where: { $0.isText })
                    ? nil : Placement(path: expansionPath, start: out.count, count: childOutput.count, key: topLevelKey)
                for node in childOutput {
                    if case .text(let text) = node { appendText(text, to: &out) } else { out.append(node) }
                }
            }
        }
    }

    /// A keyed child's own elements carry its key, so a list of keyed children keeps each row's
    /// DOM node when rows move.
    private static func keyTopLevel(_ nodes: [RenderNode], with key: String) {
        var index = 0
        for node in nodes {
            guard case .element(let element) = node, element.key == nil else { continue }
            element.key = index == 0 ? key : "\(key)#\(index)"
            index += 1
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

    private func expandElement(
        _ element: Element, owner: Mounted, environment: EnvironmentValues, position: inout Int, expansion: Int
    ) -> RenderElement {
        for problem in element.problems { report(problem, in: element, owner: owner) }
        var attributes = element.attributes
        for binding in element.events {
            let id = "\(owner.id).\(owner.handlers.count)"
            owner.handlers.append(binding)
            attributes.append(("data-t-" + binding.name, id + binding.options.wireSuffix))
        }
        if let reference = element.reference {
            if reference.id == nil {
                reference.id = "r\(nextElementRef)"
                nextElementRef += 1
            }
            attributes.append(("data-t-ref", reference.id!))
            #if !hasFeature(Embedded)
                if !isPrerendering { reference.runtime = js }
            #endif
        }
        attributes.append(contentsOf: element.behaviourAttributes)
        var children: [RenderNode] = []
        expandContent(element.children, owner: owner, environment: environment, position: &position, expansion: expansion, into: &children)
        return RenderElement(tag: element.tag, attributes: attributes, children: children, key: element.key)
    }
}

extension Renderer {
    private func report(_ problem: MarkupProblem, in element: Element, owner: Mounted) {
        // One report per problem and place: a re-render of the same markup adds nothing new.
        let report = MarkupReport(
            problem: problem, element: MarkupReport.describe(tag: element.tag, attributes: element.attributes),
            component: Self.place(of: owner.instance))
        guard !markupReports.contains(where: { $0.message == report.message }) else { return }
        markupReports.append(report)
    }

    /// Reports what the last renders found wrong in the markup, as `markupChecking` says: under
    /// `.strict` it throws every problem that fails a render, under `.logOnce` it logs each
    /// problem once per process. Hosts call it after every render.
    package func checkMarkup() throws(MarkupError) {
        guard !markupReports.isEmpty else { return }
        let reports = markupReports
        markupReports.removeAll()
        let errors = markupChecking == .strict ? reports.filter { $0.problem.failsStrictRender } : []
        #if !hasFeature(Embedded)
            for report in reports where !errors.contains(where: { $0.message == report.message }) { MarkupLog.logOnce(report, logger) }
        #endif
        if !errors.isEmpty { throw MarkupError(description: errors.map { $0.message }.joined(separator: "\n")) }
    }
}

// MARK: Persisted state

#if hasFeature(Embedded)
extension Renderer {
    /// Embedded Swift cannot name a type at run time; places only key saved state, which the
    /// WebAssembly render mode does not keep.
    static func place(of component: any Component) -> String { "component" }

    private func restoreState(of component: any Component, at place: String) {}
}
#else
extension Renderer {
    static func place(of component: any Component) -> String {
        String(describing: type(of: component))
    }

    /// Saved state stops applying once the first render has settled: a component mounted later
    /// starts fresh, whatever place it takes.
    package func finishRestoring() {
        restoring = nil
        reusedComponentIDs = [:]
    }

    /// Batches continue from `number`, the last one the browser applied before this renderer
    /// took over its page.
    package func continueNumbering(after number: Int) {
        batchNumber = max(batchNumber, number)
    }

    /// The persisted state of every mounted component, with what could not be encoded (left out).
    package func captureStates() -> (states: ComponentStates, problems: [PersistenceProblem]) {
        var states = ComponentStates()
        var problems: [PersistenceProblem] = []
        var records = byID.values.map { ($0.place, $0.instance as any Component) }
        if !records.contains(where: { $0.1 === page }) { records.append((Self.place(of: page), page)) }
        for (place, component) in records {
            var values: [String: JSONValue] = [:]
            for property in type(of: component).persisted.properties where values[property.name] == nil {
                do {
                    if let value = try property.capture(component) { values[property.name] = value }
                } catch {
                    problems.append(PersistenceProblem(key: place + "." + property.name, reason: "it did not encode: \(error)"))
                }
            }
            if let custom = component as? any PersistsSnapshot {
                do {
                    values[Self.snapshotKey(of: custom)] = try custom.captureSnapshot()
                } catch {
                    problems.append(PersistenceProblem(key: place + "." + Self.snapshotKey(of: custom), reason: "it did not encode: \(error)"))
                }
            }
            if !values.isEmpty { states.components[place] = values }
        }
        return (states, problems)
    }

    private static func snapshotKey(of component: some PersistsSnapshot) -> String {
        type(of: component).snapshotKey
    }

    /// Gives a component its saved state, all of it or none: a value that no longer decodes (its
    /// type changed between deploys) starts the component fresh, and says which key.
    private func restoreState(of component: any Component, at place: String) {
        guard let saved = restoring?.components[place] else { return }
        var assignments: [() -> Void] = []
        for property in type(of: component).persisted.properties {
            guard let json = saved[property.name] else { continue }
            do {
                let assign = try property.decode(json)
                assignments.append { assign(component) }
            } catch {
                restoreProblems.append(PersistenceProblem(key: place + "." + property.name, reason: "\(error)"))
                return
            }
        }
        if let custom = component as? any PersistsSnapshot, let json = saved[Self.snapshotKey(of: custom)] {
            do {
                assignments.append(try custom.decodeSnapshot(json))
            } catch {
                restoreProblems.append(PersistenceProblem(key: place + "." + Self.snapshotKey(of: custom), reason: "\(error)"))
                return
            }
        }
        guard !assignments.isEmpty else { return }
        for assign in assignments { assign() }
        component.isRestored = true
    }
}
#endif

extension RouteValues {
    var queryString: String {
        query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }
}
