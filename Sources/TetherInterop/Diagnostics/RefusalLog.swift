import Logging
import Synchronization

/// When to write a refusal to the log, so one browser cannot flood it: the first `burst` of a
/// socket's refusals in full, then nothing but a count, written at most once per `interval`.
package struct RefusalLogPolicy {
    package enum Decision: Equatable {
        case log
        /// Log this one, and say how many were left out since the last line.
        case logWithSuppressed(Int)
        case suppress
    }

    package let burst: Int
    package let interval: Duration
    private var logged = 0
    private var suppressed = 0
    private var lastLine: ContinuousClock.Instant?

    package init(burst: Int = 5, interval: Duration = .seconds(10)) {
        self.burst = burst
        self.interval = interval
    }

    package mutating func decide(now: ContinuousClock.Instant) -> Decision {
        if logged < burst {
            logged += 1
            lastLine = now
            return .log
        }
        guard let lastLine, now - lastLine < interval else {
            let count = suppressed
            suppressed = 0
            self.lastLine = now
            return count > 0 ? .logWithSuppressed(count) : .log
        }
        suppressed += 1
        return .suppress
    }
}

/// A circuit's refusals, logged under `RefusalLogPolicy` with every browser-chosen string escaped.
package final class RefusalLog: Sendable {
    private let policy: Mutex<RefusalLogPolicy>
    private let logger: Logger

    package init(logger: Logger, policy: RefusalLogPolicy = RefusalLogPolicy()) {
        self.logger = logger
        self.policy = Mutex(policy)
    }

    /// `reason` may hold browser text: it is escaped and clipped here. `metadata` adds to the
    /// logger's own, such as the circuit a store-wide log refuses for.
    package func refused(_ what: Logger.Message, reason: String, level: Logger.Level = .notice, metadata more: Logger.Metadata = [:]) {
        let decision = policy.withLock { $0.decide(now: .now) }
        var metadata: Logger.Metadata = more.merging(["reason": LogSafe.metadata(reason)]) { $1 }
        switch decision {
        case .suppress: return
        case .log: break
        case .logWithSuppressed(let count): metadata["suppressed"] = "\(count)"
        }
        logger.log(level: level, what, metadata: metadata)
    }
}
