import Foundation
import Synchronization
import Testing
import TetherInterop
import TetherServer

/// How many calls were computing at once, at most.
private final class Occupancy: Sendable {
    private let counts = Mutex((now: 0, most: 0))

    func enter() { counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
    func leave() { counts.withLock { $0.now -= 1 } }
    var most: Int { counts.withLock { $0.most } }
}

@Suite("One browser's Swift work holds one thread of the pool at a time")
struct InvocationLaneTests {
    /// Computes without awaiting for `milliseconds`, after one suspension: the shape that held
    /// every core when a circuit's calls ran in parallel (a first segment that returns at once
    /// lets the socket read the next call).
    private static func computing(_ occupancy: Occupancy) -> (inout TetherApp) -> Void {
        { app in
            app.exports.module("Lane") { lane in
                lane.expose("Compute") { (milliseconds: Int) async in
                    await Task.yield()
                    occupancy.enter()
                    let end = ContinuousClock.now + .milliseconds(min(max(milliseconds, 0), 100))
                    var spins = 0
                    while ContinuousClock.now < end { spins &+= 1 }
                    occupancy.leave()
                    return spins > 0
                }
            }
        }
    }

    @Test("sixteen calls that compute after their first await take turns, and all answer")
    func callsOfOneCircuitTakeTurns() async throws {
        let occupancy = Occupancy()
        try await withDemoServer(configure: Self.computing(occupancy)) { server in
            let (client, _) = try await server.startCircuit("/counter")
            let calls = (1...16).map { id -> JSONValue in ["inv", .number(String(id)), "Lane", "Compute", [20]] }
            try await client.sendText(JSONValue.array(calls).serialized())
            for id in 1...16 {
                #expect(try await client.nextResult(id: id).value == true)
            }
        }
        // Before the lane, two cores ran two of them at a time.
        #expect(occupancy.most == 1)
    }

    @Test(
        "two circuits compute side by side: the lane is per circuit, not per server",
        .enabled(if: ProcessInfo.processInfo.activeProcessorCount >= 2, "needs two threads in the pool"))
    func circuitsDoNotShareALane() async throws {
        let arrived = Mutex(0)
        try await withDemoServer(configure: { app in
            app.exports.module("Lane") { lane in
                // Computes, without awaiting, until the other circuit's call computes too (or 5 s
                // pass): on one lane shared by both, the second could not start meanwhile.
                lane.expose("Meet") { () async in
                    await Task.yield()
                    arrived.withLock { $0 += 1 }
                    let deadline = ContinuousClock.now + .seconds(5)
                    while arrived.withLock({ $0 }) < 2, ContinuousClock.now < deadline {}
                    return arrived.withLock { $0 } >= 2
                }
            }
        }) { server in
            let (first, _) = try await server.startCircuit("/counter")
            let (second, _) = try await server.startCircuit("/counter")
            try await first.send(["inv", 1, "Lane", "Meet", []])
            try await second.send(["inv", 1, "Lane", "Meet", []])
            #expect(try await first.nextResult(id: 1).value == true)
            #expect(try await second.nextResult(id: 1).value == true)
        }
    }
}
