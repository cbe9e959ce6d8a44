import Foundation
import Logging
import NIOCore
import Synchronization
import TetherInterop
import TetherUI

/// One browser's live session: its components, its render state and its interop channel.
///
/// The circuit is an actor, so everything it owns is touched by one task at a time. Events are
/// queued and handled one after another, in order; completions of JS calls bypass the queue, so a
/// handler awaiting JS never blocks its own answer. Its executor also runs the component code the
/// circuit starts (`CircuitExecutor`), so that code never runs beside a render.
package actor Circuit {
    nonisolated let executor: CircuitExecutor
    package nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    package nonisolated let id: String
    package nonisolated let channel: InteropChannel
    /// The circuit's socket, for its own messages; the channel sends through it too.
    nonisolated let transport: CircuitTransport
    /// What the circuit shows at each URL, and whether inside a layout.
    let pages: CircuitPages
    /// The app's services, with this circuit's `authentication`.
    let services: ServiceValues
    /// Where the app mounted Tether: the browser's URLs are under it, the circuit's are inside it.
    let mount: MountPath
    let logger: Logger
    let maxUnacknowledgedBatches: Int
    /// The title of a page with no `PageTitle`: `DocumentTemplate.title`.
    let defaultTitle: String
    /// Saves the circuit so its page can resume it on another process; nil when nothing is saved.
    let persister: CircuitPersister?
    /// SHA-256 of the secret that resumes the circuit now, for the store; the registry rotates it.
    private nonisolated let secretHashBox: Mutex<[UInt8]>
    /// The URL the page shows: the circuit is rebuilt from it after a restart.
    var currentURL = ""
    var renderer: Renderer?
    /// Batches sent and not yet acknowledged, kept to replay after a reconnect.
    var unacknowledged: [(number: Int, edits: String, head: HeadUpdate?)] = []
    var renderPaused = false
    private var handlerGeneration = 0
    var handlerRunning = false
    var renderScheduled = false
    /// True while an event is handled: the render that ends it takes whatever Observation
    /// reports meanwhile, so a report need not queue a pass of its own (one per click otherwise,
    /// with nothing left to render).
    private nonisolated let eventRenderFollows = Atomic<Bool>(false)
    private let work: AsyncStream<Work>.Continuation
    private let workStream: AsyncStream<Work>
    var closed = false
    /// The browser's messages waiting in `work`, with what they are charged; bounded, because a
    /// handler awaiting JS would otherwise let them pile up without end.
    nonisolated let browserWork = Mutex(0)
    let maxQueuedBrowserWork: Int
    /// The number of the socket that serves the circuit; messages read from any other are ignored.
    private nonisolated let servingConnection = Mutex(0)
    /// Opens when the page answered a drain and its earlier messages were handled.
    nonisolated let drainLatch = DrainLatch()

    // MARK: Hibernation state (see Circuit+Hibernation.swift)

    /// Set while the circuit hibernates: its page as a snapshot, in place of the renderer.
    var hibernatedPage: HibernatedPage?
    /// The revive under way; every message that arrives meanwhile waits for it.
    var reviving: Task<Void, Never>?
    /// `hibernatedPage != nil`, readable without a hop: the socket checks it before each message.
    nonisolated let hibernatedFlag = Atomic<Bool>(false)
    /// Work started through the renderer's host (`launch`, uploads, subscriptions, AsyncContent
    /// loads, virtualized fetches) that has not finished: while any runs, the circuit is busy.
    nonisolated let backgroundWork = Atomic<Int>(0)
    /// When the circuit last did anything, in nanoseconds of `CircuitClock`.
    nonisolated let lastActivity = Atomic<Int64>(CircuitClock.nanoseconds())
    /// The activity mark at which the circuit was last found unable to hibernate (busy, or its
    /// snapshot would not reproduce its page): the sweep passes it by until something happens.
    nonisolated let stayAwakeAt = Atomic<Int64>(-1)
    /// A hibernation is being tried (its trial render may suspend): no second one starts.
    var hibernating = false

    enum Work: Sendable {
        case event(handler: String, args: JSONValue, sequence: Int?)
        case ack(batch: Int)
        case navigate(url: String)
        case render
        /// The page answered `drain`: everything it sent before is ahead of this in the queue.
        case drained

        /// Whether the circuit must be awake to handle it.
        var wakesHibernatedCircuit: Bool {
            if case .drained = self { return false }
            return true
        }

        /// What a queued message is charged against its client's budget.
        var queuedCost: Int {
            switch self {
            case .event(let handler, let args, _): MemoryCost.queuedEvent &+ handler.utf8.count &+ MemoryCost.of(args)
            case .navigate(let url): MemoryCost.queuedEvent &+ url.utf8.count
            case .ack, .drained: MemoryCost.queuedEvent
            case .render: 0
            }
        }
    }

    init(
        id: String, channel: InteropChannel, transport: CircuitTransport, pages: CircuitPages,
        services: ServiceValues = ServiceValues(), mount: MountPath = .root, maxUnacknowledgedBatches: Int = 10,
        maxQueuedBrowserWork: Int = 1_000, persister: CircuitPersister? = nil, secretHash: [UInt8] = [], defaultTitle: String = "Tether",
        eventLoop: (any EventLoop)? = nil, logger: Logger
    ) {
        self.executor = CircuitExecutor(eventLoop: eventLoop)
        self.id = id
        self.defaultTitle = defaultTitle
        self.mount = mount
        self.persister = persister
        secretHashBox = Mutex(secretHash)
        self.services = services
        self.maxUnacknowledgedBatches = maxUnacknowledgedBatches
        self.maxQueuedBrowserWork = maxQueuedBrowserWork
        self.channel = channel
        self.transport = transport
        self.pages = pages
        self.logger = logger
        (workStream, work) = AsyncStream.makeStream(of: Work.self)
    }

    /// How the browser's DOM relates to the circuit's first render.
    enum Origin {
        /// A new circuit for a prerendered page, whose markup had this digest.
        case prerendered(digest: String)
        /// A circuit rebuilt from its store for a page that shows an older process's render, up to
        /// batch `lastBatch`; these components' state is restored first.
        case restored(ComponentStates, lastBatch: Int)
    }

    /// Starts `run(url:origin:)` in a task of its own, on the circuit's executor, so the event
    /// handlers it calls run there too.
    nonisolated func start(url: String, origin: Origin) {
        Task(executorPreference: executor) { await self.run(url: url, origin: origin) }
    }

    /// Renders the page at `url`, brings the browser's DOM in line with it, then handles queued
    /// work until the circuit closes.
    private func run(url: String, origin: Origin) async {
        await renderFirst(url: url, origin: origin)
        await handleWork()
    }

    /// The first render and the batch that brings the browser's DOM to it.
    private func renderFirst(url: String, origin: Origin) async {
        currentURL = url
        let shown = pages.resolve(url)
        channel.telemetry.show(shown.page)
        var restoring: ComponentStates?
        var firstBatch = 0
        if case .restored(let states, let lastBatch) = origin {
            restoring = states
            // The browser ignores batches numbered at or below the last one it applied.
            firstBatch = lastBatch &+ 1
        }
        let renderer = Renderer(
            page: shown.page, route: shown.route, js: JSRuntime(channel: channel), services: services, isPrerendering: false, host: makeHost(),
            restoring: restoring, showsLayout: shown.showsLayout)
        self.renderer = renderer
        let html: String
        do {
            html = try await Self.renderSettled(renderer)
        } catch {
            fail("the first render failed", error)
            html = renderer.renderHTML()
        }
        renderer.finishRestoring()
        for problem in renderer.restoreProblems {
            logger.warning(
                "saved state did not restore; the component starts fresh",
                metadata: ["key": LogSafe.metadata(problem.key), "reason": LogSafe.metadata(problem.reason)])
        }
        let edits: String
        let head: DocumentHead?
        if case .prerendered(let digest) = origin, DescriptorSigner.digest(html) == digest {
            // The same render as the prerendered page's: its head is the page's too.
            edits = "[]"
            head = nil
        } else {
            // The live render differs from what the page shows: replace the root's content once.
            var diff = TreeDiff()
            diff.replaceChildren(at: [], with: html)
            edits = diff.json
            head = renderer.head
        }
        renderer.continueNumbering(after: firstBatch)
        send(RenderBatch(number: firstBatch, edits: edits, editCount: 0, head: head))
        persister?.markChanged(id)
        await renderer.afterRender()
    }

    /// Handles queued work until the circuit closes. It holds no renderer of its own: a
    /// hibernation drops the renderer, and a revive makes another.
    private func handleWork() async {
        for await item in workStream {
            let cost = item.queuedCost
            if cost > 0 {
                browserWork.withLock { $0 -= 1 }
                channel.budget.release(cost)
            }
            // A hibernated circuit is rebuilt before anything the page sent is handled; the page's
            // answer to a drain needs no components, and the process is going away.
            if hibernatedFlag.load(ordering: .acquiring), item.wakesHibernatedCircuit { await wake() }
            switch item {
            case .event(let handler, let args, let sequence):
                await channel.telemetry.traceEvent { await handleEvent(handler, args) }
                // After the handler's render, so the page ends its loading states on what it shows.
                if let sequence { transport.send(.eventHandled(sequence: sequence)) }
            case .ack(let batch): await acknowledge(batch)
            case .navigate(let url): await navigateFromBrowser(url)
            case .render:
                renderScheduled = false
                // An event's own render may already have sent what this one was asked for.
                if let renderer, renderer.needsRender || renderer.hasUninitializedComponents { await render() }
            case .drained:
                drainLatch.open()
            }
        }
    }

    /// Initializes and renders until no new child waits for `onInitialized`, so the first HTML
    /// is complete. Shared with prerendering.
    static func renderSettled(_ renderer: Renderer) async throws -> String {
        try await renderer.initializePending()
        var html = renderer.renderHTML()
        try renderer.checkMarkup()
        var rounds = 0
        while renderer.hasUninitializedComponents && rounds < 8 {
            try await renderer.initializePending()
            html = renderer.renderHTML()
            try renderer.checkMarkup()
            rounds += 1
        }
        return html
    }

    func makeHost() -> RendererHost {
        var host = RendererHost()
        host.invalidated = { [weak self] in
            guard let self else { return }
            Task { await self.scheduleRender() }
        }
        host.observedChange = { [weak self] in
            guard let self, !self.eventRenderFollows.load(ordering: .acquiring) else { return }
            Task { await self.scheduleRender() }
        }
        host.schedule = { [weak self] work in
            let confined = CircuitConfined(work)
            // Counted from the moment it is asked for, not when it first runs: a circuit with
            // work about to start is not idle.
            self?.backgroundWork.add(1, ordering: .relaxed)
            return Task(executorPreference: self?.executor) {
                await self?.perform(confined)
                self?.backgroundWork.subtract(1, ordering: .relaxed)
                self?.noteActivity()
            }
        }
        host.navigate = { [weak self] url, replace, forceLoad in
            Task { await self?.navigateFromSwift(url, replace: replace, forceLoad: forceLoad) }
        }
        host.uncaughtError = { [weak self] what, error in
            // Only its text crosses to the circuit's task: the error itself need not be Sendable.
            let reported = ReportedError(description: "\(error)")
            Task { await self?.fail(what, reported) }
        }
        return host
    }

    nonisolated func enqueue(_ item: Work) {
        noteActivity()
        work.yield(item)
    }

    /// Queues a message from the browser; refused, with the reason, when too many wait or the
    /// client's budget is spent.
    nonisolated func enqueueFromBrowser(_ item: Work) -> String? {
        let limit = maxQueuedBrowserWork
        let admitted = browserWork.withLock { queued in
            guard queued < limit else { return false }
            queued += 1
            return true
        }
        guard admitted else {
            channel.instruments.refused(.maxQueuedEvents)
            return "\(limit) messages are already queued on this circuit (the limit); this one was dropped"
        }
        guard channel.budget.tryReserve(item.queuedCost) else {
            browserWork.withLock { $0 -= 1 }
            return "this client has reached its memory budget of \(channel.budget.budget.limit) bytes; the message was dropped"
        }
        noteActivity()
        work.yield(item)
        return nil
    }

    /// A resume gave the circuit a new socket.
    nonisolated func serve(connection: Int) {
        servingConnection.withLock { $0 = connection }
    }

    /// Whether `connection` is the socket that serves the circuit now.
    nonisolated func isServed(by connection: Int) -> Bool {
        servingConnection.withLock { $0 == connection }
    }

    private func scheduleRender() {
        guard !renderScheduled, !closed else { return }
        noteActivity()
        renderScheduled = true
        work.yield(.render)
    }

    /// Runs work a component started with `launch`, on this circuit, like an event handler.
    private func perform(_ confined: CircuitConfined<() async -> Void>) async {
        guard !closed else { return }
        await confined.value()
    }

    private func handleEvent(_ handlerID: String, _ rawArgs: JSONValue) async {
        guard let renderer else { return }
        let event: ResolvedEvent
        do {
            event = try renderer.resolveEvent(handlerID, rawArgs: rawArgs)
        } catch {
            channel.refusals.refused("refused event", reason: "\(error)")
            transport.send(.protocolError("event refused: \(error)"))
            return
        }
        handlerGeneration += 1
        handlerRunning = true
        eventRenderFollows.store(true, ordering: .releasing)
        let generation = handlerGeneration
        renderer.eventHandled(event)
        // Runs when the handler first suspends, so a "Loading…" state reaches the browser while JS
        // or I/O is awaited.
        Task { await self.renderIfSuspended(generation) }
        let handlingStarted = channel.instruments.startInterval()
        do {
            try await event.handler(event.args)
        } catch {
            if !renderer.capture(error, from: event) { fail("an event handler threw", error) }
        }
        channel.instruments.eventHandled(since: handlingStarted)
        handlerRunning = false
        renderer.eventHandled(event)
        await render()
        // A report that came after the render took the others, and found the flag still set,
        // asked for nothing: it is rendered now.
        eventRenderFollows.store(false, ordering: .releasing)
        if renderer.needsRender { scheduleRender() }
    }

    private func renderIfSuspended(_ generation: Int) async {
        if handlerRunning && handlerGeneration == generation { await render() }
    }

    private func render() async {
        guard !closed, let renderer else { return }
        persister?.markChanged(id)
        guard unacknowledged.count < maxUnacknowledgedBatches else {
            // The browser is behind: hold the changes (they stay in the components) until it acks.
            renderPaused = true
            return
        }
        guard sendRenderBatch(renderer) else { return }
        if renderer.hasUninitializedComponents {
            do {
                try await renderer.initializePending()
            } catch {
                fail("onInitialized threw", error)
            }
            guard sendRenderBatch(renderer) else { return }
        }
        await renderer.disposeRemoved()
        await renderer.afterRender()
    }

    /// Renders what changed and sends it; false when the markup check ended the circuit.
    private func sendRenderBatch(_ renderer: Renderer) -> Bool {
        let renderStarted = channel.instruments.startInterval()
        let batch = renderer.renderBatch()
        do {
            try renderer.checkMarkup()
        } catch {
            fail("the markup could not be rendered as written", error)
            return false
        }
        channel.instruments.rendered(since: renderStarted)
        if let batch { send(batch) }
        return true
    }

    func send(_ batch: RenderBatch) {
        // A page with no `PageTitle` shows the app's title.
        let head = batch.head.map { HeadUpdate(title: $0.title ?? defaultTitle, elements: $0.elements) }
        unacknowledged.append((batch.number, batch.edits, head))
        channel.instruments.batchSent(bytes: batch.edits.utf8.count)
        transport.send(.render(batch: batch.number, edits: batch.edits, head: head))
    }

    private func acknowledge(_ batch: Int) async {
        unacknowledged.removeAll { $0.number <= batch }
        if renderPaused && unacknowledged.count < maxUnacknowledgedBatches {
            renderPaused = false
            await render()
        }
    }

    /// The socket dropped: calls in flight fail as disconnected; state and unacknowledged batches
    /// stay for a resume. A drop of a socket older than the current one changes nothing.
    func connectionLost(connection: Int) {
        guard connection == self.connection else { return }
        channel.disconnect()
        transport.detach()
    }

    /// Which socket serves the circuit; resumes number them.
    private var connection = 0

    /// A page resumed this circuit on a new socket: replay what it missed.
    func resume(on socket: WebSocketOutbox, lastBatch: Int, connection: Int) async {
        guard connection > self.connection else { return }
        self.connection = connection
        transport.attach(socket)
        channel.attach(transport)
        unacknowledged.removeAll { $0.number <= lastBatch }
        for batch in unacknowledged { transport.send(.render(batch: batch.number, edits: batch.edits, head: batch.head)) }
        if renderPaused { await acknowledge(lastBatch) }
    }

    /// Shows another page of this app inside the circuit, for a link click or back/forward.
    private func show(_ url: String) async {
        guard let renderer else { return }
        currentURL = url
        let shown = pages.resolve(url)
        channel.telemetry.show(shown.page)
        renderer.show(page: shown.page, route: shown.route)
        do {
            try await renderer.initializePending()
        } catch {
            fail("onInitialized threw", error)
        }
        await render()
    }

    /// A link or back/forward in the browser: a page of this app is shown in the circuit; any
    /// other URL is loaded in full, so static files and real 404s still work, and so does a page
    /// this user may not see, which the server then answers with its login redirect.
    private func navigateFromBrowser(_ url: String) async {
        guard let pageURL = mount.pageURL(fromBrowser: url), showsInPlace(pageURL), mayShow(pageURL) else {
            transport.send(.navigateTo(url: url, replace: true, inCircuit: false))
            return
        }
        await show(pageURL)
    }

    private func navigateFromSwift(_ url: String, replace: Bool, forceLoad: Bool) async {
        let isLocal = url.hasPrefix("/") && !url.hasPrefix("//")
        let browserURL = mount.browserURL(fromPage: url)
        guard isLocal, !forceLoad, showsInPlace(url), mayShow(url) else {
            transport.send(.navigateTo(url: browserURL, replace: replace, inCircuit: false))
            return
        }
        transport.send(.navigateTo(url: browserURL, replace: replace, inCircuit: true))
        await show(url)
    }

    /// Whether the circuit's user may see the page at `url`; a URL no page matches shows the
    /// not-found page, which anyone may see.
    private func mayShow(_ url: String) -> Bool {
        pages.pageType(at: url).map { $0.authorization.allows(services.authentication) } ?? true
    }

    /// Whether the circuit shows `url` in place of its page. Its renderer shows layouts or does
    /// not, for good: only a server page follows a page shown in its layout, and an auto page,
    /// shown without one, is always left by a full load, as is every page that is not the
    /// server's, so the browser chooses an auto page's mode, and runs a wasm page's module.
    private func showsInPlace(_ url: String) -> Bool {
        pages.serverPage(at: url) != nil && pages.showsLayout(at: currentURL)
    }

    /// An error no boundary caught: the browser shows its error bar, and the circuit ends (the
    /// socket closes after the `fatal`, and the circuit is not kept for a resume).
    func fail(_ what: String, _ error: any Error, tellingThePage message: String = "An error has occurred.") {
        logger.error("\(what)", metadata: ["circuit": "\(id)", "error": "\(error)"])
        let detail = channel.options.detailedErrors ? " \(error)" : ""
        transport.send(.fatal("\(message)\(detail)"))
        failed = true
        closed = true
        work.finish()
    }

    private(set) var failed = false

    nonisolated var secretHash: [UInt8] { secretHashBox.withLock { $0 } }

    /// A resume gave the page a new secret.
    nonisolated func rotateSecret(to hash: [UInt8]) {
        secretHashBox.withLock { $0 = hash }
    }

    /// What the store keeps of this circuit: its URL and its components' persisted state; nil
    /// before the first render and after the circuit ended.
    func captureForPersistence() -> (url: String, states: ComponentStates, problems: [PersistenceProblem])? {
        guard !closed else { return nil }
        // Hibernating, the circuit holds exactly what the store would: its snapshot.
        if let hibernatedPage, let states = try? hibernatedPage.states() { return (hibernatedPage.url, states, []) }
        guard let renderer else { return nil }
        let (states, problems) = renderer.captureStates()
        return (currentURL, states, problems)
    }

    /// Ends the circuit: pending JS calls fail as disconnected, components are disposed.
    func close() async {
        leaveHibernation()
        closed = true
        work.finish()
        channel.close()
        await renderer?.dispose()
    }
}

/// A value that must only be used on its circuit's executor. The circuit is the only code that
/// unwraps it, and only inside its own isolation, which is what makes the unchecked conformance
/// sound: component state is reached from one task at a time.
struct CircuitConfined<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// An error reported across tasks by its text, which is all `fail` shows of it.
private struct ReportedError: Error, CustomStringConvertible {
    let description: String
}
