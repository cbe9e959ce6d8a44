import Synchronization
import TetherInterop
import TetherProtocol

/// A `.call` message as the browser would receive it.
struct RecordedCall: Sendable {
    let id: Int
    let identifier: String
    /// The packed argument list as JSON text, exactly as it would go on the wire.
    let arguments: String
    let mode: ResultMode
    /// 0 for `window`, otherwise the JS object the call is made on.
    let target: Int
    let operation: ObjectOperation

    /// The argument list, parsed.
    func parsedArguments() throws -> [JSONValue] {
        let value = try JSONParser.parse(arguments)
        guard case .array(let items) = value else {
            throw OutboxWaitError("arguments of call \(id) are not a JSON array: \(arguments)")
        }
        return items
    }
}

/// An `.invocationResult` message: the answer to a JS→Swift invocation.
struct RecordedInvocationResult: Sendable {
    let id: Int
    let outcome: InvocationOutcome

    var successJSON: String? {
        if case .success(let json) = outcome { return json }
        return nil
    }

    var failureMessage: String? {
        if case .failure(let message) = outcome { return message }
        return nil
    }
}

struct OutboxWaitError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An in-memory transport: it records every message the interop core enqueues, so a test can
/// play the browser by reading `.call` messages and completing them on the channel.
final class RecordingOutbox: InteropOutbox {
    private let messages = Mutex<[InteropMessage]>([])

    func enqueue(_ message: InteropMessage) {
        messages.withLock { $0.append(message) }
    }

    /// Everything enqueued so far, in order.
    var all: [InteropMessage] { messages.withLock { $0 } }

    var isEmpty: Bool { messages.withLock { $0.isEmpty } }

    /// The `.call` messages enqueued so far, in order.
    var calls: [RecordedCall] {
        all.compactMap {
            if case .call(let id, let identifier, let arguments, let mode, let target, let operation) = $0 {
                return RecordedCall(
                    id: id, identifier: identifier, arguments: arguments, mode: mode, target: target, operation: operation)
            }
            return nil
        }
    }

    /// The `.invocationResult` messages enqueued so far, in order.
    var invocationResults: [RecordedInvocationResult] {
        all.compactMap {
            if case .invocationResult(let id, let outcome) = $0 { return RecordedInvocationResult(id: id, outcome: outcome) }
            return nil
        }
    }

    /// Waits until at least `count` calls have been enqueued and returns the first `count`.
    ///
    /// The deadline only guards against a hung test; a passing test never comes near it.
    func waitForCalls(_ count: Int, deadline: Duration = .seconds(30)) async throws -> [RecordedCall] {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while true {
            let calls = self.calls
            if calls.count >= count { return Array(calls.prefix(count)) }
            guard clock.now < end else {
                throw OutboxWaitError("waited \(deadline) for \(count) calls, saw \(calls.count)")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Waits for the first call to be enqueued.
    func waitForCall() async throws -> RecordedCall {
        try await waitForCalls(1)[0]
    }
}

/// Sorts object members by key, recursively, so JSON from an encoder with no fixed key order can
/// be compared structurally.
func normalized(_ value: JSONValue) -> JSONValue {
    switch value {
    case .array(let items): .array(items.map(normalized))
    case .object(let members): .object(members.map { (key: $0.key, value: normalized($0.value)) }.sorted { $0.key < $1.key })
    default: value
    }
}

/// A deterministic random number generator, so shuffled orders are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A channel wired to a fresh recording outbox.
func makeChannel(_ options: InteropOptions = InteropOptions()) -> (InteropChannel, RecordingOutbox, JSRuntime) {
    let outbox = RecordingOutbox()
    let channel = InteropChannel(outbox: outbox, options: options)
    return (channel, outbox, JSRuntime(channel: channel))
}
