import Observation
import Synchronization

// The renderer's one use of Observation: an `@Observable` component re-renders when something its
// last body read changes. Kept to this file, because a runtime without Observation (the planned
// WebAssembly mode) replaces it with a body evaluation that tracks nothing.

extension Renderer {
    /// Runs a component's body, noting what it read: a change to any of it re-renders this
    /// component, and no other.
    func evaluateBody(of record: Mounted) -> Content {
        record.generation &+= 1
        let body = { RenderingComponent.$current.withValue(RenderingComponent(record.instance)) { record.instance.body } }
        // A prerendered page is thrown away after one render: tracking it would only leave
        // observers behind on the models it read.
        guard !isPrerendering else { return body() }
        let (changes, id, generation) = (observedChanges, record.id, record.generation)
        return withObservationTracking(body, onChange: { changes.report(id, generation: generation) })
    }

    /// Marks the components whose observed state changed since the last pass. A report about an
    /// older run of a body than the last is dropped: that run already saw the change.
    func applyObservedChanges() {
        for (id, generation) in observedChanges.take() {
            if let record = byID[id], record.generation == generation { markDirty(record) }
        }
    }
}

/// The components whose observed state changed, as reported by Observation on whatever thread
/// made the change (an event of this circuit, its `launch` work, another circuit writing a shared
/// model). The renderer takes them on its own circuit, in its next pass.
final class ObservedChanges: Sendable {
    private let pending = Mutex<[Int: Int]>([:])
    /// Asks the circuit for a pass; once per batch of reports, not once per report.
    private let wake: @Sendable () -> Void

    init(wake: @escaping @Sendable () -> Void) {
        self.wake = wake
    }

    func report(_ id: Int, generation: Int) {
        let wasEmpty = pending.withLock { pending in
            defer { pending[id] = max(pending[id] ?? 0, generation) }
            return pending.isEmpty
        }
        if wasEmpty { wake() }
    }

    func take() -> [Int: Int] {
        pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
    }

    var hasPending: Bool { pending.withLock { !$0.isEmpty } }
}
