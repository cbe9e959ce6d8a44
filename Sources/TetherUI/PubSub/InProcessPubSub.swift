import Synchronization

/// Publish and subscribe within one process: the default `TetherApp.pubsub`. A message reaches
/// the subscribers of its topic in this process only; use a cluster implementation such as
/// `PostgresPubSub` when the app runs on several nodes.
///
/// Guarantees: at most once; per topic, every subscriber receives messages in the order their
/// `publish` calls took the subscriber list, the same order for all of them; a full subscriber
/// buffer drops its oldest message (see ``PubSubSubscription/droppedCount``). `publish` never waits
/// for a subscriber.
public final class InProcessPubSub: PubSub {
    public let limits: PubSubLimits
    private let fanOut = PubSubFanOut()

    /// A pub/sub for this process, with `limits`.
    public init(limits: PubSubLimits = PubSubLimits()) {
        self.limits = limits
    }

    public func publish(bytes: [UInt8], to topic: String) async throws {
        try limits.check(topic: topic)
        try limits.check(payloadBytes: bytes.count)
        fanOut.deliver(PubSubMessage(topic: topic, payload: bytes))
    }

    public func subscribe(to topic: String) throws -> PubSubSubscription {
        try limits.check(topic: topic)
        return fanOut.subscribe(to: topic, buffer: limits.subscriberBuffer)
    }

    /// How many subscriptions of `topic` are live: tests see a subscription end with it.
    package func subscriberCount(of topic: String) -> Int {
        fanOut.subscriberCount(of: topic)
    }
}

/// The subscribers of this process, by topic: every ``PubSub`` hands each message it receives to
/// one of these, which gives it to each subscriber's buffer without waiting for any of them.
package final class PubSubFanOut: Sendable {
    private struct Subscriber: Sendable {
        let continuation: AsyncStream<PubSubMessage>.Continuation
        let drops: DropCount
    }

    private struct State {
        var nextID = 0
        var byTopic: [String: [Int: Subscriber]] = [:]
        var isClosed = false
    }

    private let state = Mutex(State())

    package init() {}

    /// A new subscription of `topic` holding up to `buffer` undelivered messages. After
    /// ``endAll()`` it is already finished.
    package func subscribe(to topic: String, buffer: Int) -> PubSubSubscription {
        let (stream, continuation) = AsyncStream.makeStream(of: PubSubMessage.self, bufferingPolicy: .bufferingNewest(max(1, buffer)))
        let drops = DropCount()
        let id: Int? = state.withLock { state in
            guard !state.isClosed else { return nil }
            defer { state.nextID += 1 }
            state.byTopic[topic, default: [:]][state.nextID] = Subscriber(continuation: continuation, drops: drops)
            return state.nextID
        }
        if let id {
            continuation.onTermination = { [weak self] _ in self?.remove(id, of: topic) }
        } else {
            continuation.finish()
        }
        return PubSubSubscription(topic: topic, stream: stream, continuation: continuation, drops: drops)
    }

    /// Gives `message` to every subscriber of its topic. Under the lock, so that two messages
    /// delivered at once reach all subscribers in the same order; a yield only appends to a buffer.
    package func deliver(_ message: PubSubMessage) {
        state.withLock { state in
            guard let subscribers = state.byTopic[message.topic] else { return }
            for subscriber in subscribers.values {
                if case .dropped = subscriber.continuation.yield(message) {
                    subscriber.drops.increment()
                }
            }
        }
    }

    package func subscriberCount(of topic: String) -> Int {
        state.withLock { $0.byTopic[topic]?.count ?? 0 }
    }

    /// Finishes every subscription, and every later one: the pub/sub closed.
    package func endAll() {
        let ended = state.withLock { state in
            state.isClosed = true
            defer { state.byTopic = [:] }
            return state.byTopic.values.flatMap(\.values)
        }
        // Outside the lock: finishing runs onTermination, which takes it.
        for subscriber in ended { subscriber.continuation.finish() }
    }

    private func remove(_ id: Int, of topic: String) {
        state.withLock { state in
            state.byTopic[topic]?[id] = nil
            if state.byTopic[topic]?.isEmpty == true { state.byTopic[topic] = nil }
        }
    }
}
