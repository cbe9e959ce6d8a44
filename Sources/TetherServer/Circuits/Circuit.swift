import Logging
import TetherInterop
import TetherUI

/// One browser's live session: its components, its render state and its interop channel.
///
/// The circuit is an actor, so everything it owns is touched by one task at a time. Events are
/// queued and handled one after another, in order; completions of JS calls bypass the queue, so a
/// handler awaiting JS never blocks its own answer.
public actor Circuit {
    public nonisolated let id: String
    public nonisolated let channel: InteropChannel
    let exports: JSExports
    let logger: Logger
    private let renderer: Renderer
    private var handlerRunning = 0
    private var renderScheduled = false
    private let work: AsyncStream<Work>.Continuation
    private let workStream: AsyncStream<Work>
    private var closed = false

    enum Work: Sendable {
        case event(handler: String, args: JSONValue)
        case ack(batch: Int)
        case render
    }

    init(id: String, page: any Page.Type, channel: InteropChannel, exports: JSExports, logger: Logger) {
        self.id = id
        self.channel = channel
        self.exports = exports
        self.logger = logger
        self.renderer = Renderer(root: page.init(), js: JSRuntime(channel: channel), isPrerendering: false)
        (workStream, work) = AsyncStream.makeStream(of: Work.self)
    }

    /// Renders the page, brings the browser's prerendered DOM in line with it, then handles queued
    /// work until the circuit closes.
    func run(prerenderedDigest: String) async {
        renderer.setInvalidationHandler { [weak self] in
            guard let self else { return }
            Task { await self.scheduleRender() }
        }
        do {
            try await renderer.initializePending()
        } catch {
            fail("onInitialized threw", error)
        }
        let html = renderer.renderHTML()
        let edits: String
        if DescriptorSigner.digest(html) == prerenderedDigest {
            edits = "[]"
        } else {
            var out = "[[7,[],"
            JSONText.appendQuoted(html, to: &out)
            edits = out + "]]"
        }
        channel.send(.render(batch: 0, edits: edits))
        await renderer.afterRender()
        for await item in workStream {
            switch item {
            case .event(let handler, let args): await handleEvent(handler, args)
            case .ack: break
            case .render:
                renderScheduled = false
                await render()
            }
        }
    }

    nonisolated func enqueue(_ item: Work) {
        work.yield(item)
    }

    private func scheduleRender() {
        guard !renderScheduled else { return }
        renderScheduled = true
        work.yield(.render)
    }

    private func handleEvent(_ handlerID: String, _ rawArgs: JSONValue) async {
        let handler: EventHandler
        let args: EventArgs
        do {
            (handler, args) = try renderer.handler(for: handlerID, rawArgs: rawArgs)
        } catch {
            logger.notice("refused event", metadata: ["circuit": "\(id)", "reason": "\(error)"])
            channel.send(.protocolError("event refused: \(error)"))
            return
        }
        handlerRunning += 1
        let token = handlerRunning
        // Runs when the handler first suspends, so a "Loading…" state reaches the browser while JS
        // or I/O is awaited.
        Task { await self.renderIfSuspended(token) }
        do {
            try await handler(args)
        } catch {
            fail("an event handler threw", error)
        }
        handlerRunning += 1
        await render()
    }

    private func renderIfSuspended(_ token: Int) async {
        if handlerRunning == token { await render() }
    }

    private func render() async {
        guard !closed else { return }
        guard let batch = renderer.renderBatch() else { return }
        channel.send(.render(batch: batch.number, edits: batch.edits))
        await renderer.disposeRemoved()
        await renderer.afterRender()
    }

    private func fail(_ what: String, _ error: any Error) {
        logger.error("\(what)", metadata: ["circuit": "\(id)", "error": "\(error)"])
        let detail = channel.options.detailedErrors ? " \(error)" : ""
        channel.send(.fatal("An error has occurred.\(detail)"))
    }

    /// Ends the circuit: pending JS calls fail as disconnected, components are disposed.
    func close() async {
        closed = true
        work.finish()
        channel.close()
        await renderer.dispose()
    }
}
