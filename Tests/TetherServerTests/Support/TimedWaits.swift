import Synchronization
import TetherInterop

/// The default bound on every wait in these tests: a test fails, it never hangs.
let defaultWait: Duration = .seconds(5)

/// A wait that ran out of time, with what was received meanwhile, so the failure explains itself.
struct WaitTimeout: Error, CustomStringConvertible {
    let description: String
}

/// Polls `condition` until it holds or `timeout` passes: for state a test can only look at, such
/// as a metric.
func waitUntil(_ what: String, timeout: Duration = defaultWait, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimeout(description: "timed out waiting until \(what)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// The connection ended while a test still waited for something on it.
struct ConnectionEnded: Error, CustomStringConvertible {
    let description: String
}

/// A value that is produced once. Waiters give up after a timeout instead of hanging.
final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var result: Result<Value, any Error>?
        var waiters: [Int: CheckedContinuation<Value, any Error>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    var isFulfilled: Bool { state.withLock { $0.result != nil } }

    /// Sets the value; only the first call counts.
    func fulfill(_ result: Result<Value, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, any Error>] in
            guard state.result == nil else { return [] }
            state.result = result
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    func value(timeout: Duration = defaultWait, _ what: @autoclosure () -> String) async throws -> Value {
        let what = what()
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        let timer = Task { [weak self] in
            do { try await Task.sleep(for: timeout) } catch { return }
            self?.expire(id, WaitTimeout(description: "timed out after \(timeout) waiting for \(what)"))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let ready = state.withLock { state -> Result<Value, any Error>? in
                    if let result = state.result { return result }
                    state.waiters[id] = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            expire(id, CancellationError())
        }
    }

    private func expire(_ id: Int, _ error: any Error) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.resume(throwing: error)
    }
}

/// Every message the server sent on one connection, in order. A test takes the first message that
/// matches what it expects; messages it skips stay queued for later checks.
final class MessageInbox: Sendable {
    private struct Waiter {
        let matches: @Sendable (JSONValue) -> Bool
        let continuation: CheckedContinuation<JSONValue, any Error>
    }

    private struct State {
        /// Received and not yet taken by a test.
        var queued: [JSONValue] = []
        /// Everything received, for failure messages.
        var log: [JSONValue] = []
        var waiters: [Int: Waiter] = [:]
        var nextID = 0
        var ended: String?
    }

    private let state = Mutex(State())

    /// Every message received so far.
    var log: [JSONValue] { state.withLock { $0.log } }
    /// Messages received and not taken by a test.
    var queued: [JSONValue] { state.withLock { $0.queued } }
    /// Why the connection ended, once it has.
    var endReason: String? { state.withLock { $0.ended } }

    func deliver(_ message: JSONValue) {
        let waiter = state.withLock { state -> Waiter? in
            state.log.append(message)
            // The oldest waiter whose predicate matches gets the message.
            if let id = state.waiters.keys.sorted().first(where: { state.waiters[$0]!.matches(message) }) {
                return state.waiters.removeValue(forKey: id)
            }
            state.queued.append(message)
            return nil
        }
        waiter?.continuation.resume(returning: message)
    }

    /// The connection is gone: every waiter fails now, and so does every later wait that finds
    /// nothing matching in the queue.
    func end(_ reason: String) {
        let waiters = state.withLock { state -> [Waiter] in
            guard state.ended == nil else { return [] }
            state.ended = reason
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return waiters
        }
        let log = self.log
        for waiter in waiters {
            waiter.continuation.resume(throwing: ConnectionEnded(description: "the connection ended (\(reason)); received: \(Self.render(log))"))
        }
    }

    /// Takes the first queued or future message matching `predicate`.
    func take(
        _ what: String, timeout: Duration = defaultWait, where predicate: @escaping @Sendable (JSONValue) -> Bool
    ) async throws -> JSONValue {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        let timer = Task { [weak self] in
            do { try await Task.sleep(for: timeout) } catch { return }
            guard let self else { return }
            self.expire(id, WaitTimeout(description: "timed out after \(timeout) waiting for \(what); received: \(Self.render(self.log))"))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<JSONValue, any Error>) in
                let ready = state.withLock { state -> Result<JSONValue, any Error>? in
                    if let index = state.queued.firstIndex(where: predicate) {
                        return .success(state.queued.remove(at: index))
                    }
                    if let reason = state.ended {
                        return .failure(
                            ConnectionEnded(
                                description: "the connection ended (\(reason)) before \(what); received: \(Self.render(state.log))"))
                    }
                    state.waiters[id] = Waiter(matches: predicate, continuation: continuation)
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            expire(id, CancellationError())
        }
    }

    /// Takes every queued message matching `predicate`, without waiting.
    func takeQueued(where predicate: (JSONValue) -> Bool) -> [JSONValue] {
        state.withLock { state in
            let taken = state.queued.filter(predicate)
            state.queued.removeAll(where: predicate)
            return taken
        }
    }

    private func expire(_ id: Int, _ error: any Error) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume(throwing: error)
    }

    static func render(_ messages: [JSONValue]) -> String {
        messages.isEmpty ? "nothing" : messages.map { abbreviate($0.serialized()) }.joined(separator: ", ")
    }

    static func abbreviate(_ text: String, limit: Int = 300) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
