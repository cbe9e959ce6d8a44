import Logging
import Testing
@testable import TetherInterop

/// The pure parts of the defences against hostile browsers: escaping, the log's rate limit, the
/// memory budget and the invocation gate.
@Suite("Hostile input: escaping, log rate, budget, invocation gate")
struct HostileInputLimitsTests {
    @Test("browser text in logs: control and bidi characters are escaped, backslashes doubled, length clipped")
    func logSafe() {
        #expect(LogSafe.clip("x\nFORGED: admin logged in") == #"x\u{a}FORGED: admin logged in"#)
        #expect(LogSafe.clip("a\r\u{2028}b\u{202E}c\u{7}") == #"a\u{d}\u{2028}b\u{202e}c\u{7}"#)
        #expect(LogSafe.clip(#"back\slash"#) == #"back\\slash"#)
        #expect(LogSafe.clip("héllo ✓") == "héllo ✓")
        let long = LogSafe.clip(String(repeating: "a", count: 10_000))
        #expect(long.hasPrefix(String(repeating: "a", count: LogSafe.maxCharacters)))
        #expect(long.hasSuffix("…(\(10_000 - LogSafe.maxCharacters) more)"))
        #expect(!long.contains("\n"))
    }

    @Test("the refusal log writes a burst, then one line with a count per interval")
    func refusalRate() {
        var policy = RefusalLogPolicy(burst: 3, interval: .seconds(10))
        let start = ContinuousClock.now
        let first = (0..<3).map { policy.decide(now: start + .milliseconds($0)) }
        #expect(first == [.log, .log, .log])
        let flood = (0..<10_000).map { policy.decide(now: start + .milliseconds(5 + $0 / 10)) }
        #expect(flood.allSatisfy { $0 == .suppress })
        #expect(policy.decide(now: start + .seconds(11)) == .logWithSuppressed(10_000))
        #expect(policy.decide(now: start + .seconds(12)) == .suppress)
        #expect(policy.decide(now: start + .seconds(30)) == .logWithSuppressed(1))
    }

    @Test("a budget refuses past its limit, counts forced bytes past it, and reports the hard bound")
    func budget() {
        let budget = MemoryBudget(limit: 1000)
        #expect(budget.hardLimit == 1250)
        #expect(budget.tryReserve(900))
        #expect(!budget.tryReserve(200))
        #expect(budget.forceReserve(300), "1200 is past the limit but under the hard bound")
        #expect(!budget.forceReserve(100), "1300 is past the hard bound")
        #expect(!budget.tryReserve(Int.max), "no overflow")
        budget.release(1300)
        #expect(budget.bytesInUse == 0)
        #expect(MemoryBudget(limit: Int.max).hardLimit == Int.max)
    }

    @Test("an account returns what its circuit held when it closes, and nothing twice")
    func account() {
        let budget = MemoryBudget(limit: 1000)
        let a = BudgetAccount(budget)
        let b = BudgetAccount(budget)
        #expect(a.tryReserve(600))
        #expect(!b.tryReserve(600), "the budget is shared by the client's circuits")
        a.close()
        #expect(budget.bytesInUse == 0)
        a.release(600)
        #expect(budget.bytesInUse == 0, "a late release after close changes nothing")
        #expect(!a.tryReserve(1), "a closed account takes nothing")
        #expect(b.tryReserve(600))
    }

    @Test("the gate runs up to its limit, queues in order, refuses past the queue, and pauses while congested")
    func gate() {
        var gate = InvocationGate<Int>(maxRunning: 2, maxWaiting: 2)
        guard case .run(1) = gate.arrive(1), case .run(2) = gate.arrive(2) else { Issue.record("the first two run"); return }
        guard case .wait = gate.arrive(3), case .wait = gate.arrive(4) else { Issue.record("the next two wait"); return }
        guard case .refuse(let message) = gate.arrive(5) else { Issue.record("the fifth is refused"); return }
        #expect(message.contains("2 running and 2 waiting"))
        #expect(gate.finished() == 3)
        #expect(gate.setCongested(true).isEmpty)
        #expect(gate.finished() == nil, "nothing starts while the socket is congested")
        guard case .wait = gate.arrive(6) else { Issue.record("a congested gate queues"); return }
        #expect(gate.setCongested(false) == [4], "one slot is free: the oldest waiting starts")
        #expect(gate.finished() == 6)
        #expect(gate.drain().isEmpty)
    }

    @Test("the gate keeps its order and its memory linear over a long burst")
    func gateBurst() {
        var gate = InvocationGate<Int>(maxRunning: 1, maxWaiting: 100_000)
        guard case .run(0) = gate.arrive(0) else { Issue.record("first runs"); return }
        for i in 1..<50_000 { _ = gate.arrive(i) }
        var order: [Int] = []
        while let next = gate.finished() { order.append(next) }
        #expect(order == Array(1..<50_000))
        #expect(gate.waitingCount == 0)
    }

    @Test("byte arrays no call claimed are freed when the socket drops, not kept with the retained circuit")
    func segmentsFreedOnDisconnect() throws {
        let budget = MemoryBudget(limit: 1 << 20)
        let channel = InteropChannel(outbox: nil, options: InteropOptions(), budget: BudgetAccount(budget), logger: Logger(label: "test"))
        try channel.receiveBinary([1, 0, 0, 0] + Array(repeating: 7, count: 100_000))
        #expect(budget.bytesInUse >= 100_000)
        channel.disconnect()
        #expect(budget.bytesInUse == 0)
        channel.close()
        #expect(budget.bytesInUse == 0)
    }

    @Test("estimated sizes never trap, whatever the value")
    func estimates() {
        let deep = (0..<1000).reduce(JSONValue.null) { inner, _ in .array([inner]) }
        #expect(MemoryCost.of(deep) > 1000)
        #expect(MemoryCost.of(.number(String(repeating: "9", count: 20_000))) > 20_000)
    }
}
