import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization
import TetherUI

/// Publish and subscribe across every node of a cluster, over PostgreSQL's `LISTEN`/`NOTIFY`: set
/// it as `TetherApp.pubsub` on each node, pointed at the same database, and a message a component
/// publishes on one node reaches the subscribers of its topic on all of them.
///
/// How it travels: one `NOTIFY` channel carries every topic. A message whose notification text
/// would pass ``maxNotifyBytes`` (PostgreSQL refuses 8000 bytes and more) is written to a table,
/// and the notification carries only its row's id; the table (``table``, made if missing) keeps
/// rows for ``retention``. Every node, the publishing one included, receives through its
/// `LISTEN`ing connection, so every node sees the same messages in the same order.
///
/// What is guaranteed:
/// - **At most once.** A node that is down, or whose listening connection is being re-established,
///   misses what is published meanwhile; nothing is replayed. So does a subscriber whose buffer
///   overflows (its oldest messages are dropped, see `PubSubSubscription.droppedCount`).
/// - **Per-topic order is PostgreSQL's commit order**, the same on every node: PostgreSQL delivers
///   notifications in the order their transactions committed, and each node hands them to its
///   subscribers in that order.
/// - Publishing returns once PostgreSQL has committed the message; it does not wait for delivery.
///
/// ``run()`` keeps the listening connection: `TetherService` runs it for the app's pub/sub. When
/// the connection drops, it reconnects with exponential backoff (0.1 s doubling to 5 s).
public final class PostgresPubSub: PubSub {
    /// Why the pub/sub could not be made.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The connection URL cannot be used; the password, if any, is not repeated.
        case invalidURL(String, reason: String)
        /// A channel or table name is not a plain SQL identifier (they are spliced into statements).
        case invalidName(String, role: String)

