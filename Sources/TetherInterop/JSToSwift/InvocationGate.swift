/// Decides when each JS→Swift invocation of one circuit may run.
///
/// At most `maxRunning` run at once and the rest wait in arrival order, up to `maxWaiting`; past
/// that they are refused. While the circuit's socket is congested (its browser is not taking the
/// results), nothing new starts, so one circuit's burst is paced by its own socket rather than
/// filling memory or taking every thread from the others.
package struct InvocationGate<Work> {
    package enum Arrival {
        case run(Work)
        case wait
        case refuse(String)
    }

    package let maxRunning: Int
    package let maxWaiting: Int
    package private(set) var running = 0
    private var waiting = FIFOQueue<Work>()
    package private(set) var congested = false

    package init(maxRunning: Int, maxWaiting: Int) {
        self.maxRunning = max(1, maxRunning)
        self.maxWaiting = max(0, maxWaiting)
    }

    package var waitingCount: Int { waiting.count }

    package mutating func arrive(_ work: Work) -> Arrival {
        if !congested, running < maxRunning, waitingCount == 0 {
            running += 1
            return .run(work)
        }
        guard waitingCount < maxWaiting else {
            return .refuse(
                "Too many calls to Swift are waiting on this circuit (\(maxRunning) running and \(maxWaiting) waiting, the limits).")
        }
        waiting.append(work)
        return .wait
    }

    /// A running invocation ended; returns the next one to start, if any may.
    package mutating func finished() -> Work? {
        running = max(0, running - 1)
        guard !congested, running < maxRunning else { return nil }
        guard let next = waiting.popFirst() else { return nil }
        running += 1
        return next
    }

    /// The socket's congestion changed; returns what may start now.
    package mutating func setCongested(_ congested: Bool) -> [Work] {
        self.congested = congested
        guard !congested else { return [] }
        var started: [Work] = []
        while running < maxRunning, let next = waiting.popFirst() {
            running += 1
            started.append(next)
        }
        return started
    }

    /// The circuit ended: everything still waiting, to be refused.
    package mutating func drain() -> [Work] {
        waiting.removeAll()
    }
}
