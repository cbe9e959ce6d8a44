/// The bookkeeping of Swift→JS calls in flight, as a plain state machine.
///
/// It owns no locks and no tasks, so every transition can be tested on its own; `InteropChannel`
/// wraps it in a mutex and performs the actions it returns.
package struct PendingCallTable<Waiter> {
    package struct Entry {
        package let identifier: String
        package let waiter: Waiter
    }

    package enum State: Equatable {
        case prerendering
        case connected
        case disconnected
    }

    package private(set) var state: State
    private var entries: [Int: Entry] = [:]
    private var nextID = 1

    /// Calls in flight at most; one more fails at once instead of queueing without bound.
    package let limit: Int

    package init(state: State = .connected, limit: Int = .max) {
        self.state = state
        self.limit = limit
    }

    package var count: Int { entries.count }

    package enum RegisterAction {
        case send(id: Int)
        case failPrerendering
        case failDisconnected
        case failTooMany
    }

    package mutating func register(identifier: String, waiter: Waiter) -> RegisterAction {
        switch state {
        case .prerendering: return .failPrerendering
        case .disconnected: return .failDisconnected
        case .connected:
            guard entries.count < limit else { return .failTooMany }
            let id = nextID
            nextID += 1
            entries[id] = Entry(identifier: identifier, waiter: waiter)
            return .send(id: id)
        }
    }

    /// Removes and returns the call, or nil for an unknown, duplicate or late completion.
    package mutating func remove(id: Int) -> Entry? {
        entries.removeValue(forKey: id)
    }

    package func identifier(of id: Int) -> String? {
        entries[id]?.identifier
    }

    package func contains(id: Int) -> Bool {
        entries[id] != nil
    }

    package mutating func attach() {
        state = .connected
    }

    /// Marks the table disconnected and hands back every call still waiting.
    package mutating func disconnect() -> [Entry] {
        state = .disconnected
        let all = Array(entries.values)
        entries.removeAll()
        return all
    }
}
