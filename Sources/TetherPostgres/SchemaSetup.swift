import Logging
import PostgresNIO

/// Creates tables and indexes that may be missing, safely when several nodes start at once.
enum SchemaSetup {
    /// Runs `statements` (each `CREATE … IF NOT EXISTS`) in one transaction under an advisory
    /// lock named `lockName`. `IF NOT EXISTS` is not safe against itself: two nodes starting at
    /// once can both decide to create a table, and one fails. The lock makes the second wait,
    /// then find it.
    static func create(_ statements: [PostgresQuery], lockName: String, client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockName)))", logger: logger).collect()
            for statement in statements {
                _ = try await connection.query(statement, logger: logger).collect()
            }
        }
    }
}
