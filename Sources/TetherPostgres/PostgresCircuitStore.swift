import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import TetherServer

/// A `CircuitStore` in a PostgreSQL table, for an app that runs on several nodes: a page resumes
/// its circuit on whichever node its reconnect reaches, and of two nodes resuming the same circuit
/// exactly one wins (``replaceSecret(id:expected:with:owner:now:)`` is one conditional `UPDATE`).
///
/// The table is created on first use, or by ``prepare()``, if it does not exist:
///
/// | column | type | |
/// | --- | --- | --- |
/// | `id` | `text` primary key | |
/// | `secret_hash`, `snapshot` | `bytea` | |
/// | `url`, `owner_node` | `text` | |
/// | `format_version` | `bigint` | |
/// | `expires_at`, `updated_at` | `bigint` | unix milliseconds, as the SQLite store keeps them, so both expire a record at the same instant |
///
/// Beside it, `<table>_nodes` lists the nodes that use the store, each with the fingerprint of
/// its descriptor signing key and when it last said it was alive (``register(node:keyFingerprint:)``):
/// a node whose key differs from a live node's is refused at start.
///
/// The store owns a `PostgresClient` (a connection pool) and runs it until ``close()``.
public actor PostgresCircuitStore: CircuitStore {
    /// Why the store could not be made or could not run a statement.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The connection URL cannot be used; the password, if any, is not repeated.
        case invalidURL(String, reason: String)
        /// The table name is not a plain SQL identifier (it is spliced into statements, so it must be one).
        case invalidTableName(String)
        /// A statement failed; `operation` says which store call ran it.
        case statementFailed(table: String, operation: String, reason: String)
        /// The store was used after ``PostgresCircuitStore/close()``.
        case closed(table: String)

        public var description: String {
            switch self {
            case .invalidURL(let url, let reason):
                "invalid PostgreSQL URL \(url): \(reason) (expected postgres://user:password@host:port/database)"
            case .invalidTableName(let name):
                "invalid circuit table name \"\(name)\": use letters, digits and underscores, not starting with a digit, at most \(PostgresCircuitStore.maxTableNameLength) characters"
            case .statementFailed(let table, let operation, let reason):
                "the PostgreSQL circuit store (table \(table)) failed to \(operation): \(reason)"
            case .closed(let table):
                "the PostgreSQL circuit store (table \(table)) is closed"
            }
        }
    }

    /// The table that holds the circuits.
    public nonisolated let table: String
    private let client: PostgresClient
    private let logger: Logger
    private let runningClient: Task<Void, Never>
    private var tableSetup: Task<Void, any Error>?
    private var isClosed = false
    /// The node and fingerprint this store registered, so ``close()`` can take them off the list.
    private var registered: (node: String, keyFingerprint: String)?

    /// The table of nodes and their key fingerprints.
    private var nodesTable: String { table + "_nodes" }

    /// PostgreSQL's identifiers are 63 bytes at most, and the index is named after the table.
    static let maxTableNameLength = 63 - "_expires_at".count
    /// Rows per `INSERT`: 8 parameters each, well under the protocol's 65,535.
    private static let rowsPerStatement = 1_000

    /// A store on the database `configuration` points at. The client starts now; the table is made
    /// on first use (call ``prepare()`` to make it, and find out that the database answers, at startup).
    ///
    /// - Parameters:
    ///   - configuration: where the database is and how to reach it.
    ///   - table: several apps, or test runs, can share a database under different tables.
    ///   - logger: where the PostgreSQL client and the store's statements log.
    public init(
        configuration: PostgresClient.Configuration, table: String = "tether_circuits",
        logger: Logger = Logger(label: "tether.store.postgres")
    ) throws(Failure) {
        guard Self.isPlainIdentifier(table) else { throw Failure.invalidTableName(table) }
        self.table = table
        self.logger = logger
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.runningClient = Task { await client.run() }
    }

    /// A store on the database at `url`, such as `postgres://user:password@127.0.0.1:5432/db`.
    ///
    /// TLS follows the URL's `sslmode` (`disable`, `prefer` or `require`); without one it is off for
    /// a loopback host and required for any other, since the password would otherwise cross the network.
    public init(url: String, table: String = "tether_circuits", logger: Logger = Logger(label: "tether.store.postgres")) throws(Failure) {
        try self.init(configuration: Self.configuration(url: url), table: table, logger: logger)
    }

    /// Creates the table and its index if they do not exist. Every other call does it first if it
    /// has not been done; calling it at startup turns a wrong URL or a database that does not
    /// answer into an error there, not at the first circuit.
    public func prepare() async throws {
        guard !isClosed else { throw Failure.closed(table: table) }
        if let tableSetup {
            return try await Self.awaitCancellably(tableSetup)
        }
        let setup = Task { [client, table, logger] in
            try await Self.createTable(client: client, table: table, logger: logger)
        }
        tableSetup = setup
        do {
            try await Self.awaitCancellably(setup)
        } catch {
            // The next call tries again: the database may come up later.
            tableSetup = nil
            throw Failure.statementFailed(table: table, operation: "create its table", reason: Self.reason(error))
        }
    }

    /// While the server does not answer, the client's pool keeps trying to connect, and a caller
    /// waits with it; a caller that gives up (a deadline, a shutdown) cancels the wait. The next
    /// call starts over.
    private static func awaitCancellably(_ setup: Task<Void, any Error>) async throws {
        try await withTaskCancellationHandler {
            try await setup.value
        } onCancel: {
            setup.cancel()
        }
    }

    @discardableResult
    public func save(_ records: [CircuitRecord]) async throws -> Set<String> {
        // One statement must not name an id twice (ON CONFLICT would refuse it): the last one wins,
        // as it would have in a loop of single upserts. Sorted, so that two batches sharing ids
        // lock their rows in the same order and cannot deadlock.
        var latest: [String: CircuitRecord] = [:]
        for record in records { latest[record.id] = record }
        let unique = latest.values.sorted { $0.id < $1.id }
        guard !unique.isEmpty else { return [] }
        let updatedAt = StoredTime.milliseconds(Date())
        let statements = stride(from: 0, to: unique.count, by: Self.rowsPerStatement).map {
            upsert(unique[$0..<min($0 + Self.rowsPerStatement, unique.count)], updatedAt: updatedAt)
        }
        let written = try await run("save") { [client, logger] () -> Set<String> in
            if statements.count == 1 {
                return try await Self.savedIDs(client.query(statements[0], logger: logger))
            }
            return try await client.withTransaction(logger: logger) { connection in
                var written: Set<String> = []
                for statement in statements {
                    written.formUnion(try await Self.savedIDs(connection.query(statement, logger: logger)))
                }
                return written
            }
        }
        return Set(unique.map(\.id)).subtracting(written)
    }

    private static func savedIDs(_ rows: PostgresRowSequence) async throws -> Set<String> {
        var ids: Set<String> = []
        for try await id in rows.decode(String.self) { ids.insert(id) }
        return ids
    }

    public func load(id: String, now: Date) async throws -> CircuitRecord? {
        let query: PostgresQuery = """
            SELECT id, secret_hash, url, snapshot, format_version, owner_node, expires_at
            FROM \(unescaped: table) WHERE id = \(id) AND expires_at > \(StoredTime.milliseconds(now))
            """
        return try await run("load a circuit") { [client, logger] in
            guard let row = try await client.query(query, logger: logger).collect().first else { return nil }
            let (id, secretHash, url, snapshot, formatVersion, ownerNode, expiresAt) =
                try row.decode((String, ByteBuffer, String, ByteBuffer, Int, String, Int).self)
            return CircuitRecord(
                id: id, secretHash: Array(buffer: secretHash), url: url, snapshot: Array(buffer: snapshot),
                formatVersion: formatVersion, ownerNode: ownerNode, expiresAt: StoredTime.date(milliseconds: expiresAt))
        }
    }

    public func replaceSecret(id: String, expected: [UInt8], with new: [UInt8], owner: String, now: Date) async throws -> Bool {
        // Under READ COMMITTED a second UPDATE of the same row waits for the first to commit, then
        // checks its WHERE again against the new hash: of two nodes, exactly one changes the row.
        let query: PostgresQuery = """
            UPDATE \(unescaped: table)
            SET secret_hash = \(ByteBuffer(bytes: new)), owner_node = \(owner), updated_at = \(StoredTime.milliseconds(Date()))
            WHERE id = \(id) AND secret_hash = \(ByteBuffer(bytes: expected)) AND expires_at > \(StoredTime.milliseconds(now))
            RETURNING id
            """
        return try await run("replace a secret") { [client, logger] in
            let changed = try await client.query(query, logger: logger).collect()
            return !changed.isEmpty
        }
    }

    public func delete(id: String) async throws {
        let query: PostgresQuery = "DELETE FROM \(unescaped: table) WHERE id = \(id)"
        try await run("delete a circuit") { [client, logger] in
            _ = try await client.query(query, logger: logger).collect()
        }
    }

    public func deleteExpired(now: Date) async throws -> Int {
        let query: PostgresQuery = """
            WITH deleted AS (DELETE FROM \(unescaped: table) WHERE expires_at <= \(StoredTime.milliseconds(now)) RETURNING 1)
            SELECT count(*) FROM deleted
            """
        return try await run("delete expired circuits") { [client, logger] in
            guard let row = try await client.query(query, logger: logger).collect().first else { return 0 }
            return try row.decode(Int.self)
        }
    }

    public func close() async {
        guard !isClosed else { return }
        // A node that stops cleanly leaves the list at once: the others may then be restarted
        // with a new key without waiting for it to be forgotten.
        // A database that went away must not hold the stop: past two seconds the node is left to
        // be forgotten when its silence runs out.
        if let registered {
            let leave: PostgresQuery = """
                DELETE FROM \(unescaped: nodesTable) WHERE node = \(registered.node) AND key_fingerprint = \(registered.keyFingerprint)
                """
            let leaving = Task {
                try await run("take its node off the list") { [client, logger] in
                    _ = try await client.query(leave, logger: logger).collect()
                }
            }
            let deadline = Task {
                try await Task.sleep(for: .seconds(2))
                leaving.cancel()
            }
            if case .failure(let error) = await leaving.result {
                logger.warning("could not take this node off the list of nodes", metadata: ["error": "\(error)"])
            }
            deadline.cancel()
        }
        isClosed = true
        runningClient.cancel()
        await runningClient.value
    }

    /// Records `node` as alive with `keyFingerprint`, unless another node that spoke within
    /// the last 30 seconds has another fingerprint: then it throws
    /// `DescriptorSigner.KeyError.differsFromOtherNodes` and records nothing, so the nodes already
    /// running keep their key and a node with the wrong one fails at start. Nodes register one at a
    /// time (an advisory lock), so of two starting at once with different keys the second fails.
    /// A node that stops cleanly leaves the list at ``close()``; one that crashed is forgotten
    /// 30 seconds after its last word, so a cluster can restart with a new key.
    public func register(node: String, keyFingerprint: String) async throws {
        let silence = Int(CircuitPersistence.nodeSilenceLimit.components.seconds)
        let lock: PostgresQuery = "SELECT pg_advisory_xact_lock(hashtext(\("tether_nodes:" + table)))"
        let others: PostgresQuery = """
            SELECT node, key_fingerprint FROM \(unescaped: nodesTable)
            WHERE node <> \(node) AND key_fingerprint <> \(keyFingerprint) AND seen_at > now() - make_interval(secs => \(silence))
            """
        let record: PostgresQuery = """
            INSERT INTO \(unescaped: nodesTable) (node, key_fingerprint, seen_at) VALUES (\(node), \(keyFingerprint), now())
            ON CONFLICT (node) DO UPDATE SET key_fingerprint = excluded.key_fingerprint, seen_at = excluded.seen_at
            """
        let differing = try await run("register its node") { [client, logger] in
            try await client.withTransaction(logger: logger) { connection -> [String: String] in
                _ = try await connection.query(lock, logger: logger).collect()
                var differing: [String: String] = [:]
                for try await (other, fingerprint) in try await connection.query(others, logger: logger).decode((String, String).self) {
                    differing[other] = fingerprint
                }
                if differing.isEmpty { _ = try await connection.query(record, logger: logger).collect() }
                return differing
            }
        }
        guard differing.isEmpty else {
            throw DescriptorSigner.KeyError.differsFromOtherNodes(node: node, fingerprint: keyFingerprint, others: differing)
        }
        registered = (node, keyFingerprint)
    }

    /// Drops the table: the contract tests give each case a table of its own and leave none behind.
    package func dropTable() async throws {
        let dropNodes: PostgresQuery = "DROP TABLE IF EXISTS \(unescaped: nodesTable)"
        try await run("drop its nodes table") { [client, logger] in
            _ = try await client.query(dropNodes, logger: logger).collect()
        }
        let query: PostgresQuery = "DROP TABLE IF EXISTS \(unescaped: table)"
        try await run("drop its table") { [client, logger] in
            _ = try await client.query(query, logger: logger).collect()
        }
        tableSetup = nil
    }

    // MARK: - Statements

    private func upsert(_ records: ArraySlice<CircuitRecord>, updatedAt: Int) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: records.count * 8)
        var rows: [String] = []
        rows.reserveCapacity(records.count)
        for record in records {
            let first = bindings.count + 1
            rows.append("(" + (first..<first + 8).map { "$\($0)" }.joined(separator: ", ") + ")")
            bindings.append(record.id)
            bindings.append(ByteBuffer(bytes: record.secretHash))
            bindings.append(record.url)
            bindings.append(ByteBuffer(bytes: record.snapshot))
            bindings.append(record.formatVersion)
            bindings.append(record.ownerNode)
            bindings.append(StoredTime.milliseconds(record.expiresAt))
            bindings.append(updatedAt)
        }
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(table) (id, secret_hash, url, snapshot, format_version, owner_node, expires_at, updated_at)
                VALUES \(rows.joined(separator: ", "))
                ON CONFLICT (id) DO UPDATE SET
                    secret_hash = excluded.secret_hash, url = excluded.url, snapshot = excluded.snapshot,
                    format_version = excluded.format_version, owner_node = excluded.owner_node,
                    expires_at = excluded.expires_at, updated_at = excluded.updated_at
                WHERE \(table).owner_node = excluded.owner_node OR \(table).expires_at <= excluded.updated_at
                RETURNING id
                """,
            binds: bindings)
    }

    private func run<Result: Sendable>(_ operation: String, _ body: @Sendable () async throws -> Result) async throws -> Result {
        try await prepare()
        do {
            return try await body()
        } catch {
            throw Failure.statementFailed(table: table, operation: operation, reason: Self.reason(error))
        }
    }

    private static func createTable(client: PostgresClient, table: String, logger: Logger) async throws {
        let statements: [PostgresQuery] = [
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: table) (
                id text PRIMARY KEY,
                secret_hash bytea NOT NULL,
                url text NOT NULL,
                snapshot bytea NOT NULL,
                format_version bigint NOT NULL,
                owner_node text NOT NULL,
                expires_at bigint NOT NULL,
                updated_at bigint NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS \(unescaped: table + "_expires_at") ON \(unescaped: table) (expires_at)",
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: table + "_nodes") (
                node text PRIMARY KEY,
                key_fingerprint text NOT NULL,
                seen_at timestamptz NOT NULL
            )
            """,
        ]
        try await SchemaSetup.create(statements, lockName: "tether_circuits:" + table, client: client, logger: logger)
    }

    // MARK: - Configuration

    /// A name that is safe to splice into a statement: PostgreSQL's plain identifiers, short enough
    /// to name an index after.
    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= maxTableNameLength else { return false }
        func isLetter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" }
        return isLetter(first) && name.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) }
    }

    static func configuration(url: String) throws(Failure) -> PostgresClient.Configuration {
        let shown = redactingPassword(url)
        guard let components = URLComponents(string: url) else { throw Failure.invalidURL(shown, reason: "it is not a URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw Failure.invalidURL(shown, reason: "the scheme must be postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else { throw Failure.invalidURL(shown, reason: "it names no host") }
        guard let username = components.user, !username.isEmpty else { throw Failure.invalidURL(shown, reason: "it names no user") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw Failure.invalidURL(shown, reason: "port \(port) is out of range") }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        case nil: tls = isLoopback(host) ? .disable : .require(.makeClientConfiguration())
        case let other?: throw Failure.invalidURL(shown, reason: "sslmode \(other) is not one of disable, prefer, require")
        }
        // URLComponents keeps an IPv6 host in brackets; the client wants the bare address.
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return PostgresClient.Configuration(
            host: bareHost, port: port, username: username, password: components.password,
            database: database.isEmpty ? nil : database, tls: tls)
    }

    private static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }

    private static func redactingPassword(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://")?.upperBound, schemeEnd < at,
            let colon = url[schemeEnd..<at].firstIndex(of: ":")
        else { return url }
        return url.replacingCharacters(in: url.index(after: colon)..<at, with: "***")
    }

    /// What a PostgreSQL error says, for a message a person reads.
    static func reason(_ error: any Error) -> String {
        if let failure = error as? Failure { return failure.description }
        if let transaction = error as? PostgresTransactionError {
            let inner = transaction.beginError ?? transaction.closureError ?? transaction.commitError
            return inner.map(reason) ?? "the transaction failed"
        }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}
