import Foundation
import Testing
import TetherInterop
import TetherTesting
@testable import TetherUI

/// Takes `count` messages, or fails when they do not come within `timeout`.
private func take(_ count: Int, from subscription: PubSubSubscription, timeout: Duration = .seconds(5)) async throws -> [PubSubMessage] {
    try await withThrowingTaskGroup(of: [PubSubMessage].self) { group in
        group.addTask {
            var taken: [PubSubMessage] = []
            for await message in subscription {
                taken.append(message)
                if taken.count == count { break }
            }
            return taken
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw PubSubTestTimeout(description: "fewer than \(count) messages within \(timeout)")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

private struct PubSubTestTimeout: Error, CustomStringConvertible {
    let description: String
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
private func text(_ message: PubSubMessage) -> String { String(decoding: message.payload, as: UTF8.self) }

@Suite struct InProcessPubSubTests {
    @Test func everySubscriberGetsATopicsMessagesInPublishOrder() async throws {
        let pubsub = InProcessPubSub()
        let first = try pubsub.subscribe(to: "room")
        let second = try pubsub.subscribe(to: "room")
        let other = try pubsub.subscribe(to: "elsewhere")
        for index in 0..<100 { try await pubsub.publish(bytes: bytes("\(index)"), to: "room") }
        let expected = (0..<100).map { "\($0)" }
        #expect(try await take(100, from: first).map(text) == expected)
        #expect(try await take(100, from: second).map(text) == expected)
        other.end()
        var strays = 0
        for await _ in other { strays += 1 }
        #expect(strays == 0, "a subscriber of another topic received messages")
    }

    @Test("concurrent publishers: every subscriber sees the same order")
    func concurrentPublishersOneOrder() async throws {
        let pubsub = InProcessPubSub()
        let subscriptions = try (0..<3).map { _ in try pubsub.subscribe(to: "t") }
        await withThrowingTaskGroup(of: Void.self) { group in
            for publisher in 0..<4 {
                group.addTask {
                    for index in 0..<50 { try await pubsub.publish(bytes: bytes("\(publisher).\(index)"), to: "t") }
                }
            }
        }
        var orders: [[String]] = []
        for subscription in subscriptions { orders.append(try await take(200, from: subscription).map(text)) }
        #expect(orders[0].count == 200)
        #expect(orders[1] == orders[0])
        #expect(orders[2] == orders[0])
        // Each publisher's own messages keep its order.
        for publisher in 0..<4 {
            #expect(orders[0].filter { $0.hasPrefix("\(publisher).") } == (0..<50).map { "\(publisher).\($0)" })
        }
    }

    @Test func anEndedSubscriptionReceivesNothingAndIsForgotten() async throws {
        let pubsub = InProcessPubSub()
        let subscription = try pubsub.subscribe(to: "t")
        try await pubsub.publish(bytes: bytes("before"), to: "t")
        subscription.end()
        #expect(pubsub.subscriberCount(of: "t") == 0)
        try await pubsub.publish(bytes: bytes("after"), to: "t")
        var received: [String] = []
        for await message in subscription { received.append(text(message)) }
        #expect(received == ["before"])
    }

    @Test func cancellingTheIteratingTaskEndsTheSubscription() async throws {
        let pubsub = InProcessPubSub()
        let subscription = try pubsub.subscribe(to: "t")
        let reader = Task { for await _ in subscription {} }
        #expect(pubsub.subscriberCount(of: "t") == 1)
        reader.cancel()
        await reader.value
        #expect(pubsub.subscriberCount(of: "t") == 0)
    }

    @Test("a full buffer drops its oldest messages and counts them; no one waits for it")
    func overflowDropsOldest() async throws {
        var limits = PubSubLimits()
        limits.subscriberBuffer = 4
        let pubsub = InProcessPubSub(limits: limits)
        let slow = try pubsub.subscribe(to: "t")
        let keepingUp = try pubsub.subscribe(to: "t")
        for index in 0..<10 {
            try await pubsub.publish(bytes: bytes("\(index)"), to: "t")
            // Another subscriber of the topic gets each message while the slow one's buffer is full.
            #expect(try await take(1, from: keepingUp).map(text) == ["\(index)"])
        }
        #expect(slow.droppedCount == 6)
        #expect(keepingUp.droppedCount == 0)
        slow.end()
        var kept: [String] = []
        for await message in slow { kept.append(text(message)) }
        #expect(kept == ["6", "7", "8", "9"])
    }

    @Test func topicsAndPayloadsOutsideTheLimitsAreRefusedPrecisely() async throws {
        var limits = PubSubLimits()
        limits.maxPayloadBytes = 16
        let pubsub = InProcessPubSub(limits: limits)
        let listener = try pubsub.subscribe(to: "t")
        let cases: [(String, PubSubError, String)] = [
            ("", .invalidTopic(.empty), "invalid pub/sub topic: the topic is empty"),
            (String(repeating: "é", count: 101), .invalidTopic(.tooLong(bytes: 202, limit: 200)),
             "invalid pub/sub topic: the topic is 202 UTF-8 bytes long; the limit is 200"),
            ("a\u{0}b", .invalidTopic(.controlCharacter(codePoint: 0, utf8Offset: 1)),
             "invalid pub/sub topic: the topic holds control character U+0000 at UTF-8 offset 1"),
            ("ä\nb", .invalidTopic(.controlCharacter(codePoint: 10, utf8Offset: 2)),
             "invalid pub/sub topic: the topic holds control character U+000A at UTF-8 offset 2"),
        ]
        for (topic, error, description) in cases {
            #expect(throws: error) { try pubsub.subscribe(to: topic) }
            await #expect(throws: error) { try await pubsub.publish(bytes: [1], to: topic) }
            #expect(error.description == description)
        }
        #expect(throws: Never.self) { try pubsub.subscribe(to: String(repeating: "é", count: 100)) }
        await #expect(throws: PubSubError.payloadTooLarge(bytes: 17, limit: 16)) {
            try await pubsub.publish(bytes: [UInt8](repeating: 0, count: 17), to: "t")
        }
        #expect(PubSubError.payloadTooLarge(bytes: 17, limit: 16).description == "the pub/sub payload is 17 bytes; the limit is 16")
        try await pubsub.publish(bytes: [UInt8](repeating: 0, count: 16), to: "t")
        #expect(try await take(1, from: listener).map(\.payload.count) == [16], "only the message within the limits arrives")
    }

    struct Note: Codable, Equatable {
        let author: String
        let text: String
    }

    @Test func codableValuesTravelAsJSON() async throws {
        let pubsub = InProcessPubSub()
        let subscription = try pubsub.subscribe(to: "notes")
        try await pubsub.publish(Note(author: "ana", text: "hi"), to: "notes")
        try await pubsub.publish(bytes: bytes("not json"), to: "notes")
        let messages = try await take(2, from: subscription)
        #expect(try messages[0].decode(Note.self) == Note(author: "ana", text: "hi"))
        #expect {
            _ = try messages[1].decode(Note.self)
        } throws: { error in
            guard case .decodingFailed(let topic, let type, _) = error as? PubSubError else { return false }
            return topic == "notes" && type == "Note"
        }
    }
}

/// Shows every note of `topic` it received since it was initialized.
final class NoteBoard: Component {
    var topic: String
    var notes: [String] = []
    static let parameters = Parameters(\NoteBoard.topic)
    nonisolated(unsafe) static var made: [NoteBoard] = []

    init(topic: String) { self.topic = topic }

    override func onInitialized() async throws {
        Self.made.append(self)
        try subscribe(to: topic, as: InProcessPubSubTests.Note.self) { [weak self] note in
            self?.notes.append("\(note.author): \(note.text)")
        }
    }

    var body: Content {
        ul(.id("notes")) { for note in notes { li { note } } }
    }
}

final class NoteBoardHost: Component {
    var topic = "board"
    var showBoard = true
    var body: Content {
        if showBoard { NoteBoard(topic: topic) }
        button(.id("toggle")) { "toggle" }.onClick { self.showBoard.toggle() }
    }
}

@Suite struct ComponentSubscriptionTests {
    @Test("delivery re-renders the component; disposing it ends its subscription")
    func deliveryRendersAndDisposalEnds() async throws {
        let pubsub = InProcessPubSub()
        let root = NoteBoardHost()
        root.topic = "board-\(UUID().uuidString)"
        let host = try await ComponentTestHost(root) { $0.pubsub = pubsub }
        #expect(pubsub.subscriberCount(of: root.topic) == 1)
        try await pubsub.publish(InProcessPubSubTests.Note(author: "ana", text: "hello"), to: root.topic)
        try await host.nextRender()
        #expect(host.findAll("li").map(\.text) == ["ana: hello"])
        // Bytes that are not a Note are skipped, not shown and not fatal.
        try await pubsub.publish(bytes: Array("{}".utf8), to: root.topic)
        try await pubsub.publish(InProcessPubSubTests.Note(author: "bo", text: "hey"), to: root.topic)
        try await host.nextRender()
        for _ in 0..<500 where host.findAll("li").count < 2 { try await host.nextRender() }
        #expect(host.findAll("li").map(\.text) == ["ana: hello", "bo: hey"])
        try await host.click("#toggle")
        #expect(host.find("#notes") == nil)
        for _ in 0..<500 where pubsub.subscriberCount(of: root.topic) > 0 { try await Task.sleep(for: .milliseconds(2)) }
        #expect(pubsub.subscriberCount(of: root.topic) == 0)
    }

    @Test func prerenderingSubscribesNothing() async throws {
        let pubsub = InProcessPubSub()
        var services = ServiceValues()
        services.pubsub = pubsub
        let root = NoteBoardHost()
        root.topic = "prerendered"
        let renderer = Renderer(page: root, js: JSRuntime(channel: .prerendering()), services: services, isPrerendering: true)
        try await renderer.initializePending()
        _ = renderer.renderHTML()
        try await renderer.initializePending()
        #expect(NoteBoard.made.contains { $0.topic == "prerendered" }, "the board was initialized")
        #expect(pubsub.subscriberCount(of: "prerendered") == 0)
    }
}