        public var description: String {
            switch self {
            case .invalidURL(let url, let reason):
                "invalid PostgreSQL URL \(url): \(reason) (expected postgres://user:password@host:port/database)"
            case .invalidName(let name, let role):
                "invalid pub/sub \(role) name \"\(name)\": use letters, digits and underscores, not starting with a digit, at most \(PostgresPubSub.maxNameLength) characters"
            }
        }
    }

    public let limits: PubSubLimits
    /// The `NOTIFY` channel every topic travels on.
    public let channel: String
    /// The table of messages too large for a notification.
    public let table: String
    /// How long a large message's row is kept for the nodes to read it.
    public let retention: Duration
    /// The longest notification text sent; a message whose text would be longer goes through ``table``.
    public static let maxNotifyBytes = 7_900

    private let client: PostgresClient
    private let runningClient: Task<Void, Never>
    private let fanOut = PubSubFanOut()
    private let logger: Logger
    private let tableReady = Atomic(false)
    private let listening = Atomic(false)
    private let closed = Atomic(false)
    private let runs = Atomic(false)

    /// The same bound as the circuit store's table names: the index is named after the table.
    static let maxNameLength = PostgresCircuitStore.maxTableNameLength

    /// A pub/sub on the database `configuration` points at. Its client starts now; it receives
    /// nothing until ``run()`` runs.
    ///
    /// - Parameters:
    ///   - configuration: the database's address and credentials, as postgres-nio takes them.
    ///   - channel: the `NOTIFY` channel; every node of one app must use the same.
    ///   - table: the table of large messages; every node of one app must use the same.
    ///   - limits: the topic and payload bounds and each subscriber's buffer.
    ///   - retention: how long a large message's row is kept; a node that takes longer to read it
    ///     misses it.
    ///   - logger: where the listener reports its reconnects and the messages it skips.
    public init(
        configuration: PostgresClient.Configuration, channel: String = "tether_pubsub", table: String = "tether_pubsub_messages",
        limits: PubSubLimits = PubSubLimits(), retention: Duration = .seconds(60), logger: Logger = Logger(label: "tether.pubsub.postgres")
    ) throws(Failure) {
        guard PostgresCircuitStore.isPlainIdentifier(channel) else { throw Failure.invalidName(channel, role: "channel") }
        guard PostgresCircuitStore.isPlainIdentifier(table) else { throw Failure.invalidName(table, role: "table") }
        self.channel = channel
        self.table = table
        self.limits = limits
        self.retention = retention
        self.logger = logger
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runningClient = Task { await client.run() }
    }

    /// A pub/sub on the database at `url`, such as `postgres://user:password@127.0.0.1:5432/db`,
    /// with TLS as `PostgresCircuitStore(url:)` chooses it.
    public convenience init(
        url: String, channel: String = "tether_pubsub", table: String = "tether_pubsub_messages", limits: PubSubLimits = PubSubLimits(),
        retention: Duration = .seconds(60), logger: Logger = Logger(label: "tether.pubsub.postgres")
    ) throws(Failure) {
        let configuration: PostgresClient.Configuration
        do {
            configuration = try PostgresCircuitStore.configuration(url: url)
        } catch .invalidURL(let shown, let reason) {
            throw .invalidURL(shown, reason: reason)
        } catch {
            throw .invalidURL(url, reason: "\(error)")
        }
        try self.init(configuration: configuration, channel: channel, table: table, limits: limits, retention: retention, logger: logger)
    }

    /// True while the listening connection is up: messages published now reach this node.
    public var isListening: Bool { listening.load(ordering: .acquiring) }

    public func publish(bytes: [UInt8], to topic: String) async throws {
        try limits.check(topic: topic)
        try limits.check(payloadBytes: bytes.count)
        guard !closed.load(ordering: .acquiring) else { throw PubSubError.closed }
        let inline = NotifyText.text(topic: topic, payload: bytes)
        do {
            if inline.utf8.count <= Self.maxNotifyBytes {
                _ = try await client.query("SELECT pg_notify(\(channel), \(inline))", logger: logger).collect()
            } else {
                try await publishThroughTable(bytes, to: topic)
            }
        } catch let error as PubSubError {
            throw error
        } catch {
            throw PubSubError.publishFailed(reason: PostgresCircuitStore.reason(error))
        }
    }

    public func subscribe(to topic: String) throws -> PubSubSubscription {
        try limits.check(topic: topic)
        return fanOut.subscribe(to: topic, buffer: limits.subscriberBuffer)
    }

    /// Listens on ``channel`` and hands each message to this node's subscribers, until cancelled;
    /// a dropped connection is re-established with backoff, and what was published while it was
    /// down is missed. One runs at a time: a second listener would deliver every message twice, so
    /// a call while another runs returns at once.
    public func run() async throws {
        guard runs.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            logger.notice("PostgresPubSub.run() is already running; this call returns")
            return
        }
        defer { runs.store(false, ordering: .releasing) }
        var delay = Self.firstRetryDelay
        while !Task.isCancelled, !closed.load(ordering: .acquiring) {
            do {
                try await ensureTable()
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        listening.store(true, ordering: .releasing)
                        delay = Self.firstRetryDelay
                        logger.debug("listening", metadata: ["channel": "\(channel)"])
                        for try await notification in notifications {
                            await receive(notification.payload)
                        }
                    }
                }
            } catch {
                if Task.isCancelled || closed.load(ordering: .acquiring) { break }
                logger.warning(
                    "the pub/sub's listening connection failed; messages published until it is back are missed",
                    metadata: ["error": "\(PostgresCircuitStore.reason(error))", "retry_in": "\(delay)"])
            }
            listening.store(false, ordering: .releasing)
            guard (try? await Task.sleep(for: delay.jittered)) != nil else { break }
            delay = min(delay * 2, Self.maxRetryDelay)
        }
        listening.store(false, ordering: .releasing)
    }

    /// Ends every subscription, stops ``run()`` and the client; publishing throws
    /// `PubSubError.closed` from now on.
    public func close() async {
        closed.store(true, ordering: .releasing)
        fanOut.endAll()
        runningClient.cancel()
        await runningClient.value
    }

    /// How many subscriptions of `topic` are live on this node.
    package func subscriberCount(of topic: String) -> Int {
        fanOut.subscriberCount(of: topic)
    }

    /// Drops the table: tests give each case a table of its own and leave none behind.
    package func dropTable() async throws {
        _ = try await client.query("DROP TABLE IF EXISTS \(unescaped: table)", logger: logger).collect()
        tableReady.store(false, ordering: .releasing)
    }

    /// Ends every connection listening on ``channel``, as a dropped network would: tests see the
    /// listener come back. Returns how many it ended.
    package func terminateListeningConnections() async throws -> Int {
        let listen = "LISTEN \"\(channel)\";"
        let rows = try await client.query(
            "SELECT count(pg_terminate_backend(pid))::bigint FROM pg_stat_activity WHERE query = \(listen) AND pid <> pg_backend_pid()",
            logger: logger)
        var ended = 0
        for try await count in rows.decode(Int.self) { ended = count }
        return ended
    }

    /// How many large messages the table holds now.
    package func storedMessageCount() async throws -> Int {
        var count = 0
        for try await stored in try await client.query("SELECT count(*)::bigint FROM \(unescaped: table)", logger: logger).decode(Int.self) {
            count = stored
        }
        return count
    }

    /// Sends `text` on ``channel`` as is, as anyone allowed to NOTIFY could.
    package func notifyRaw(_ text: String) async throws {
        _ = try await client.query("SELECT pg_notify(\(channel), \(text))", logger: logger).collect()
    }

    static let firstRetryDelay: Duration = .milliseconds(100)
    static let maxRetryDelay: Duration = .seconds(5)

    // MARK: - Sending and receiving

    /// One statement, so one transaction: the row is committed when the notification is delivered.
    /// It also deletes the rows past ``retention``; `now()` is the transaction's start, which is the
    /// new row's `created_at`, so however slow the statement, it never deletes its own row.
    private func publishThroughTable(_ bytes: [UInt8], to topic: String) async throws {
        try await ensureTable()
        let payload = ByteBuffer(bytes: bytes)
        let seconds = Double(retention.components.seconds) + Double(retention.components.attoseconds) / 1e18
        _ = try await client.query(
            """
            WITH message AS (INSERT INTO \(unescaped: table) (topic, payload) VALUES (\(topic), \(payload)) RETURNING id),
                expired AS (DELETE FROM \(unescaped: table) WHERE created_at < now() - make_interval(secs => \(seconds)))
            SELECT pg_notify(\(channel), \(NotifyText.referencePrefix) || message.id) FROM message
            """, logger: logger
        ).collect()
    }

    private func receive(_ text: String) async {
        switch NotifyText.parse(text) {
        case .inline(let topic, let payload):
            fanOut.deliver(PubSubMessage(topic: topic, payload: payload))
        case .reference(let id):
            do {
                let rows = try await client.query("SELECT topic, payload FROM \(unescaped: table) WHERE id = \(id)", logger: logger)
                var found = false
                for try await (topic, payload) in rows.decode((String, ByteBuffer).self) {
                    found = true
                    fanOut.deliver(PubSubMessage(topic: topic, payload: Array(payload.readableBytesView)))
                }
                if !found {
                    logger.warning("a large pub/sub message was gone before this node read it", metadata: ["id": "\(id)"])
                }
            } catch {
                logger.warning(
                    "could not read a large pub/sub message; it is missed", metadata: ["id": "\(id)", "error": "\(PostgresCircuitStore.reason(error))"])
            }
        case nil:
            // Anyone allowed to NOTIFY on the channel could send this: ignored, never trusted.
            logger.notice("ignored a notification that is not a pub/sub message", metadata: ["bytes": "\(text.utf8.count)"])
        }
    }

    private func ensureTable() async throws {
        guard !tableReady.load(ordering: .acquiring) else { return }
        let statements: [PostgresQuery] = [
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: table) (
                id bigserial PRIMARY KEY,
                topic text NOT NULL,
                payload bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX IF NOT EXISTS \(unescaped: table + "_created_at") ON \(unescaped: table) (created_at)",
        ]
        try await SchemaSetup.create(statements, lockName: "tether_pubsub:" + table, client: client, logger: logger)
        tableReady.store(true, ordering: .releasing)
    }
}

