import Foundation

/// How circuits are saved so that their pages resume after a restart, a deploy, a crash or a
/// pause. Set on `TetherApp.persistence`.
///
/// ```swift
/// var app = TetherApp(pages: [Counter.self])
/// app.persistence.storage = .sqlite(path: "/var/lib/myapp/circuits.sqlite")
/// app.persistence.expiry = .seconds(24 * 3600)
/// ```
public struct CircuitPersistence: Sendable {
    /// Where circuits are saved.
    public var storage: CircuitStorage = .automatic
    /// A circuit whose state changed is written at most once per interval, batched with the
    /// others: a kill -9 loses at most this much. A dropped socket, a pause and a drain write at
    /// once.
    public var persistInterval: Duration = .seconds(1)
    /// How long a saved circuit can be resumed after its last write.
    public var expiry: Duration = .seconds(8 * 3600)
    /// A snapshot larger than this is not written, and the log names the largest component.
    public var maxSnapshotBytes = 64 * 1024
    /// Snapshots waiting while the store is down or slow. Past this, new ones are dropped (and
    /// logged) until the store catches up; events never wait for the store.
    public var maxQueuedWrites = 10_000
    /// How long a resume waits for the store before the page is told to try again.
    public var storeTimeout: Duration = .seconds(5)
    /// How long a drain waits for connected pages to send what they hold before it saves: input
    /// typed just before the drain is saved when its page answers within this time.
    public var drainFlushTimeout: Duration = .seconds(1)
    /// This process's name in the store's `owner_node` column.
    public var nodeName = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"

    /// How often a running node tells its store it is alive (`CircuitStore.register`); a store
    /// shared by several nodes counts a node gone after `nodeSilenceLimit` without word from it.
    package static let nodeHeartbeat: Duration = .seconds(10)
    package static let nodeSilenceLimit: Duration = .seconds(30)

    /// The defaults: automatic storage, saved at most once a second, kept for 8 hours,
    /// snapshots up to 64 KB, 10,000 queued writes, a 5 s store timeout, 1 s for pages to flush
    /// their input at a drain.
    public init() {}
}

/// Which store saves circuits.
public enum CircuitStorage: Sendable {
    /// `TetherApp.run` and `TetherService` use ``sqlite(path:)`` at `.tether/circuits.sqlite` in
    /// the working directory; `TetherApp.application()`, for tests, saves nothing unless it chooses.
    case automatic
    /// Circuits live in this process's memory only, as before persistence existed.
    case none
    /// A SQLite file, created with its folder if missing.
    case sqlite(path: String)
    /// A store of your own, or `PostgresCircuitStore` from `TetherPostgres` for several nodes.
    case store(any CircuitStore)

    /// The file `TetherApp.run` uses when nothing is chosen.
    public static let defaultSQLitePath = ".tether/circuits.sqlite"
}
