import Logging
import Synchronization
import TetherInterop
import TetherUI

/// The clock hibernation measures idleness with: nanoseconds since the process's first use of it,
/// so a circuit's last activity fits in one atomic word.
enum CircuitClock {
    private static let origin = ContinuousClock.now

    static func nanoseconds(at instant: ContinuousClock.Instant = .now) -> Int64 {
        (instant - origin).clampedNanoseconds
    }
}

// Hibernation: an idle circuit drops its components and render tree for a `HibernatedPage` and
// keeps its socket; the next message rebuilds them, then is handled as usual.
//
// Only a circuit that is fully at rest hibernates (`hibernationBlocker`), and only when a trial
// rebuild from its snapshot renders exactly the HTML and head the page shows: so what the user
// sees, and everything `persisted` keeps, survives. What does not: properties neither persisted
// nor visible in the render start from their initial values, as after a resume from a store.
extension Circuit {
    /// Marks the circuit active now: a message arrived, work was queued or finished.
    nonisolated func noteActivity() {
        lastActivity.store(CircuitClock.nanoseconds(), ordering: .relaxed)
    }

    nonisolated var isHibernated: Bool { hibernatedFlag.load(ordering: .acquiring) }

    /// Whether nothing happened on the circuit for `idle`; read without a hop, by the sweep.
    nonisolated func hasBeenIdle(for idle: Duration, now: ContinuousClock.Instant = .now) -> Bool {
        guard !isHibernated else { return false }
        let last = lastActivity.load(ordering: .relaxed)
        // Found unable to hibernate since its last activity: nothing has changed that.
        guard last != stayAwakeAt.load(ordering: .relaxed) else { return false }
        return CircuitClock.nanoseconds(at: now) &- last >= idle.clampedNanoseconds
    }

    /// Why the circuit cannot hibernate now; nil when it is at rest. Each of these is state that
    /// lives outside the components' persisted values, or work whose result someone waits for.
    /// `lasting` when it ends only with something the circuit notes as activity (a message from
    /// the page, launch work finishing, a handler disposing a reference), so the sweep may pass
    /// the circuit by until then.
    func hibernationBlocker() -> (reason: String, lasting: Bool)? {
        if closed { return ("it has ended", true) }
        if hibernatedPage != nil || reviving != nil { return ("it is hibernating", false) }
        guard let renderer else { return ("it has not rendered yet", false) }
        if handlerRunning { return ("an event handler is running", false) }
        if renderScheduled || renderPaused || renderer.needsRender || renderer.hasUninitializedComponents { return ("a render is due", false) }
        if browserWork.withLock({ $0 }) > 0 { return ("messages from the page are queued", false) }
        if !unacknowledged.isEmpty { return ("batches are not acknowledged yet", true) }
        if backgroundWork.load(ordering: .relaxed) > 0 { return ("work started with launch (a subscription, an upload, a load) is running", true) }
        if channel.pendingCallCount > 0 { return ("calls to JavaScript are in flight", false) }
        if channel.invocationsInFlight > 0 { return ("calls from JavaScript are running", false) }
        if channel.objects.count > 0 { return ("the page holds Swift objects or streams", true) }
        if channel.jsObjectsHeld > 0 { return ("Swift holds JavaScript object references", true) }
        if channel.unclaimedInboundBytes > 0 { return ("byte arrays from the page are unclaimed", false) }
        return nil
    }

    /// Hibernates the circuit if it has been idle for `idle` and is at rest; true when it did.
    @discardableResult
    func hibernateIfIdle(after idle: Duration) async -> Bool {
        guard hasBeenIdle(for: idle), !hibernating, let renderer else { return false }
        let mark = lastActivity.load(ordering: .relaxed)
        hibernating = true
        defer { hibernating = false }
        if let blocker = hibernationBlocker() {
            if blocker.lasting { stayAwakeAt.store(mark, ordering: .relaxed) }
            logger.trace("circuit stays awake", metadata: ["reason": "\(blocker.reason)"])
            return false
        }
        let (states, problems) = renderer.captureStates()
        let componentIDs = renderer.componentIDsByPlace
        let shownHTML = renderer.shownHTML
        let url = currentURL
        guard problems.isEmpty,
            await rebuildReproduces(url: url, states: states, componentIDs: componentIDs, html: shownHTML, head: renderer.head)
        else {
            // Tried again only after the circuit does something: the same state gives the same answer.
            stayAwakeAt.store(mark, ordering: .relaxed)
            logger.debug("circuit stays awake: its snapshot does not reproduce its page")
            return false
        }
        // The trial suspended: anything that happened meanwhile keeps the circuit awake.
        guard lastActivity.load(ordering: .relaxed) == mark, self.renderer === renderer, hibernationBlocker() == nil else { return false }
        let page = HibernatedPage(url: url, states: states, componentIDs: componentIDs, shownHTML: shownHTML, lastBatch: renderer.batchNumber)
        hibernatedPage = page
        self.renderer = nil
        hibernatedFlag.store(true, ordering: .releasing)
        channel.instruments.circuitHibernated()
        HibernationCounters.recordHibernation(snapshotBytes: page.storedBytes)
        logger.debug("circuit hibernated", metadata: ["snapshotBytes": "\(page.storedBytes)", "deflated": "\(page.isDeflated)"])
        // `dispose` of each component runs, as when it leaves the page. Observers its bodies left
        // on models outside the circuit stay: a change there asks for a render, which revives.
        await renderer.dispose()
        return true
    }

