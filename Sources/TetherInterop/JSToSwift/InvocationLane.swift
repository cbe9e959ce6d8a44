import Dispatch
import Synchronization

/// Runs one circuit's JS→Swift invocations, and the reading of its socket, one job at a time on
/// the shared pool: however many of its calls are in flight, a circuit's Swift code holds at most
/// one of the pool's threads.
///
/// Without it, up to `maxConcurrentInvocations` calls of one browser ran in parallel. A method that
/// suspends once and then computes for a while, called sixteen times, held every core of a small
/// machine, and every other circuit's messages waited behind it (SECURITY.md, "What the pool does
/// not protect"). Calls still interleave wherever one of them awaits, as Blazor's per-circuit
/// dispatcher lets them; only their synchronous stretches take turns.
///
/// Each job is its own turn on the global queue, behind whatever else is waiting there. A serial
/// `DispatchQueue` would not do: it drains everything queued on it in one go, so a few busy
/// circuits kept the pool's threads and a quiet circuit's click waited seconds (the abuse suite's
/// victim, max 10 s).
package final class InvocationLane: TaskExecutor {
    private struct Jobs {
        var queued = FIFOQueue<UnownedJob>()
        /// A turn is on the global queue or running: the next job will get one without asking.
        var turnTaken = false
    }

    private let jobs = Mutex(Jobs())

    package init() {}

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let needsTurn = jobs.withLock { jobs in
            jobs.queued.append(job)
            defer { jobs.turnTaken = true }
            return !jobs.turnTaken
        }
        if needsTurn { takeTurnLater() }
    }

    private func takeTurnLater() {
        DispatchQueue.global().async { self.takeTurn() }
    }

    private func takeTurn() {
        let next = jobs.withLock { jobs in
            let job = jobs.queued.popFirst()
            if job == nil { jobs.turnTaken = false }
            return job
        }
        guard let job = next else { return }
        job.runSynchronously(on: asUnownedTaskExecutor())
        let more = jobs.withLock { jobs in
            jobs.turnTaken = !jobs.queued.isEmpty
            return jobs.turnTaken
        }
        if more { takeTurnLater() }
    }
}
