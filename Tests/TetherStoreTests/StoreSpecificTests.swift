import Foundation
import Testing
import TetherPostgres
import TetherServer

/// What only the SQLite store can promise or get wrong: its file.
@Suite("SQLiteCircuitStore")
struct SQLiteCircuitStoreTests {
    @Test("records and rotated secrets survive closing and reopening the file; missing folders are created")
    func survivesReopen() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path + "/not/yet/there/circuits.sqlite"
        let records = (0..<20).map { _ in Fixture.record(snapshot: Fixture.randomBytes(8 * 1024)) }
        let newHash = Fixture.hash()

        let first = try await SQLiteCircuitStore(path: path)
        try await first.save(records)
        #expect(try await first.replaceSecret(id: records[0].id, expected: records[0].secretHash, with: newHash, owner: "node-2", now: Fixture.now))
        await first.close()

        let second = try await SQLiteCircuitStore(path: path)
        var rotated = records[0]
        rotated.secretHash = newHash
        rotated.ownerNode = "node-2"
        for record in [rotated] + records.dropFirst() {
            #expect(try await second.load(id: record.id, now: Fixture.now) == record)
        }
        #expect(try await second.deleteExpired(now: Fixture.farFuture) == records.count)
        await second.close()
    }

    @Test("a file that is not a database is refused with an error that names it, and left as it was")
    func notADatabase() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path + "/circuits.sqlite"
        let contents = Data(String(repeating: "this is a text file, not an SQLite database\n", count: 100).utf8)
        try contents.write(to: URL(fileURLWithPath: path))

        let error = await #expect(throws: SQLiteCircuitStore.Failure.self) {
            let store = try await SQLiteCircuitStore(path: path)
            await store.close()
        }
        #expect(error == .notADatabase(path: path))
        #expect(error?.description.contains(path) == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == contents)
    }

    @Test("a path whose folder cannot be made is refused with an error that names it")
    func folderCannotBeMade() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let blocker = folder.path + "/file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))

        let error = await #expect(throws: SQLiteCircuitStore.Failure.self) {
            let store = try await SQLiteCircuitStore(path: blocker + "/circuits.sqlite")
            await store.close()
        }
        guard case .cannotCreateDirectory(let path, _) = error else {
            Issue.record("expected cannotCreateDirectory, got \(String(describing: error))")
            return
        }
        #expect(path == blocker + "/circuits.sqlite")
    }

    @Test("a closed store refuses calls with an error, not a crash")
    func closedStoreRefuses() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path + "/circuits.sqlite"
        let store = try await SQLiteCircuitStore(path: path)
        await store.close()
        await #expect(throws: SQLiteCircuitStore.Failure.closed(path: path)) {
            _ = try await store.load(id: "x", now: Fixture.now)
        }
        await store.close()
    }
}

/// What the PostgreSQL store checks before it ever connects.
@Suite("PostgresCircuitStore configuration")
struct PostgresCircuitStoreConfigurationTests {
    @Test(
        "a URL the store cannot use is refused, and the password is not repeated",
        arguments: [
            ("mysql://user:secret@127.0.0.1/db", "scheme"),
            ("postgres://user:secret@/db", "host"),
            ("postgres://127.0.0.1:5432/db", "user"),
            ("postgres://user:secret@127.0.0.1/db?sslmode=maybe", "sslmode"),
            ("not a url at all", "scheme"),
        ])
    func invalidURL(url: String, complaint: String) async throws {
        let error = #expect(throws: PostgresCircuitStore.Failure.self) {
            _ = try PostgresCircuitStore(url: url)
        }
        guard case .invalidURL(let shown, let reason) = error else {
            Issue.record("expected invalidURL, got \(String(describing: error))")
            return
        }
        #expect(reason.contains(complaint), "reason: \(reason)")
        #expect(!shown.contains("secret"))
        #expect(error?.description.contains("secret") == false)
    }

    @Test("a table name that is not a plain identifier is refused", arguments: ["", "1circuits", "circuits; DROP TABLE x", "a.b", String(repeating: "t", count: 60)])
    func invalidTableName(name: String) async throws {
        #expect(throws: PostgresCircuitStore.Failure.invalidTableName(name)) {
            _ = try PostgresCircuitStore(url: "postgres://user@127.0.0.1:1/db", table: name)
        }
    }
}

/// Nodes sharing a PostgreSQL store compare their signing keys' fingerprints when they open it: a
/// node whose key differs from a live node's is refused and not recorded.
@Suite("PostgresCircuitStore node registration")
struct PostgresNodeRegistrationTests {
    @Test("the first node records its fingerprint; one with the same key joins; one with another is refused, naming both")
    func fingerprintsMustMatch() async throws {
        try await withSharedTable { open in
            let (a, b, c) = (try open(), try open(), try open())
            try await a.register(node: "node-a", keyFingerprint: "aaaaaaaaaaaaaaaa")
            try await b.register(node: "node-b", keyFingerprint: "aaaaaaaaaaaaaaaa")
            // Registering again is the heartbeat.
            try await a.register(node: "node-a", keyFingerprint: "aaaaaaaaaaaaaaaa")
            let refused = DescriptorSigner.KeyError.differsFromOtherNodes(
                node: "node-c", fingerprint: "cccccccccccccccc", others: ["node-a": "aaaaaaaaaaaaaaaa", "node-b": "aaaaaaaaaaaaaaaa"])
            await #expect(throws: refused) { try await c.register(node: "node-c", keyFingerprint: "cccccccccccccccc") }
            // The refused node was not recorded: a node with the first key still joins.
            try await c.register(node: "node-d", keyFingerprint: "aaaaaaaaaaaaaaaa")
            // A node restarted under its own name with a new key is refused while the others live.
            let restarted = DescriptorSigner.KeyError.differsFromOtherNodes(
                node: "node-b", fingerprint: "bbbbbbbbbbbbbbbb", others: ["node-a": "aaaaaaaaaaaaaaaa", "node-d": "aaaaaaaaaaaaaaaa"])
            await #expect(throws: restarted) { try await b.register(node: "node-b", keyFingerprint: "bbbbbbbbbbbbbbbb") }
            for store in [a, b, c] { await store.close() }
        }
    }

    @Test("nodes that stopped cleanly leave the list: the cluster can restart with a new key at once")
    func cleanStopsLeave() async throws {
        try await withSharedTable { open in
            let (a, b) = (try open(), try open())
            try await a.register(node: "node-a", keyFingerprint: "aaaaaaaaaaaaaaaa")
            try await b.register(node: "node-b", keyFingerprint: "aaaaaaaaaaaaaaaa")
            let early = try open()
            await #expect(throws: DescriptorSigner.KeyError.self) { try await early.register(node: "node-a", keyFingerprint: "eeeeeeeeeeeeeeee") }
            await early.close()
            await a.close()
            await b.close()
            let renewed = try open()
            try await renewed.register(node: "node-a", keyFingerprint: "eeeeeeeeeeeeeeee")
            await renewed.close()
        }
    }

    /// Runs `body` with a way to open stores on one new table, as nodes of one cluster do; the
    /// table goes when it returns.
    private func withSharedTable(_ body: (_ open: () throws -> PostgresCircuitStore) async throws -> Void) async throws {
        let owner = try await PostgresUnderTest.open()
        let url = try #require(ProcessInfo.processInfo.environment[PostgresUnderTest.urlVariable])
        let outcome: Result<Void, any Error>
        do {
            try await body { try PostgresCircuitStore(url: url, table: owner.table) }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try? await owner.dropTable()
        await owner.close()
        try outcome.get()
    }
}