/// The text of a pub/sub notification: `i<topic length in UTF-8 bytes>:<topic><payload in base64>`
/// for a message carried whole, `r<row id>` for one in the table.
enum NotifyText: Equatable {
    case inline(topic: String, payload: [UInt8])
    case reference(Int64)

    static let referencePrefix = "r"

    static func text(topic: String, payload: [UInt8]) -> String {
        "i\(topic.utf8.count):\(topic)\(Data(payload).base64EncodedString())"
    }

    /// The message `text` stands for, or nil for text no node sent.
    static func parse(_ text: String) -> NotifyText? {
        let bytes = Array(text.utf8)
        guard let kind = bytes.first else { return nil }
        switch kind {
        case UInt8(ascii: "r"):
            return Int64(String(decoding: bytes.dropFirst(), as: UTF8.self)).map(NotifyText.reference)
        case UInt8(ascii: "i"):
            guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 1, colon <= 10,
                let length = Int(String(decoding: bytes[1..<colon], as: UTF8.self)), length > 0, length <= bytes.count - colon - 1
            else { return nil }
            let topicEnd = colon + 1 + length
            guard let topic = String(validating: bytes[(colon + 1)..<topicEnd], as: UTF8.self),
                let payload = Data(base64Encoded: String(decoding: bytes[topicEnd...], as: UTF8.self))
            else { return nil }
            return .inline(topic: topic, payload: Array(payload))
        default:
            return nil
        }
    }
}

extension Duration {
    /// Within 20% either side, so nodes that lost the database together do not retry in step.
    fileprivate var jittered: Duration { self * Double.random(in: 0.8...1.2) }
}
