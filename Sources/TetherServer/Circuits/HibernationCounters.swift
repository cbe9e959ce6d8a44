import Synchronization

/// What this process's circuits did by hibernating, counted for the benchmark (`tether-bench`
/// serves them at `GET /bench/hibernation`) beside the app's metrics, which need a backend.
/// Package access only: not part of Tether's public API.
package enum HibernationCounters {
    /// Circuits hibernating now.
    package static let hibernated = Atomic<Int>(0)
    /// Snapshot bytes the hibernating circuits hold now (deflated where that was smaller).
    package static let snapshotBytes = Atomic<Int>(0)
    /// Hibernations since the process started.
    package static let hibernations = Atomic<Int>(0)
    /// Revivals since the process started.
    package static let revivals = Atomic<Int>(0)

    /// The counters as a JSON object, with the process's heap in use as the caller measured it.
    package static func json(heapInUseBytes: Int) -> String {
        "{\"heap_in_use_bytes\":\(heapInUseBytes),\"hibernated\":\(hibernated.load(ordering: .relaxed)),"
            + "\"snapshot_bytes\":\(snapshotBytes.load(ordering: .relaxed)),\"hibernations\":\(hibernations.load(ordering: .relaxed)),"
            + "\"revivals\":\(revivals.load(ordering: .relaxed))}"
    }

    static func recordHibernation(snapshotBytes bytes: Int) {
        hibernated.add(1, ordering: .relaxed)
        hibernations.add(1, ordering: .relaxed)
        snapshotBytes.add(bytes, ordering: .relaxed)
    }

    /// The circuit woke, or ended while hibernating.
    static func recordLeaving(snapshotBytes bytes: Int, revived: Bool) {
        hibernated.subtract(1, ordering: .relaxed)
        snapshotBytes.subtract(bytes, ordering: .relaxed)
        if revived { revivals.add(1, ordering: .relaxed) }
    }
}
