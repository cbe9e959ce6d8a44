import DemoApp
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TetherInterop
import TetherServer
import TetherUI

/// `app.pubsub` over real circuits: what one circuit publishes re-renders the others, and
/// `TetherService` runs the pub/sub while it serves.
@Suite struct PubSubServerTests {
    @Test("the demo's /chat: a message sent from one circuit appears in every circuit in the room")
    func chatReachesEveryCircuit() async throws {
        try await withDemoServer { server in
            let (sender, page) = try await server.startCircuit("/chat")
            let (watcher, _) = try await server.startCircuit("/chat")
            #expect(page.dom.element(id: "chat-node")?.textContent.isEmpty == false)
            try await sender.input(id: "chat-name", value: "ana")
            try await sender.input(id: "chat-text", value: "hello")
            try await sender.click(id: "chat-send")
            for client in [sender, watcher] {
                try await client.renders(until: "the message is listed") { $0.element(id: "chat-messages")?.textContent == "ana: hello" }
            }
            try await sender.input(id: "chat-text", value: String(repeating: "x", count: 501))
            try await sender.click(id: "chat-send")
            try await sender.renders(until: "the error is shown") {
                $0.element(id: "chat-error")?.textContent == "The message is 501 characters long; the limit is 500."
            }
            try await sender.input(id: "chat-text", value: "short")
            try await sender.click(id: "chat-send")
            // The watcher sees the next message after the first: the refused one was sent to no one.
            try await watcher.renders(until: "the second message is listed") {
                $0.element(id: "chat-messages")?.textContent == "ana: helloana: short"
            }
        }
    }

    @Test("TetherService runs app.pubsub while it serves, and stops it when the service stops")
    func serviceRunsThePubSub() async throws {
        let recording = RecordingPubSub()
        var app = TetherApp(pages: [])
        app.logger.logLevel = .critical
        app.persistence.storage = .none
        app.pubsub = recording
        let service = TetherService(app)
        var logger = Logger(label: "pubsub-service-test")
        logger.logLevel = .critical
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        let running = Task { try await group.run() }
        for _ in 0..<1_000 where !recording.events.contains("started") { try await Task.sleep(for: .milliseconds(5)) }
        #expect(recording.events == ["started"])
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(recording.events == ["started", "stopped"])
    }
}

/// An in-process pub/sub whose `run()` says when it starts and when it is stopped.
private final class RecordingPubSub: PubSub {
    private let base = InProcessPubSub()
    private let log = Mutex<[String]>([])

    var limits: PubSubLimits { base.limits }
    var events: [String] { log.withLock { $0 } }

    func publish(bytes: [UInt8], to topic: String) async throws { try await base.publish(bytes: bytes, to: topic) }
    func subscribe(to topic: String) throws -> PubSubSubscription { try base.subscribe(to: topic) }

    func run() async throws {
        log.withLock { $0.append("started") }
        defer { log.withLock { $0.append("stopped") } }
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
    }
}
