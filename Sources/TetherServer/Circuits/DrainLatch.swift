import Synchronization

/// Opens once a page answered `drain` and the circuit handled everything the page sent before
/// that answer: from then on, a save holds all the page showed.
///
/// A drain waits on it with a deadline, so a page that never answers (an old runtime, a frozen
/// tab) costs the drain its grace period, not the process its shutdown.
final class DrainLatch: Sendable {
    private enum State {
        case closed
        case waiting(CheckedContinuation<Void, Never>)
        case open
    }

    private let state = Mutex(State.closed)

    var isOpen: Bool {
        state.withLock { if case .open = $0 { true } else { false } }
    }

    func open() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state = .open }
            if case .waiting(let continuation) = state { return continuation }
            return nil
        }
        waiter?.resume()
    }

    /// Returns once the latch is open, or at once when the waiting task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    switch state {
                    case .open: return true
                    case .waiting: return true  // one waiter at a time: a second does not wait
                    case .closed:
                        if Task.isCancelled { return true }
                        state = .waiting(continuation)
                        return false
                    }
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard case .waiting(let continuation) = state else { return nil }
                state = .closed
                return continuation
            }
            waiter?.resume()
        }
    }
}
