import Foundation
import Logging
import NIOCore
import SQLiteNIO

/// A ``CircuitStore`` in one SQLite file: circuits survive a restart, a deploy or a `kill -9` of
/// the process, on one node. For several nodes use `PostgresCircuitStore` (product `TetherPostgres`).
///
/// The file is in WAL mode with `synchronous=NORMAL`: a committed save survives the process being
/// killed at any instant, which is the promise. A power cut may lose the last few commits (never
/// corrupt the file); that trade buys one fsync per checkpoint instead of one per save.
///
/// One connection serves every task: SQLite runs one writer at a time anyway, and a transaction
/// must not interleave with another task's statements on the same connection, so operations run
/// one after another, in the order they arrive.
public actor SQLiteCircuitStore: CircuitStore {
    /// Why the store could not open its file or run a statement. Each message names the file.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The folder that should hold the file could not be created.
        case cannotCreateDirectory(path: String, reason: String)
        /// SQLite could not open or create the file (permissions, a folder in its place, ...).
        case cannotOpen(path: String, reason: String)
        /// The file exists but is not an SQLite database: the store refuses to touch it.
        case notADatabase(path: String)
        /// A statement failed; `operation` says which store call ran it.
        case statementFailed(path: String, operation: String, reason: String)
        /// The store was used after ``SQLiteCircuitStore/close()``.
        case closed(path: String)

        public var description: String {
            switch self {
            case .cannotCreateDirectory(let path, let reason):
                "cannot create the folder for the circuit store \(path): \(reason)"
            case .cannotOpen(let path, let reason):
                "cannot open the circuit store \(path): \(reason)"
            case .notADatabase(let path):
                "the circuit store \(path) is not an SQLite database; move the file away or choose another path"
            case .statementFailed(let path, let operation, let reason):
                "the circuit store \(path) failed to \(operation): \(reason)"
            case .closed(let path):
                "the circuit store \(path) is closed"
            }
        }
    }

    /// The database file.
    public nonisolated let path: String
    private let connection: SQLiteConnection
    private var isClosed = false
    /// True while an operation owns the connection; the waiters run after it, first come first served.
    private var isBusy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// How long a statement waits for another process's lock on the file before it fails:
    /// long enough for a checkpoint, short enough that a wedged peer shows up as an error.
    private static let busyTimeoutMilliseconds = 5_000

    /// Opens the store at `path`, creating the file and its parent folders if needed, and the table
    /// if the file has none.
    /// - Throws: ``Failure`` when the folder cannot be made, the file cannot be opened or is not an
    ///   SQLite database.
    public init(path: String, logger: Logger = Logger(label: "tether.store.sqlite")) async throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure.cannotCreateDirectory(path: url.path, reason: error.localizedDescription)
        }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: url.path), logger: logger)
        } catch {
            throw Failure.cannotOpen(path: url.path, reason: Self.reason(error))
        }
        do {
            // SQLite opens any file lazily: the first statement is the one that finds out
            // whether it is a database at all.
            for pragma in [
                "PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)",
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
            ] {
                _ = try await connection.query(pragma)
            }
            _ = try await connection.query("""
                CREATE TABLE IF NOT EXISTS tether_circuits (
                    id TEXT PRIMARY KEY,
                    secret_hash BLOB NOT NULL,
                    url TEXT NOT NULL,
                    snapshot BLOB NOT NULL,
                    format_version INTEGER NOT NULL,
                    owner_node TEXT NOT NULL,
                    expires_at INTEGER NOT NULL, -- unix ms
                    updated_at INTEGER NOT NULL  -- unix ms
                )
                """)
            _ = try await connection.query("CREATE INDEX IF NOT EXISTS tether_circuits_expires_at ON tether_circuits (expires_at)")
        } catch {
            try? await connection.close()
            if let sqliteError = error as? SQLiteError, sqliteError.reason == .notADatabase {
                throw Failure.notADatabase(path: url.path)
            }
            throw Failure.cannotOpen(path: url.path, reason: Self.reason(error))
        }
        self.path = url.path
        self.connection = connection
    }

    /// Rows per INSERT: 8 parameters each stays far below SQLite's limit of 32,766.
    private static let rowsPerStatement = 200

    @discardableResult
    public func save(_ records: [CircuitRecord]) async throws -> Set<String> {
        guard !records.isEmpty else { return [] }
        return try await exclusively("save") {
            let now = StoredTime.milliseconds(Date())
            // IMMEDIATE takes the write lock up front: a deferred transaction that reads first
            // could fail to upgrade it when another process writes the file.
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                // Many rows per statement: each statement is a trip through the driver's thread
                // pool, and one per row made a batch of 5,000 circuits take seconds.
                var written: Set<String> = []
                var start = records.startIndex
                while start < records.endIndex {
                    let chunk = records[start..<min(start + Self.rowsPerStatement, records.endIndex)]
                    start = chunk.endIndex
                    let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
                    var binds: [SQLiteData] = []
                    binds.reserveCapacity(chunk.count * 8)
                    for record in chunk {
                        binds += [
                            .text(record.id), .blob(ByteBuffer(bytes: record.secretHash)), .text(record.url),
                            .blob(ByteBuffer(bytes: record.snapshot)), .integer(record.formatVersion), .text(record.ownerNode),
                            .integer(StoredTime.milliseconds(record.expiresAt)), .integer(now),
                        ]
                    }
                    // A row another node took over (and that has not expired) is left as it is.
                    let saved = try await connection.query(
                        """
                        INSERT INTO tether_circuits (id, secret_hash, url, snapshot, format_version, owner_node, expires_at, updated_at)
                        VALUES \(rows)
                        ON CONFLICT(id) DO UPDATE SET
                            secret_hash = excluded.secret_hash, url = excluded.url, snapshot = excluded.snapshot,
                            format_version = excluded.format_version, owner_node = excluded.owner_node,
                            expires_at = excluded.expires_at, updated_at = excluded.updated_at
                        WHERE tether_circuits.owner_node = excluded.owner_node OR tether_circuits.expires_at <= excluded.updated_at
                        RETURNING id
                        """,
                        binds)
                    for row in saved { if let id = row.column("id")?.string { written.insert(id) } }
                }
                _ = try await connection.query("COMMIT")
                return Set(records.map(\.id)).subtracting(written)
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    public func load(id: String, now: Date) async throws -> CircuitRecord? {
        let rows = try await exclusively("load a circuit") {
            try await connection.query(
                """
                SELECT id, secret_hash, url, snapshot, format_version, owner_node, expires_at
                FROM tether_circuits WHERE id = ? AND expires_at > ?
                """,
                [.text(id), .integer(StoredTime.milliseconds(now))])
        }
        guard let row = rows.first else { return nil }
        guard let record = Self.record(from: row) else {
            throw Failure.statementFailed(path: path, operation: "load a circuit", reason: "the row of \(id) has a column of the wrong type")
        }
        return record
    }

    public func replaceSecret(id: String, expected: [UInt8], with new: [UInt8], owner: String, now: Date) async throws -> Bool {
        // One conditional UPDATE: the check and the write are one step, so of two resumes with the
        // same secret, whether in this process or another, exactly one matches.
        let changed = try await exclusively("replace a secret") {
            try await connection.query(
                """
                UPDATE tether_circuits SET secret_hash = ?, owner_node = ?, updated_at = ?
                WHERE id = ? AND secret_hash = ? AND expires_at > ?
                RETURNING id
                """,
                [
                    .blob(ByteBuffer(bytes: new)), .text(owner), .integer(StoredTime.milliseconds(Date())),
                    .text(id), .blob(ByteBuffer(bytes: expected)), .integer(StoredTime.milliseconds(now)),
                ])
        }
        return !changed.isEmpty
    }

    public func delete(id: String) async throws {
        _ = try await exclusively("delete a circuit") {
            try await connection.query("DELETE FROM tether_circuits WHERE id = ?", [.text(id)])
        }
    }

    public func deleteExpired(now: Date) async throws -> Int {
        try await exclusively("delete expired circuits") {
            _ = try await connection.query("DELETE FROM tether_circuits WHERE expires_at <= ?", [.integer(StoredTime.milliseconds(now))])
            // Safe to ask separately: no other statement runs on the connection in between.
            let rows = try await connection.query("SELECT changes() AS deleted")
            return rows.first?.column("deleted")?.integer ?? 0
        }
    }

    public func close() async {
        guard !isClosed else { return }
        isClosed = true
        await acquire()
        defer { release() }
        do {
            try await connection.close()
        } catch {
            connection.logger.warning("closing the circuit store failed", metadata: ["path": .string(path), "error": "\(error)"])
        }
    }

    // MARK: - One operation at a time

    private func acquire() async {
        if isBusy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            isBusy = true
        }
    }

    /// Hands the connection to the next waiter directly, so a newcomer cannot overtake it.
    private func release() {
        if waiters.isEmpty {
            isBusy = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    private func exclusively<Result: Sendable>(_ operation: String, _ body: () async throws -> Result) async throws -> Result {
        guard !isClosed else { throw Failure.closed(path: path) }
        await acquire()
        defer { release() }
        // close() may have run while this operation waited its turn.
        guard !isClosed else { throw Failure.closed(path: path) }
        do {
            return try await body()
        } catch {
            throw Failure.statementFailed(path: path, operation: operation, reason: Self.reason(error))
        }
    }

    // MARK: - Rows

    private static func record(from row: SQLiteRow) -> CircuitRecord? {
        guard let id = row.column("id")?.string,
            let secretHash = row.column("secret_hash")?.blob,
            let url = row.column("url")?.string,
            let snapshot = row.column("snapshot")?.blob,
            let formatVersion = row.column("format_version")?.integer,
            let ownerNode = row.column("owner_node")?.string,
            let expiresAt = row.column("expires_at")?.integer
        else { return nil }
        return CircuitRecord(
            id: id, secretHash: Array(buffer: secretHash), url: url, snapshot: Array(buffer: snapshot),
            formatVersion: formatVersion, ownerNode: ownerNode, expiresAt: StoredTime.date(milliseconds: expiresAt))
    }

    private static func reason(_ error: any Error) -> String {
        if let sqliteError = error as? SQLiteError { return sqliteError.message.isEmpty ? "\(sqliteError.reason)" : sqliteError.message }
        return "\(error)"
    }
}