    /// Renders the page afresh from `states`, off the browser: JS calls fail, launched work does
    /// not run. True when it gives the same HTML and head as the page shows, so a revive changes
    /// nothing the user sees.
    private func rebuildReproduces(
        url: String, states: ComponentStates, componentIDs: [String: Int], html: String, head: DocumentHead
    ) async -> Bool {
        let shown = pages.resolve(url)
        let trial = TrialOutcome()
        var host = RendererHost()
        host.schedule = { [weak self] work in
            // Work the rebuild starts would make the revived circuit busy (and its page differ in
            // time): such a page does not hibernate. The work still runs, cancelled at once, so a
            // subscription it opened before launching is ended by its own loop.
            trial.launched = true
            let confined = CircuitConfined(work)
            let task = Task(executorPreference: self?.executor) {
                guard let self else { return }
                await self.performTrialWork(confined)
            }
            task.cancel()
            return task
        }
        host.uncaughtError = { _, _ in trial.failed = true }
        let renderer = Renderer(
            page: shown.page, route: shown.route, js: JSRuntime(channel: .prerendering(logger: logger)), services: services, isPrerendering: false,
            host: host, restoring: states, componentIDs: componentIDs, showsLayout: shown.showsLayout)
        let rebuilt = try? await Self.renderSettled(renderer)
        renderer.finishRestoring()
        let reproduces =
            rebuilt == html && renderer.head == head && renderer.restoreProblems.isEmpty && !trial.launched && !trial.failed
        await renderer.dispose()
        return reproduces
    }

    /// The circuit leaves hibernation without waking: its revive failed, or it ended.
    func leaveHibernation() {
        guard let page = hibernatedPage else { return }
        hibernatedPage = nil
        hibernatedFlag.store(false, ordering: .releasing)
        channel.instruments.hibernatedCircuitEnded()
        HibernationCounters.recordLeaving(snapshotBytes: page.storedBytes, revived: false)
    }

    private func performTrialWork(_ confined: CircuitConfined<() async -> Void>) async {
        await confined.value()
    }

    /// Rebuilds a hibernated circuit; returns once it is awake, or has failed and ended. Callers
    /// that arrive while a revive runs wait for that one.
    func wake() async {
        if let reviving {
            await reviving.value
            return
        }
        guard let page = hibernatedPage else { return }
        let revive = Task(executorPreference: executor) { await self.revive(page) }
        reviving = revive
        await revive.value
        reviving = nil
    }

    private func revive(_ page: HibernatedPage) async {
        let started = ContinuousClock.now
        let states: ComponentStates
        let componentIDs: [String: Int]
        do {
            (states, componentIDs) = try page.contents()
        } catch {
            reviveFailed(error)
            return
        }
        let shown = pages.resolve(page.url)
        let renderer = Renderer(
            page: shown.page, route: shown.route, js: JSRuntime(channel: channel), services: services, isPrerendering: false, host: makeHost(),
            restoring: states, componentIDs: componentIDs, showsLayout: shown.showsLayout)
        let html: String
        do {
            html = try await Self.renderSettled(renderer)
        } catch {
            await renderer.dispose()
            reviveFailed(error)
            return
        }
        renderer.finishRestoring()
        renderer.adoptShownRender()
        renderer.continueNumbering(after: page.lastBatch)
        hibernatedPage = nil
        self.renderer = renderer
        hibernatedFlag.store(false, ordering: .releasing)
        HibernationCounters.recordLeaving(snapshotBytes: page.storedBytes, revived: true)
        if !page.shows(html) {
            // What the page reads changed while it slept (a shared model, its data): the page
            // is brought to the new render in one batch, as after a resume from a store.
            var diff = TreeDiff()
            diff.replaceChildren(at: [], with: html)
            let number = page.lastBatch &+ 1
            renderer.continueNumbering(after: number)
            send(RenderBatch(number: number, edits: diff.json, editCount: 1, head: renderer.head))
        }
        channel.instruments.circuitRevived(since: started)
        noteActivity()
        logger.debug("circuit revived", metadata: ["took": "\(ContinuousClock.now - started)"])
    }

    /// The snapshot did not rebuild (a component's `onInitialized` threw, a value no longer
    /// decodes): only this circuit ends, and the page is told why.
    private func reviveFailed(_ error: any Error) {
        leaveHibernation()
        fail(
            "the hibernated circuit could not be revived", error,
            tellingThePage: "This page was idle and its session could not be restored. Reload the page.")
    }
}

/// What a trial rebuild did besides rendering; only touched on the circuit's executor.
private final class TrialOutcome {
    var launched = false
    var failed = false
}
