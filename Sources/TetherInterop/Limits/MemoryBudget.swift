import Synchronization

/// The bytes one client address may make the server hold, shared by every circuit it opens:
/// JS→Swift calls running or waiting, byte arrays not yet claimed, Swift objects handed to JS,
/// queued events, and output its socket has not yet taken.
///
/// Two bounds: past `limit`, new work is refused with an error the browser sees; output the server
/// already produced is still counted, and past `hardLimit` the circuit that pushed it over is
/// closed. Costs are estimates of what each item really holds (see `MemoryCost`), measured in the
/// abuse suite against the process's resident memory.
package final class MemoryBudget: Sendable {
    package let limit: Int
    package let hardLimit: Int
    private let used = Mutex(0)
    private let instruments: TetherInstruments

    package init(limit: Int, hardLimit: Int? = nil, instruments: TetherInstruments = .disabled) {
        self.instruments = instruments
        self.limit = max(0, limit)
        // A quarter over the limit leaves room for output already promised without doubling it.
        self.hardLimit = hardLimit ?? (self.limit.multipliedReportingOverflow(by: 5).overflow ? Int.max : self.limit * 5 / 4)
    }

    /// No bound: prerendering, tests and tools that serve no browser.
    package static func unlimited() -> MemoryBudget { MemoryBudget(limit: Int.max, hardLimit: Int.max) }

    package var bytesInUse: Int { used.withLock { $0 } }

    /// Takes `bytes` if they fit under `limit`.
    package func tryReserve(_ bytes: Int) -> Bool {
        let reserved = used.withLock { used in
            let (total, overflow) = used.addingReportingOverflow(bytes)
            guard !overflow, total <= limit else { return false }
            used = total
            return true
        }
        // Every refusal of the budget passes here: events, calls, byte arrays, objects.
        if !reserved { instruments.refused(.memoryBudgetPerClient) }
        return reserved
    }

    /// Takes `bytes` whatever the limit; false when the total is now past `hardLimit`.
    package func forceReserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            let (total, overflow) = used.addingReportingOverflow(bytes)
            used = overflow ? Int.max : total
            return !overflow && total <= hardLimit
        }
    }

    package func release(_ bytes: Int) {
        used.withLock { $0 = max(0, $0 - bytes) }
    }
}

/// One circuit's share of its client's `MemoryBudget`: what it holds is tracked, so all of it goes
/// back when the circuit ends, whatever was still running or queued.
package final class BudgetAccount: Sendable {
    private struct State {
        var held = 0
        var closed = false
    }

    package let budget: MemoryBudget
    private let state = Mutex(State())

    package init(_ budget: MemoryBudget) { self.budget = budget }

    package static func unlimited() -> BudgetAccount { BudgetAccount(.unlimited()) }

    package var held: Int { state.withLock { $0.held } }

    package func tryReserve(_ bytes: Int) -> Bool {
        state.withLock { state in
            guard !state.closed, budget.tryReserve(bytes) else { return false }
            state.held += bytes
            return true
        }
    }

    /// False when the client is now past its hard bound; the bytes are held either way.
    package func forceReserve(_ bytes: Int) -> Bool {
        state.withLock { state in
            guard !state.closed else { return true }
            state.held = state.held.addingReportingOverflow(bytes).overflow ? Int.max : state.held + bytes
            return budget.forceReserve(bytes)
        }
    }

    package func release(_ bytes: Int) {
        state.withLock { state in
            guard !state.closed else { return }
            let returned = min(bytes, state.held)
            state.held -= returned
            budget.release(returned)
        }
    }

    /// Returns everything; later reservations are refused and later releases ignored.
    package func close() {
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            budget.release(state.held)
            state.held = 0
        }
    }
}

/// What each kind of item is charged. Estimates, rounded up from measurements of a debug build:
/// a JS→Swift call that is running holds its task, its arguments and its continuation (about
/// 6.3 KB measured); one waiting holds only its parsed message.
package enum MemoryCost {
    package static let runningInvocation = 8 * 1024
    package static let queuedInvocation = 512
    package static let trackedObject = 1024
    package static let queuedEvent = 512
    package static let byteSegmentOverhead = 64

    /// A rough size of a parsed JSON value, linear in its size and never trapping.
    package static func of(_ value: JSONValue) -> Int {
        switch value {
        case .null, .bool: return 16
        case .number(let text): return 16 &+ text.utf8.count
        case .string(let text): return 24 &+ text.utf8.count
        case .array(let items): return items.reduce(24) { $0 &+ of($1) }
        case .object(let members): return members.reduce(24) { $0 &+ 24 &+ $1.key.utf8.count &+ of($1.value) }
        }
    }
}
