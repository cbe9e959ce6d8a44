import Foundation
import TetherUI

/// A chat room over the app's pub/sub: a message sent from any page reaches every page in the
/// room, on every node when `app.pubsub` is `PostgresPubSub`. The sender's page shows its own
/// message when it comes back through the pub/sub, so every page lists the room in one order.
///
/// Each page keeps the last ``kept`` messages it received, and only those: a page that joins sees
/// the room from then on (nothing is read back from a table). The list is persisted with the
/// circuit, so a page that resumes on another node keeps it.
public final class ChatPage: Page {
    public static let route = "/chat"
    public static let layout: (any Layout.Type)? = DemoLayout.self
    public static let persisted = Persisted(("name", \ChatPage.name), ("text", \ChatPage.text), ("lines", \ChatPage.lines))

    /// What travels on the room's topic, and what a page keeps of it: `node` is the sender's.
    struct ChatMessage: Codable, Equatable {
        let name: String
        let text: String
        let node: String
    }

    static let topic = "demo.chat.lobby"
    /// The longest message, in characters; a longer one is refused with a visible error.
    static let maxTextLength = 500
    static let maxNameLength = 40
    /// How many messages a page keeps.
    static let kept = 50

    @Inject(\.pubsub) var pubsub
    @Inject(\.nodeName) var nodeName
    private var name = ""
    private var text = ""
    private var lines: [ChatMessage] = []
    private var error: String?

    public override func onInitialized() async throws {
        try subscribe(to: Self.topic, as: ChatMessage.self) { [weak self] message in self?.receive(message) }
    }

    public var body: Content {
        h1 { "Chat" }
        p { "Served by node "; span(.id("chat-node")) { nodeName } }
        p {
            input(.id("chat-name"), .type("text"), .placeholder("Your name")).bind(binding(\.name), on: .input)
            " "
            input(.id("chat-text"), .type("text"), .placeholder("Message")).bind(binding(\.text), on: .input)
            " "
            button(.id("chat-send"), .type("button")) { "Send" }.onClick { await self.send() }
        }
        if let error { p(.id("chat-error"), .class("error")) { error } }
        ul(.id("chat-messages")) {
            for line in lines {
                li(Attribute("data-node", line.node)) { strong(.class("chat-name")) { line.name }; ": "; span(.class("chat-text")) { line.text } }
            }
        }
    }

    private func send() async {
        let message = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let sender = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !message.isEmpty else {
            error = "Type a message first."
            return
        }
        guard message.count <= Self.maxTextLength else {
            error = "The message is \(message.count) characters long; the limit is \(Self.maxTextLength)."
            return
        }
        guard sender.count <= Self.maxNameLength else {
            error = "The name is \(sender.count) characters long; the limit is \(Self.maxNameLength)."
            return
        }
        do {
            try await pubsub.publish(ChatMessage(name: sender.isEmpty ? "anonymous" : sender, text: message, node: nodeName), to: Self.topic)
            text = ""
            error = nil
        } catch {
            self.error = "The message was not sent: \(error)"
        }
    }

    private func receive(_ message: ChatMessage) {
        // Anyone who can publish to the topic chose these: bounded here too.
        lines.append(
            ChatMessage(
                name: String(message.name.prefix(Self.maxNameLength)), text: String(message.text.prefix(Self.maxTextLength)),
                node: String(message.node.prefix(100))))
        if lines.count > Self.kept { lines.removeFirst(lines.count - Self.kept) }
    }
}
