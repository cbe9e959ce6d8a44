import Foundation
import Testing
import TetherPostgres
import TetherServer

/// What every ``CircuitStore`` promises, checked against each of them: the circuit layer relies on
/// nothing else, so a store that passes can stand in for any other.
@Suite("CircuitStore contract")
struct CircuitStoreContractTests {
    @Test("save then load returns every field exactly: empty and 70 KB random snapshots, a unicode URL", arguments: StoreUnderTest.allCases)
    func roundTrip(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let records = [
                Fixture.record(snapshot: []),
                Fixture.record(snapshot: Fixture.randomBytes(70 * 1024)),
                Fixture.record(
                    url: "/pâge/日本語?q=ünïcödé&emoji=🚀#frag", snapshot: Array("{\"count\":3}".utf8), formatVersion: 7,
                    ownerNode: "node-ß-1"),
            ]
            try await store.save(records)
            for record in records {
                let loaded = try await store.load(id: record.id, now: Fixture.now)
                #expect(loaded == record)
            }
        }
    }

    @Test("saving a record whose id exists replaces every field", arguments: StoreUnderTest.allCases)
    func upsertReplaces(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let first = Fixture.record()
            try await store.save([first])
            let second = CircuitRecord(
                id: first.id, secretHash: Fixture.hash(), url: "/other", snapshot: Fixture.randomBytes(100), formatVersion: first.formatVersion + 1,
                ownerNode: "node-2", expiresAt: Fixture.later(seconds: 7_200))
            try await store.save([second])
            #expect(try await store.load(id: first.id, now: Fixture.now) == second)
            // One row, not two: a second save of the same id is not a new circuit.
            #expect(try await store.deleteExpired(now: Fixture.farFuture) == 1)
        }
    }

    @Test("a save leaves alone a live row another node took over, and names it", arguments: StoreUnderTest.allCases)
    func saveRespectsAnotherOwner(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            // Live in real time: the store compares expiry with its own clock when it saves.
            let inAnHour = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3_600).rounded())
            let onA = Fixture.record(ownerNode: "node-a", expiresAt: inAnHour)
            let other = Fixture.record(ownerNode: "node-a", expiresAt: inAnHour)
            #expect(try await store.save([onA, other]).isEmpty)
            let takenOver = Fixture.hash()
            #expect(try await store.replaceSecret(id: onA.id, expected: onA.secretHash, with: takenOver, owner: "node-b", now: Date()))

            var stale = onA
            stale.snapshot = Array("stale".utf8)
            var changed = other
            changed.snapshot = Array("changed".utf8)
            #expect(try await store.save([stale, changed]) == [onA.id], "only the row node B owns is left alone")
            let kept = try #require(try await store.load(id: onA.id, now: Date()))
            #expect(kept.ownerNode == "node-b")
            #expect(kept.secretHash == takenOver)
            #expect(kept.snapshot == onA.snapshot)
            #expect(try await store.load(id: other.id, now: Date())?.snapshot == changed.snapshot)

            // The owner itself goes on saving.
            var byB = kept
            byB.snapshot = Array("newer".utf8)
            #expect(try await store.save([byB]).isEmpty)
            #expect(try await store.load(id: onA.id, now: Date())?.snapshot == byB.snapshot)
        }
    }

    @Test("a row that expired may be taken by any node's save", arguments: StoreUnderTest.allCases)
    func expiredRowIsAnyones(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let old = Fixture.record(ownerNode: "node-a", expiresAt: Fixture.now)
            try await store.save([old])
            var fresh = old
            fresh.ownerNode = "node-b"
            fresh.expiresAt = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3_600).rounded())
            #expect(try await store.save([fresh]).isEmpty)
            #expect(try await store.load(id: old.id, now: Date())?.ownerNode == "node-b")
        }
    }

    @Test("a batch that names an id twice keeps the later record", arguments: StoreUnderTest.allCases)
    func batchWithRepeatedIdKeepsTheLast(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let first = Fixture.record()
            var second = first
            second.snapshot = Array("later".utf8)
            try await store.save([first, Fixture.record(), second])
            #expect(try await store.load(id: first.id, now: Fixture.now) == second)
        }
    }

    @Test("load returns nil for an unknown id and for a record that expired", arguments: StoreUnderTest.allCases)
    func loadMissingOrExpired(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let expired = Fixture.record(expiresAt: Fixture.later(seconds: -1))
            let expiresNow = Fixture.record(expiresAt: Fixture.now)
            let live = Fixture.record(expiresAt: Fixture.later(seconds: 1))
            try await store.save([expired, expiresNow, live])
            #expect(try await store.load(id: "no-such-circuit", now: Fixture.now) == nil)
            #expect(try await store.load(id: expired.id, now: Fixture.now) == nil)
            #expect(try await store.load(id: expiresNow.id, now: Fixture.now) == nil)
            // Still there for an earlier `now`: the store hides expired rows, it did not lose them.
            #expect(try await store.load(id: expired.id, now: Fixture.later(seconds: -2)) == expired)
            #expect(try await store.load(id: live.id, now: Fixture.now) == live)
            #expect(try await store.load(id: live.id, now: Fixture.later(seconds: 2)) == nil)
        }
    }

    @Test("replaceSecret with a wrong expected hash returns false and changes nothing", arguments: StoreUnderTest.allCases)
    func replaceSecretRefusesWrongHash(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let record = Fixture.record()
            try await store.save([record])
            let replaced = try await store.replaceSecret(id: record.id, expected: Fixture.hash(), with: Fixture.hash(), owner: "thief", now: Fixture.now)
            #expect(!replaced)
            #expect(try await store.load(id: record.id, now: Fixture.now) == record)
        }
    }

    @Test("replaceSecret with the right hash stores the new hash and owner; the old hash is refused after", arguments: StoreUnderTest.allCases)
    func replaceSecretRotates(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let record = Fixture.record()
            try await store.save([record])
            let newHash = Fixture.hash()
            #expect(try await store.replaceSecret(id: record.id, expected: record.secretHash, with: newHash, owner: "node-2", now: Fixture.now))
            var expected = record
            expected.secretHash = newHash
            expected.ownerNode = "node-2"
            #expect(try await store.load(id: record.id, now: Fixture.now) == expected)

            #expect(try await !store.replaceSecret(id: record.id, expected: record.secretHash, with: Fixture.hash(), owner: "node-3", now: Fixture.now))
            #expect(try await store.load(id: record.id, now: Fixture.now) == expected)
            // The new hash is the one that works now.
            #expect(try await store.replaceSecret(id: record.id, expected: newHash, with: Fixture.hash(), owner: "node-3", now: Fixture.now))
        }
    }

    @Test("replaceSecret returns false for a missing or an expired record", arguments: StoreUnderTest.allCases)
    func replaceSecretNeedsALiveRecord(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let expired = Fixture.record(expiresAt: Fixture.later(seconds: -1))
            try await store.save([expired])
            #expect(try await !store.replaceSecret(id: "no-such-circuit", expected: expired.secretHash, with: Fixture.hash(), owner: "n", now: Fixture.now))
            #expect(try await !store.replaceSecret(id: expired.id, expected: expired.secretHash, with: Fixture.hash(), owner: "n", now: Fixture.now))
            #expect(try await store.load(id: expired.id, now: Fixture.later(seconds: -2)) == expired)
        }
    }

    @Test("two concurrent replaceSecret with the same expected hash: exactly one wins (20 rounds)", arguments: StoreUnderTest.allCases)
    func concurrentReplaceSecretHasOneWinner(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            for _ in 0..<20 {
                let record = Fixture.record()
                try await store.save([record])
                let contenders = [("node-a", Fixture.hash()), ("node-b", Fixture.hash())]
                let winners: [(owner: String, hash: [UInt8])] = try await withThrowingTaskGroup(of: (String, [UInt8])?.self) { group in
                    for (owner, hash) in contenders {
                        group.addTask {
                            try await store.replaceSecret(id: record.id, expected: record.secretHash, with: hash, owner: owner, now: Fixture.now)
                                ? (owner, hash) : nil
                        }
                    }
                    return try await group.reduce(into: []) { winners, result in
                        if let result { winners.append(result) }
                    }
                }
                try #require(winners.count == 1, "winners: \(winners.map(\.owner))")
                let loaded = try #require(try await store.load(id: record.id, now: Fixture.now))
                #expect(loaded.ownerNode == winners[0].owner)
                #expect(loaded.secretHash == winners[0].hash)
            }
        }
    }

    @Test("delete removes the record and only it; deleting a missing id is no error", arguments: StoreUnderTest.allCases)
    func delete(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let gone = Fixture.record()
            let kept = Fixture.record()
            try await store.save([gone, kept])
            try await store.delete(id: gone.id)
            #expect(try await store.load(id: gone.id, now: Fixture.now) == nil)
            #expect(try await store.load(id: kept.id, now: Fixture.now) == kept)
            try await store.delete(id: gone.id)
            try await store.delete(id: "no-such-circuit")
            #expect(try await store.deleteExpired(now: Fixture.farFuture) == 1)
        }
    }

    @Test("deleteExpired removes expired records, counts them, and leaves live ones", arguments: StoreUnderTest.allCases)
    func deleteExpired(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let expired = [-3_600, -60, -1, 0].map { Fixture.record(expiresAt: Fixture.later(seconds: $0)) }
            let live = [1, 3_600].map { Fixture.record(expiresAt: Fixture.later(seconds: $0)) }
            try await store.save(expired + live)
            #expect(try await store.deleteExpired(now: Fixture.now) == expired.count)
            for record in expired {
                // An earlier `now` would show the record if it were still there.
                #expect(try await store.load(id: record.id, now: Fixture.later(seconds: -7_200)) == nil)
            }
            for record in live {
                #expect(try await store.load(id: record.id, now: Fixture.now) == record)
            }
            #expect(try await store.deleteExpired(now: Fixture.now) == 0)
        }
    }

    @Test("500 records in one save all land", arguments: StoreUnderTest.allCases)
    func largeBatch(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let records = (0..<500).map { _ in Fixture.record(snapshot: Fixture.randomBytes(Int.random(in: 0...2_048))) }
            try await store.save(records)
            for record in records {
                #expect(try await store.load(id: record.id, now: Fixture.now) == record)
            }
            #expect(try await store.deleteExpired(now: Fixture.farFuture) == records.count)
        }
    }

    @Test("saves from 50 concurrent tasks all land", arguments: StoreUnderTest.allCases)
    func concurrentSaves(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let batches = (0..<50).map { task in (0..<(1 + task % 10)).map { _ in Fixture.record() } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for batch in batches {
                    group.addTask { try await store.save(batch) }
                }
                try await group.waitForAll()
            }
            let all = batches.flatMap { $0 }
            for record in all {
                #expect(try await store.load(id: record.id, now: Fixture.now) == record)
            }
            #expect(try await store.deleteExpired(now: Fixture.farFuture) == all.count)
        }
    }
}

/// Records with unique ids and random hashes, and times in whole milliseconds: the precision the
/// stores keep (``CircuitRecord/expiresAt``), so a round trip compares equal.
enum Fixture {
    static let now = later(seconds: 0)
    static let farFuture = Date(timeIntervalSince1970: 4_000_000_000)

    static func later(seconds: Int) -> Date {
        Date(timeIntervalSince1970: Double(1_750_000_000_123 + seconds * 1_000) / 1_000)
    }

    static func hash() -> [UInt8] { randomBytes(32) }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func record(
        url: String = "/counter?start=1", snapshot: [UInt8] = Array("{}".utf8), formatVersion: Int = 1, ownerNode: String = "node-1",
        expiresAt: Date = later(seconds: 3_600)
    ) -> CircuitRecord {
        CircuitRecord(
            id: UUID().uuidString, secretHash: hash(), url: url, snapshot: snapshot, formatVersion: formatVersion, ownerNode: ownerNode,
            expiresAt: expiresAt)
    }
}
