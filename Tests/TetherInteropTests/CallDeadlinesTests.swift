import Testing
import TetherInterop

@Suite("CallDeadlines")
struct CallDeadlinesTests {
    let t0 = ContinuousClock.now

    @Test("deadlines expire earliest first, whatever order they were added in")
    func expiresInOrder() {
        var deadlines = CallDeadlines()
        for (id, ms) in [(1, 300), (2, 100), (3, 200), (4, 50), (5, 400)] {
            deadlines.add(callID: id, limit: .milliseconds(ms), now: t0)
        }
        let expired = deadlines.removeExpired(now: t0.advanced(by: .milliseconds(250)))
        #expect(expired.map(\.callID) == [4, 2, 3])
        #expect(expired.map(\.limit) == [.milliseconds(50), .milliseconds(100), .milliseconds(200)])
        #expect(deadlines.count == 2)
        let none = deadlines.removeExpired(now: t0.advanced(by: .milliseconds(299)))
        #expect(none.isEmpty)
        let rest = deadlines.removeExpired(now: t0.advanced(by: .seconds(1)))
        #expect(rest.map(\.callID) == [1, 5])
    }

    @Test("add reports whether the new deadline is the earliest")
    func addReportsEarliest() {
        var deadlines = CallDeadlines()
        let first = deadlines.add(callID: 1, limit: .seconds(60), now: t0)
        let later = deadlines.add(callID: 2, limit: .seconds(60), now: t0.advanced(by: .milliseconds(1)))
        let sooner = deadlines.add(callID: 3, limit: .milliseconds(100), now: t0)
        #expect(first && !later && sooner)
    }

    @Test("earliest skips the deadlines of calls that already completed")
    func earliestSkipsDead() {
        var deadlines = CallDeadlines()
        deadlines.add(callID: 1, limit: .milliseconds(10), now: t0)
        deadlines.add(callID: 2, limit: .milliseconds(20), now: t0)
        deadlines.add(callID: 3, limit: .milliseconds(30), now: t0)
        let live: Set = [3]
        let next = deadlines.earliest(isPending: live.contains)
        #expect(next == t0.advanced(by: .milliseconds(30)))
        #expect(deadlines.count == 1)
        let none = deadlines.earliest(isPending: { _ in false })
        #expect(none == nil)
        #expect(deadlines.count == 0)
    }

    @Test("completed calls cannot grow the heap without bound")
    func compaction() {
        var deadlines = CallDeadlines()
        var live: Set<Int> = []
        for id in 1...10_000 {
            deadlines.add(callID: id, limit: .seconds(60), now: t0.advanced(by: .microseconds(id)))
            live.insert(id)
            if id % 100 != 0 { live.remove(id) }
            deadlines.compactIfSparse(liveCount: live.count, isPending: live.contains)
            #expect(deadlines.count <= 2 * live.count + 65)
        }
        // The survivors keep their order after compaction.
        let expired = deadlines.removeExpired(now: t0.advanced(by: .seconds(61)))
        #expect(expired.map(\.callID).filter(live.contains) == live.sorted())
    }
}
