import Foundation
import TetherServer

/// `tether-bench store-writer PATH`: saves batches into an SQLite circuit store until it is killed,
/// for Tests/durability/crash_store.py, which kills it with SIGKILL mid-write and checks that the
/// file still opens, passes its integrity check, and every row reads.
enum StoreWriter {
    static let recordsPerBatch = 200
    static let snapshotBytes = 8 * 1024
    /// Ids repeat after this many records, so later batches update rows as well as insert them.
    static let distinctIds = 5_000

    static func run(path: String) async throws -> Never {
        let store = try await SQLiteCircuitStore(path: path)
        // One random snapshot, varied per record: random bytes for every record would make the
        // writer measure the random number generator instead of the store.
        var snapshot = (0..<snapshotBytes).map { _ in UInt8.random(in: .min ... .max) }
        var next = 0
        var batches = 0
        while true {
            var batch: [CircuitRecord] = []
            batch.reserveCapacity(recordsPerBatch)
            for _ in 0..<recordsPerBatch {
                snapshot[next % snapshotBytes] &+= 1
                batch.append(CircuitRecord(
                    id: "circuit-\(next % distinctIds)", secretHash: (0..<32).map { _ in UInt8.random(in: .min ... .max) },
                    url: "/counter?n=\(next)", snapshot: snapshot, formatVersion: 1, ownerNode: "store-writer",
                    expiresAt: Date().addingTimeInterval(3_600)))
                next += 1
            }
            try await store.save(batch)
            batches += 1
            if batches == 1 {
                // After the first commit, so that the file holds rows whenever the killer strikes.
                FileHandle.standardOutput.write(Data("writing\n".utf8))
            }
            if batches % 20 == 0 {
                _ = try await store.deleteExpired(now: Date())
            }
        }
    }
}
