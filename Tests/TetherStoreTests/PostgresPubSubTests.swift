import Foundation
import Synchronization
import Testing
@testable import TetherPostgres
import TetherUI

/// Two `PostgresPubSub`s on one database stand for two nodes. Each case has a channel and table of
/// its own, so cases run in parallel without hearing each other.
@Suite struct PostgresPubSubTests {
    /// Two nodes, both listening, for the length of `body`.
    private func withNodes(
        _ count: Int = 2, retention: Duration = .seconds(60), _ body: ([PostgresPubSub]) async throws -> Void
    ) async throws {
        let url = try PostgresUnderTest.serverURL()
        let channel = PostgresUnderTest.uniqueName()
        let table = PostgresUnderTest.uniqueName()
        let nodes = try (0..<count).map { _ in try PostgresPubSub(url: url, channel: channel, table: table, retention: retention) }
        let running = nodes.map { node in Task { try await node.run() } }
        defer { for task in running { task.cancel() } }
        do {
            try await withDeadline(PostgresUnderTest.connectTimeout) {
                while !nodes.allSatisfy(\.isListening) { try await Task.sleep(for: .milliseconds(10)) }
            }
        } catch {
            for node in nodes { await node.close() }
            throw PostgresUnderTest.unavailable(url, error)
        }
        do {
            try await body(nodes)
        } catch {
            try? await nodes[0].dropTable()
            for node in nodes { await node.close() }
            throw error
        }
        try? await nodes[0].dropTable()
        for node in nodes { await node.close() }
    }

