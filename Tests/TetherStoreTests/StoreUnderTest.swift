import Foundation
import Testing
import TetherPostgres
import TetherServer

/// The stores the contract runs against. Each test case gets a new, empty store of its own: a
/// memory store, an SQLite file in a new temporary folder, or a PostgreSQL table of its own, so the
/// cases run in parallel without seeing each other's rows.
enum StoreUnderTest: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a new store, then closes it (and drops the PostgreSQL table) whether or not
    /// `body` threw.
    func withStore(_ body: (any CircuitStore) async throws -> Void) async throws {
        let opened = try await open()
        do {
            try await body(opened.store)
        } catch {
            await opened.dispose()
            throw error
        }
        await opened.dispose()
    }

    private struct Opened {
        let store: any CircuitStore
        let dispose: () async -> Void
    }

    private func open() async throws -> Opened {
        switch self {
        case .memory:
            let store = MemoryCircuitStore()
            return Opened(store: store, dispose: { await store.close() })
        case .sqlite:
            let folder = try TemporaryFolder()
            let store = try await SQLiteCircuitStore(path: folder.path + "/circuits.sqlite")
            return Opened(store: store, dispose: {
                await store.close()
                folder.remove()
            })
        case .postgres:
            let store = try await PostgresUnderTest.open()
            return Opened(store: store, dispose: {
                try? await store.dropTable()
                await store.close()
            })
        }
    }
}

/// Where the PostgreSQL cases find their server: `TETHER_TEST_POSTGRES_URL` (scripts/postgres
/// prints it). Without it the cases are cancelled, each with a warning that says why, unless
/// `TETHER_REQUIRE_POSTGRES=1` says that a missing server is a failure (scripts/test sets it).
/// A URL that is set but does not answer is always a failure: someone meant it to be used.
enum PostgresUnderTest {
    static let urlVariable = "TETHER_TEST_POSTGRES_URL"
    static let requireVariable = "TETHER_REQUIRE_POSTGRES"
    /// How long the first statement may take before the server counts as unreachable.
    static let connectTimeout: Duration = .seconds(15)

    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    static func open() async throws -> PostgresCircuitStore {
        let url = try serverURL()
        // A table per case: parallel cases never see each other's rows, and deleteExpired's count
        // is this case's alone.
        let table = uniqueName()
        let store = try PostgresCircuitStore(url: url, table: table)
        do {
            try await withDeadline(connectTimeout) { try await store.prepare() }
        } catch {
            await store.close()
            throw unavailable(url, error)
        }
        return store
    }

    /// A table (or channel) name no other case uses.
    static func uniqueName() -> String {
        "tether_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    }

    static func unavailable(_ url: String, _ error: any Error) -> Unavailable {
        let server = URLComponents(string: url).map { "\($0.host ?? "?"):\($0.port ?? 5432)" } ?? "?"
        return Unavailable(description: "the PostgreSQL server at \(server) (\(urlVariable)) does not answer: \(error)")
    }

    /// The server's URL, or the case is cancelled (or fails, when one is required).
    static func serverURL() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let required = environment[requireVariable] == "1"
        guard let url = environment[urlVariable], !url.isEmpty else {
            if required {
                throw Unavailable(description: "\(requireVariable)=1 but \(urlVariable) is not set: start a server with `eval \"$(scripts/postgres start DIR)\"`")
            }
            // A warning, so the summary says so: a cancelled case alone is not shown.
            let reason = "PostgreSQL case not run: \(urlVariable) is not set (scripts/postgres start DIR prints it; scripts/test sets it)"
            Issue.record(Comment(rawValue: reason), severity: .warning)
            try Test.cancel(Comment(rawValue: reason))
        }
        return url
    }
}

/// A folder under the system's temporary folder, for one test's files.
struct TemporaryFolder: Sendable {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tether-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "no answer within \(limit)" }
}

/// Runs `body`, or throws ``DeadlineExceeded`` when it takes longer than `limit`.
func withDeadline<Result: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
    try await withThrowingTaskGroup(of: Result.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw DeadlineExceeded(limit: limit)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
