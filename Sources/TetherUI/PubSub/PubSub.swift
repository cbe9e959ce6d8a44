import Foundation
import Synchronization

/// Publish and subscribe between circuits: a component publishes a payload to a topic, and every
/// subscriber of that topic receives it, on this node or, with a cluster implementation such as
/// `PostgresPubSub`, on every node. Register one on `TetherApp.pubsub`; components reach it with
/// `@Inject(\.pubsub) var pubsub` and subscribe with ``ComponentBase/subscribe(to:_:)``.
///
/// What every implementation promises:
/// - **At most once.** A message reaches each subscriber once or not at all; nothing is retried
///   or stored for a subscriber that was not there.
/// - **Per-topic order.** Every subscriber of a topic receives its messages in one order, the same
///   for all subscribers (on every node, for a cluster implementation).
/// - **A slow subscriber blocks no one.** Each subscription buffers up to
///   ``PubSubLimits/subscriberBuffer`` messages; when a message arrives to a full buffer the
///   oldest buffered one is dropped and ``PubSubSubscription/droppedCount`` goes up. Publishers
///   and the other subscribers never wait for it.
///
/// Topics and payloads are checked against ``limits`` before anything is sent, because a
/// browser may make a component publish whatever it types: a bad one throws a ``PubSubError``.
public protocol PubSub: Sendable {
    /// The bounds on topics, payloads and subscriber buffers.
    var limits: PubSubLimits { get }

    /// Sends `bytes` to every subscriber of `topic`. Returns once the message is handed to the
    /// transport; it does not wait for delivery. Throws ``PubSubError``.
    func publish(bytes: [UInt8], to topic: String) async throws

    /// Starts receiving the messages published to `topic` from now on. The subscription ends when
    /// the task iterating it is cancelled or when it is ended with ``PubSubSubscription/end()``.
    /// Throws ``PubSubError`` for a topic ``limits`` refuse.
    func subscribe(to topic: String) throws -> PubSubSubscription

    /// The long-lived work the implementation needs, such as a listening database connection; it
    /// returns when cancelled. `TetherService` runs it for the app's pub/sub while it serves. The
    /// default does nothing and returns at once.
    func run() async throws
}

extension PubSub {
    public func run() async throws {}

    /// Publishes `value` as JSON to every subscriber of `topic`; receive it with
    /// ``PubSubMessage/decode(_:)`` or ``ComponentBase/subscribe(to:as:_:)``.
    public func publish(_ value: some Encodable, to topic: String) async throws {
        try await publish(bytes: PubSubMessage.encode(value), to: topic)
    }
}

/// The bounds a ``PubSub`` enforces.
public struct PubSubLimits: Sendable, Equatable {
    /// The longest topic, in UTF-8 bytes.
    public var maxTopicBytes = 200
    /// The largest payload, in bytes: 1 MiB by default.
    public var maxPayloadBytes = 1 << 20
    /// How many messages a subscription holds for a subscriber that has not taken them yet; past
    /// that, the oldest is dropped (counted in ``PubSubSubscription/droppedCount``).
    public var subscriberBuffer = 256

    /// The defaults: topics up to 200 bytes, payloads up to 1 MiB, 256 buffered messages.
    public init() {}

    /// Throws unless `topic` is one a pub/sub accepts: not empty, at most ``maxTopicBytes`` UTF-8
    /// bytes, and without control characters (they would reach logs and SQL text).
    public func check(topic: String) throws(PubSubError) {
        guard !topic.isEmpty else { throw .invalidTopic(.empty) }
        let bytes = topic.utf8.count
        guard bytes <= maxTopicBytes else { throw .invalidTopic(.tooLong(bytes: bytes, limit: maxTopicBytes)) }
        if let offset = topic.unicodeScalars.firstIndex(where: { $0.properties.generalCategory == .control }) {
            let scalar = topic.unicodeScalars[offset]
            throw .invalidTopic(.controlCharacter(codePoint: scalar.value, utf8Offset: topic.utf8.distance(from: topic.startIndex, to: offset)))
        }
    }

    /// Throws unless a payload of `count` bytes is within ``maxPayloadBytes``.
    public func check(payloadBytes count: Int) throws(PubSubError) {
        guard count <= maxPayloadBytes else { throw .payloadTooLarge(bytes: count, limit: maxPayloadBytes) }
    }
}

