import Synchronization

/// What this process's persisters wrote to their stores, counted for the benchmark
/// (`tether-bench` serves them at `GET /bench/persistence`). Package access only: not part of
/// Tether's public API.
package enum PersistenceCounters {
    /// Circuit rows handed to a store in batches it accepted.
    package static let rowsWritten = Atomic<Int>(0)
    /// Batches (one `CircuitStore.save` call each) the store accepted.
    package static let batchesWritten = Atomic<Int>(0)
    /// Snapshot bytes in those rows.
    package static let snapshotBytesWritten = Atomic<Int>(0)
    /// Batches the store refused (they stay queued and are tried again).
    package static let failedBatches = Atomic<Int>(0)

    /// The counters as a JSON object, with the process's heap in use as the caller measured it.
    package static func json(heapInUseBytes: Int) -> String {
        "{\"heap_in_use_bytes\":\(heapInUseBytes),\"rows_written\":\(rowsWritten.load(ordering: .relaxed)),\"batches_written\":\(batchesWritten.load(ordering: .relaxed)),"
            + "\"snapshot_bytes_written\":\(snapshotBytesWritten.load(ordering: .relaxed)),\"failed_batches\":\(failedBatches.load(ordering: .relaxed))}"
    }

    static func recordWrite(rows: Int, snapshotBytes: Int) {
        rowsWritten.add(rows, ordering: .relaxed)
        batchesWritten.add(1, ordering: .relaxed)
        snapshotBytesWritten.add(snapshotBytes, ordering: .relaxed)
    }

    static func recordFailure() {
        failedBatches.add(1, ordering: .relaxed)
    }
}