    private static func payload(_ label: String, size: Int) -> [UInt8] {
        let head = Array(label.utf8) + [UInt8(ascii: "|")]
        return head + (0..<max(0, size - head.count)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    }

    private static func label(_ message: PubSubMessage) -> String {
        String(decoding: message.payload.prefix { $0 != UInt8(ascii: "|") }, as: UTF8.self)
    }

    @Test("two nodes receive small and >8000-byte messages, the publisher's own included, in one order")
    func twoNodesExchangeMessagesInOrder() async throws {
        try await withNodes { nodes in
            let subscriptions = try nodes.map { try $0.subscribe(to: "room") }
            let elsewhere = try nodes[1].subscribe(to: "elsewhere")
            var sent: [[UInt8]] = []
            for index in 0..<30 {
                // Every third one does not fit in a notification and goes through the table.
                let size = index % 3 == 2 ? 9_000 + index * 1_000 : 10 + index
                let publisher = nodes[index % 2]
                let bytes = Self.payload("\(index)", size: size)
                try await publisher.publish(bytes: bytes, to: "room")
                sent.append(bytes)
            }
            try await nodes[0].publish(bytes: Self.payload("big", size: 1 << 20), to: "room")
            sent.append(Self.payload("big", size: 1 << 20))
            for (node, subscription) in subscriptions.enumerated() {
                let received = try await take(sent.count, from: subscription)
                #expect(received.map(Self.label) == sent.map { Self.label(PubSubMessage(topic: "room", payload: $0)) }, "node \(node)")
                #expect(received.map(\.payload) == sent, "node \(node) received different bytes")
                #expect(received.allSatisfy { $0.topic == "room" })
            }
            elsewhere.end()
            var strays = 0
            for await _ in elsewhere { strays += 1 }
            #expect(strays == 0)
        }
    }

    @Test("concurrent publishers on two nodes: both nodes see one order, each publisher's own kept")
    func concurrentPublishersOneOrderOnEveryNode() async throws {
        try await withNodes { nodes in
            let subscriptions = try nodes.map { try $0.subscribe(to: "t") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (number, node) in nodes.enumerated() {
                    group.addTask {
                        for index in 0..<40 {
                            let size = index % 10 == 9 ? 8_500 : 20
                            try await node.publish(bytes: Self.payload("\(number).\(index)", size: size), to: "t")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let first = try await take(80, from: subscriptions[0]).map(Self.label)
            let second = try await take(80, from: subscriptions[1]).map(Self.label)
            #expect(first == second)
            for number in 0..<2 {
                #expect(first.filter { $0.hasPrefix("\(number).") } == (0..<40).map { "\(number).\($0)" })
            }
        }
    }

    @Test("a second run() while one runs returns at once: one listener, each message once")
    func oneListenerPerNode() async throws {
        try await withNodes(1) { nodes in
            try await withDeadline(.seconds(5)) { try await nodes[0].run() }
            let subscription = try nodes[0].subscribe(to: "t")
            let collector = Collector(subscription)
            try await nodes[0].publish(bytes: Self.payload("once", size: 10), to: "t")
            try await nodes[0].publish(bytes: Self.payload("marker", size: 10), to: "t")
            try await withDeadline(.seconds(10)) {
                while !collector.messages.map(Self.label).contains("marker") { try await Task.sleep(for: .milliseconds(10)) }
            }
            // Time for a second listener's copies, were there one.
            try await Task.sleep(for: .milliseconds(300))
            #expect(collector.messages.map(Self.label) == ["once", "marker"])
        }
    }

    @Test func anEndedSubscriberSeesNothing() async throws {
        try await withNodes { nodes in
            let ended = try nodes[1].subscribe(to: "t")
            let witness = try nodes[1].subscribe(to: "t")
            try await nodes[0].publish(bytes: Self.payload("first", size: 10), to: "t")
            #expect(try await take(1, from: ended).map(Self.label) == ["first"])
            ended.end()
            #expect(nodes[1].subscriberCount(of: "t") == 1)
            try await nodes[0].publish(bytes: Self.payload("second", size: 10), to: "t")
            try await nodes[0].publish(bytes: Self.payload("third", size: 9_000), to: "t")
            // Once the witness has both, the ended subscription would have them too if it could.
            #expect(try await take(3, from: witness).map(Self.label) == ["first", "second", "third"])
            var late: [String] = []
            for await message in ended { late.append(Self.label(message)) }
            #expect(late.isEmpty)
        }
    }

    @Test("a dropped listening connection comes back; what is published after it is received")
    func listenerReconnects() async throws {
        try await withNodes { nodes in
            let subscription = try nodes[1].subscribe(to: "t")
            let ended = try await nodes[0].terminateListeningConnections()
            #expect(ended == 2)
            try await withDeadline(.seconds(10)) {
                while !nodes.allSatisfy(\.isListening) { try await Task.sleep(for: .milliseconds(10)) }
            }
            // isListening may still be true from before the drop was noticed: publish until a
            // message arrives, as a node would see it.
            let collector = Collector(subscription)
            var received: [String] = []
            try await withDeadline(.seconds(15)) {
                var attempt = 0
                while collector.messages.isEmpty {
                    try await nodes[0].publish(bytes: Self.payload("after-\(attempt)", size: 10), to: "t")
                    try await Task.sleep(for: .milliseconds(200))
                    attempt += 1
                }
            }
            received = collector.messages.map(Self.label)
            #expect(received.first?.hasPrefix("after-") == true)
        }
    }

    @Test("a large message's row is deleted once it is older than the retention")
    func largeMessageRowsExpire() async throws {
        try await withNodes(1, retention: .milliseconds(300)) { nodes in
            let subscription = try nodes[0].subscribe(to: "t")
            try await nodes[0].publish(bytes: Self.payload("old", size: 9_000), to: "t")
            #expect(try await take(1, from: subscription).map(Self.label) == ["old"])
            #expect(try await nodes[0].storedMessageCount() == 1)
            try await Task.sleep(for: .milliseconds(600))
            // The next large message's publish deletes the rows past the retention, and keeps its own.
            try await nodes[0].publish(bytes: Self.payload("new", size: 9_000), to: "t")
            #expect(try await take(1, from: subscription).map(Self.label) == ["new"])
            #expect(try await nodes[0].storedMessageCount() == 1)
        }
    }

    @Test("text on the channel that no node sent is ignored")
    func foreignNotificationsAreIgnored() async throws {
        try await withNodes(1) { nodes in
            let subscription = try nodes[0].subscribe(to: "t")
            for text in ["", "garbage", "i999999999999:t", "i1:t%%%", "i3:t", "rabc", "r99999999", "i0:"] {
                try await nodes[0].notifyRaw(text)
            }
            try await nodes[0].publish(bytes: Self.payload("real", size: 10), to: "t")
            #expect(try await take(1, from: subscription).map(Self.label) == ["real"])
        }
    }

    @Test func badTopicsPayloadsAndNamesAreRefused() async throws {
        #expect(throws: PostgresPubSub.Failure.invalidName("a-b", role: "channel")) {
            try PostgresPubSub(url: "postgres://u@127.0.0.1/db", channel: "a-b")
        }
        #expect(throws: PostgresPubSub.Failure.invalidName("1x", role: "table")) {
            try PostgresPubSub(url: "postgres://u@127.0.0.1/db", table: "1x")
        }
        #expect(throws: PostgresPubSub.Failure.invalidURL("mysql://u:***@h/db", reason: "the scheme must be postgres:// or postgresql://")) {
            try PostgresPubSub(url: "mysql://u:secret@h/db")
        }
        var limits = PubSubLimits()
        limits.maxPayloadBytes = 100
        // Refused before anything is sent: no server is needed.
        let pubsub = try PostgresPubSub(url: "postgres://u@127.0.0.1:1/db", limits: limits)
        await #expect(throws: PubSubError.invalidTopic(.empty)) { try await pubsub.publish(bytes: [1], to: "") }
        await #expect(throws: PubSubError.payloadTooLarge(bytes: 101, limit: 100)) {
            try await pubsub.publish(bytes: [UInt8](repeating: 1, count: 101), to: "t")
        }
        #expect(throws: PubSubError.invalidTopic(.controlCharacter(codePoint: 0x1B, utf8Offset: 0))) { try pubsub.subscribe(to: "\u{1B}x") }
        await pubsub.close()
    }

    @Test func notificationTextRoundTrips() {
        let topic = "chat.ä/room 1"
        let payload: [UInt8] = [0, 1, 2, 255, 254]
        #expect(NotifyText.parse(NotifyText.text(topic: topic, payload: payload)) == .inline(topic: topic, payload: payload))
        #expect(NotifyText.parse(NotifyText.text(topic: "t", payload: [])) == .inline(topic: "t", payload: []))
        #expect(NotifyText.parse("r42") == .reference(42))
        #expect(NotifyText.parse("i2:t") == nil)
        #expect(NotifyText.parse("x") == nil)
    }
}

/// Takes `count` messages, or fails when they do not come within `timeout`.
private func take(_ count: Int, from subscription: PubSubSubscription, timeout: Duration = .seconds(10)) async throws -> [PubSubMessage] {
    try await withDeadline(timeout) {
        var taken: [PubSubMessage] = []
        for await message in subscription {
            taken.append(message)
            if taken.count == count { break }
        }
        return taken
    }
}

/// Reads a subscription in the background, so a test can look without ending it by a timeout.
private final class Collector: Sendable {
    private final class Inbox: Sendable {
        let messages = Mutex<[PubSubMessage]>([])
    }

    private let inbox: Inbox
    private let reader: Task<Void, Never>

    init(_ subscription: PubSubSubscription) {
        let inbox = Inbox()
        self.inbox = inbox
        reader = Task { for await message in subscription { inbox.messages.withLock { $0.append(message) } } }
    }

    deinit { reader.cancel() }

    var messages: [PubSubMessage] { inbox.messages.withLock { $0 } }
}
