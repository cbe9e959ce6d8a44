import TetherInterop
import TetherUI

/// Swift→JS round trips, timed in Swift with `ContinuousClock`.
///
/// - `#run-swift-js`: `#n` sequential `js.invoke("benchNoop", i, as: Int.self)` calls after a short
///   warm-up; writes `seq n=N p50_us=.. p99_us=.. mean_us=..` into `#out`.
/// - `#run-swift-js-pipelined`: `#n-pipelined` calls started at once from a task group; writes
///   `pipelined n=N ms=.. per_s=..` into `#out-pipelined`.
///
/// Each result ends with `run=K`, K counting the results of the page.
///
/// Either writes `error: ...` when a call fails.
final class BenchPage: Page {
    static let route = "/_bench/interop"

    @Inject(\.js) var js

    private var n = 2000
    private var pipelinedN = 10_000
    private var out = "idle"
    private var outPipelined = "idle"
    private var runs = 0

    var body: Content {
        h1 { "Interop bench" }
        p {
            label(.for("n")) { "Sequential calls " }
            input(.id("n"), .type("number"), .value(String(n))).onInput { self.n = Int($0.value ?? "") ?? self.n }
            button(.id("run-swift-js"), .type("button")) { "Swift → JS, in a row" }.onClick { await self.runSequential() }
        }
        p { output(.id("out")) { out } }
        p {
            label(.for("n-pipelined")) { "Pipelined calls " }
            input(.id("n-pipelined"), .type("number"), .value(String(pipelinedN)))
                .onInput { self.pipelinedN = Int($0.value ?? "") ?? self.pipelinedN }
            button(.id("run-swift-js-pipelined"), .type("button")) { "Swift → JS, all at once" }
                .onClick { await self.runPipelined() }
        }
        p { output(.id("out-pipelined")) { outPipelined } }
    }

    private func runSequential() async {
        let n = max(1, n)
        out = "running"
        let clock = ContinuousClock()
        var latencies: [Duration] = []
        latencies.reserveCapacity(n)
        do {
            for i in 0..<min(200, n) {
                _ = try await js.invoke("benchNoop", i, as: Int.self)
            }
            for i in 0..<n {
                let start = clock.now
                let result = try await js.invoke("benchNoop", i, as: Int.self)
                latencies.append(clock.now - start)
                guard result == i + 1 else { throw BenchFailure("benchNoop(\(i)) returned \(result)") }
            }
        } catch {
            out = "error: \(error)"
            return
        }
        latencies.sort()
        let total = latencies.reduce(Duration.zero, +)
        out = "seq n=\(n) p50_us=\(Self.micros(latencies[n / 2])) p99_us=\(Self.micros(latencies[min(n - 1, Int(Double(n) * 0.99))]))"
            + " mean_us=\(Self.micros(total / n)) run=\(nextRun())"
    }

    private func runPipelined() async {
        let n = max(1, pipelinedN)
        outPipelined = "running"
        let js = js
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<n {
                    group.addTask {
                        let result = try await js.invoke("benchNoop", i, as: Int.self)
                        guard result == i + 1 else { throw BenchFailure("benchNoop(\(i)) returned \(result)") }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            outPipelined = "error: \(error)"
            return
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        outPipelined = "pipelined n=\(n) ms=\(Int((seconds * 1000).rounded())) per_s=\(Int((Double(n) / seconds).rounded())) run=\(nextRun())"
    }

    /// Numbers each result, so the driver can tell a new one from the last.
    private func nextRun() -> Int {
        runs += 1
        return runs
    }

    static func micros(_ d: Duration) -> Int {
        Int(d.components.seconds) * 1_000_000 + Int(d.components.attoseconds / 1_000_000_000_000)
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