/// Why a ``PubSub`` refused or failed a call.
public enum PubSubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The topic is not one ``PubSubLimits/check(topic:)`` accepts.
    case invalidTopic(TopicProblem)
    /// The payload is larger than ``PubSubLimits/maxPayloadBytes``.
    case payloadTooLarge(bytes: Int, limit: Int)
    /// A value could not be encoded as JSON for ``PubSub/publish(_:to:)``.
    case encodingFailed(type: String, reason: String)
    /// A message's payload is not the JSON of the type asked for.
    case decodingFailed(topic: String, type: String, reason: String)
    /// The transport did not take the message (a database error, for example); it was not sent.
    case publishFailed(reason: String)
    /// The pub/sub was closed.
    case closed

    /// What is wrong with a topic.
    public enum TopicProblem: Sendable, Equatable, CustomStringConvertible {
        /// The topic is the empty string.
        case empty
        /// The topic has more UTF-8 bytes than the limit.
        case tooLong(bytes: Int, limit: Int)
        /// The topic holds a control character (U+0000–U+001F, U+007F–U+009F).
        case controlCharacter(codePoint: UInt32, utf8Offset: Int)

        public var description: String {
            switch self {
            case .empty: "the topic is empty"
            case .tooLong(let bytes, let limit): "the topic is \(bytes) UTF-8 bytes long; the limit is \(limit)"
            case .controlCharacter(let codePoint, let offset):
                "the topic holds control character U+\(String(codePoint, radix: 16, uppercase: true).leftPadded(to: 4)) at UTF-8 offset \(offset)"
            }
        }
    }

    public var description: String {
        switch self {
        case .invalidTopic(let problem): "invalid pub/sub topic: \(problem)"
        case .payloadTooLarge(let bytes, let limit): "the pub/sub payload is \(bytes) bytes; the limit is \(limit)"
        case .encodingFailed(let type, let reason): "could not encode a \(type) as JSON to publish: \(reason)"
        case .decodingFailed(let topic, let type, let reason):
            "a message on topic \"\(topic)\" is not the JSON of a \(type): \(reason)"
        case .publishFailed(let reason): "the message was not published: \(reason)"
        case .closed: "the pub/sub is closed"
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A message a subscriber received.
public struct PubSubMessage: Sendable, Equatable {
    /// The topic it was published to.
    public let topic: String
    /// The bytes it was published with.
    public let payload: [UInt8]

    /// A message of `payload` on `topic`.
    public init(topic: String, payload: [UInt8]) {
        self.topic = topic
        self.payload = payload
    }

    /// The payload decoded from JSON, as published with ``PubSub/publish(_:to:)``. Throws
    /// ``PubSubError/decodingFailed(topic:type:reason:)``: anyone who may publish to the topic
    /// chose these bytes.
    public func decode<Value: Decodable>(_ type: Value.Type = Value.self) throws(PubSubError) -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(payload))
        } catch {
            throw .decodingFailed(topic: topic, type: "\(Value.self)", reason: "\(error)")
        }
    }

    static func encode(_ value: some Encodable) throws(PubSubError) -> [UInt8] {
        do {
            return try Array(JSONEncoder().encode(value))
        } catch {
            throw .encodingFailed(type: "\(type(of: value))", reason: "\(error)")
        }
    }
}

/// The messages of one topic, from when it was subscribed, as an `AsyncSequence`. Iterate it
/// once (it has one consumer); the subscription ends when the task iterating it is cancelled or
/// when ``end()`` is called. Code that stops iterating early (a `break`) calls ``end()``: the
/// pub/sub keeps a subscription until one of those happens.
///
/// A subscriber that falls behind loses the oldest of its buffered messages, never the newest:
/// see ``droppedCount``.
public struct PubSubSubscription: AsyncSequence, Sendable {
    public typealias Element = PubSubMessage
    public typealias Failure = Never

    /// The topic subscribed to.
    public let topic: String
    let stream: AsyncStream<PubSubMessage>
    let continuation: AsyncStream<PubSubMessage>.Continuation
    let drops: DropCount

    /// How many messages were dropped, oldest first, because this subscriber's buffer was full.
    public var droppedCount: Int { drops.value }

    /// Ends the subscription: no message reaches it from now on, and its iteration finishes once
    /// it has taken those already buffered.
    public func end() {
        continuation.finish()
    }

    public func makeAsyncIterator() -> AsyncStream<PubSubMessage>.Iterator {
        stream.makeAsyncIterator()
    }
}

/// A count written by publishers and read by the subscriber, on any thread.
final class DropCount: Sendable {
    private let count = Atomic(0)
    var value: Int { count.load(ordering: .relaxed) }
    func increment() { count.add(1, ordering: .relaxed) }
}

extension ServiceValues {
    /// The app's publish/subscribe: `TetherApp.pubsub`. Outside an app (a component test host),
    /// one in-process pub/sub shared by the whole process.
    public var pubsub: any PubSub {
        get { self[PubSubKey.self] }
        set { self[PubSubKey.self] = newValue }
    }
}

private enum PubSubKey: ServiceKey {
    static let defaultValue: any PubSub = InProcessPubSub()
}
