import Hummingbird
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import TetherInterop

/// Plays the browser's side of one circuit at the protocol level, over a real WebSocket.
///
/// It keeps a copy of the page (`MirrorDOM`) and patches it with every render batch as it
/// arrives, as the runtime (`runtime/circuit.js`) would, then acknowledges the batch. Tests send frames and await the
/// next server message matching what they expect; every wait is bounded, so a test fails instead
/// of hanging.
final class ProtocolTestClient: Sendable {
    let url: String
    let inbox: MessageInbox
    private let writer: WebSocketOutboundWriter
    private let ended: OneShot<Void>
    private let connection: Task<Void, Never>
    private let shared: Shared

    /// State the connection task and the test both touch.
    private final class Shared: Sendable {
        let state: Mutex<State>
        init(dom: MirrorDOM?) { state = Mutex(State(dom: dom)) }
    }

    private struct State {
        var dom: MirrorDOM?
        /// Batches the mirror could not apply, by number: a wrong path is a server bug.
        var applyErrors: [Int: String] = [:]
        var lastBatch = -1
        /// Byte segments the server sent in binary frames, by id.
        var segments: [Int: [UInt8]] = [:]
        /// The runtime settings the server sent in `cfg`, as the browser would keep them.
        var configuration: JSONValue?
        /// The code and reason of the close frame the server sent, once the connection ended.
        var closeFrame: (code: Int, reason: String?)?
    }

    private init(url: String, inbox: MessageInbox, writer: WebSocketOutboundWriter, ended: OneShot<Void>, connection: Task<Void, Never>, shared: Shared) {
        self.url = url
        self.inbox = inbox
        self.writer = writer
        self.ended = ended
        self.connection = connection
        self.shared = shared
    }

    /// Opens a WebSocket to `ws://127.0.0.1:<port><path>`. With `dom`, render batches patch that
    /// copy of the page; with `autoAck`, each batch is acknowledged as the browser does.
    static func connect(
        port: Int, path: String = "/_tether/circuit", dom: MirrorDOM? = nil, autoAck: Bool = true, timeout: Duration = defaultWait,
        headers: HTTPFields = [:], extensions: [WebSocketExtensionFactory] = []
    ) async throws -> ProtocolTestClient {
        let url = "ws://127.0.0.1:\(port)\(path)"
        let inbox = MessageInbox()
        let opened = OneShot<WebSocketOutboundWriter>()
        let ended = OneShot<Void>()
        let shared = Shared(dom: dom)
        var logger = Logger(label: "tether.tests.ws-client")
        logger.logLevel = .critical
        let connection = Task {
            do {
                let closeFrame = try await WebSocketClient.connect(
                    url: url, configuration: .init(maxFrameSize: 1 << 22, additionalHeaders: headers, extensions: extensions), logger: logger
                ) { inbound, outbound, _ in
                    opened.fulfill(.success(outbound))
                    var messages = inbound.messages(maxSize: 1 << 22).makeAsyncIterator()
                    do {
                        while let message = try await messages.next() {
                            guard case .text(let text) = message else {
                                if case .binary(let buffer) = message { Self.receiveSegment(Array(buffer.readableBytesView), inbox: inbox, shared: shared) }
                                continue
                            }
                            let acks = Self.receive(text, inbox: inbox, shared: shared)
                            if autoAck {
                                for batch in acks { try await outbound.write(.text(JSONValue.frame(["ack", .number(batch)]))) }
                            }
                        }
                        inbox.end("closed by the server")
                    } catch {
                        inbox.end("socket error: \(error)")
                    }
                }
                if let closeFrame { shared.state.withLock { $0.closeFrame = (Int(UInt16(webSocketErrorCode: closeFrame.closeCode)), closeFrame.reason) } }
                opened.fulfill(.failure(ConnectionEnded(description: "the WebSocket upgrade to \(url) did not happen")))
                inbox.end("closed")
            } catch {
                opened.fulfill(.failure(error))
                inbox.end("connection failed: \(error)")
            }
            ended.fulfill(.success(()))
        }
        do {
            let writer = try await opened.value(timeout: timeout, "the WebSocket connection to \(url)")
            return ProtocolTestClient(url: url, inbox: inbox, writer: writer, ended: ended, connection: connection, shared: shared)
        } catch {
            connection.cancel()
            throw error
        }
    }

    /// Parses a frame, patches the mirror with its render batches, then hands every message to the
    /// inbox. Returns the batch numbers to acknowledge.
    private static func receive(_ text: String, inbox: MessageInbox, shared: Shared) -> [Int] {
        let frame: JSONValue
        do {
            frame = try JSONParser.parse(text)
        } catch {
            inbox.deliver(["!malformed-frame", .string(text), .string("\(error)")])
            return []
        }
        guard case .array(let messages) = frame else {
            inbox.deliver(["!malformed-frame", .string(text), "not an array"])
            return []
        }
        var acks: [Int] = []
        for message in messages {
            // Patched and queued under one lock, so a test never sees a page patched by a batch
            // that is not in the inbox yet.
            shared.state.withLock { state in
                if message.isKind("r"), let batch = message[1]?.intValue, let edits = message[2] {
                    // The first batch on a socket may be any number (a resume replays from where the
                    // page was); after it, batches come in order.
                    if state.lastBatch >= 0 && batch != state.lastBatch + 1 {
                        state.applyErrors[batch] = "batch \(batch) arrived after batch \(state.lastBatch)"
                    }
                    state.lastBatch = max(state.lastBatch, batch)
                    if state.dom != nil {
                        do {
                            try state.dom!.apply(edits)
                        } catch {
                            state.applyErrors[batch] = "\(error)"
                        }
                    }
                    acks.append(batch)
                }
                if message.isKind("cfg") { state.configuration = message[1] }
                inbox.deliver(message)
            }
        }
        return acks
    }

    /// A binary frame is a byte segment: `[id: UInt32 little-endian][bytes]`.
    private static func receiveSegment(_ frame: [UInt8], inbox: MessageInbox, shared: Shared) {
        guard frame.count >= 4 else {
            inbox.deliver(["!malformed-segment", .number(frame.count)])
            return
        }
        let id = Int(frame[0]) | Int(frame[1]) << 8 | Int(frame[2]) << 16 | Int(frame[3]) << 24
        shared.state.withLock { $0.segments[id] = Array(frame[4...]) }
    }

    // MARK: Sending

    /// Sends one frame holding `messages`.
    func send(_ messages: JSONValue...) async throws {
        try await sendText(JSONValue.array(messages).serialized())
    }

    /// Sends a text frame exactly as given.
    func sendText(_ text: String) async throws {
        try await writer.write(.text(text))
    }

    func sendBinary(_ bytes: [UInt8]) async throws {
        try await writer.write(.binary(ByteBuffer(bytes: bytes)))
    }

    /// A text frame with these exact bytes, valid UTF-8 or not.
    func sendRawText(_ bytes: [UInt8]) async throws {
        try await writer.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: bytes))))
    }

    /// Sends `start` and returns the first render batch, which must be batch 0.
    @discardableResult
    func start(descriptor: String, url: String) async throws -> RenderBatchMessage {
        try await send(["start", .string(descriptor), .string(url)])
        let batch = try await nextRender()
        guard batch.number == 0 else { throw EditError(description: "the first batch is \(batch), not batch 0") }
        return batch
    }

    /// Sends a click on the element with `id`, using the handler id the (patched) page carries.
    func click(id: String) async throws {
        try await fire("click", id: id, ["type": "click"])
    }

    /// Sends an `input` event carrying `value` to the element with `id`.
    func input(id: String, value: String) async throws {
        try await fire("input", id: id, ["type": "input", "value": .string(value)])
    }

    /// Sends `event` with `args` to the handler the page binds on the element with `id`.
    func fire(_ event: String, id: String, _ args: JSONValue) async throws {
        guard let handler = dom?.handlerID(event, id: id) else {
            throw EditError(description: "no \(event) handler on #\(id) in the page")
        }
        try await send(["ev", .string(handler), args])
    }

    // MARK: Receiving

    /// Takes the first message, queued or yet to come, that matches `predicate`.
    func next(_ what: String, timeout: Duration = defaultWait, where predicate: @escaping @Sendable (JSONValue) -> Bool) async throws
        -> JSONValue
    {
        try await inbox.take(what, timeout: timeout, where: predicate)
    }

    func next(kind: String, timeout: Duration = defaultWait) async throws -> JSONValue {
        try await next("a '\(kind)' message", timeout: timeout) { $0.isKind(kind) }
    }

    /// The oldest message not yet taken, whatever its kind but `cfg` (kept as `configuration`):
    /// for checking what comes first.
    func nextMessage(timeout: Duration = defaultWait) async throws -> JSONValue {
        try await next("any message", timeout: timeout) { !$0.isKind("cfg") }
    }

    /// Takes render batches until the patched page satisfies `condition`; returns those batches.
    @discardableResult
    func renders(
        until what: String, timeout: Duration = defaultWait, _ condition: @escaping @Sendable (MirrorDOM) -> Bool
    ) async throws -> [RenderBatchMessage] {
        let deadline = ContinuousClock.now + timeout
        var batches: [RenderBatchMessage] = []
        while true {
            guard let dom else { throw EditError(description: "this client keeps no copy of the page") }
            if condition(dom) {
                // Batches already applied to the page are taken too, so later waits start clean.
                for message in inbox.takeQueued(where: { $0.isKind("r") }) { batches.append(try applied(message)) }
                return batches
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                throw WaitTimeout(
                    description: "timed out after \(timeout) waiting until \(what); page: \(dom.root.textContent); received: \(MessageInbox.render(inbox.log))")
            }
            batches.append(try await nextRender(timeout: left))
        }
    }

    /// The next render batch, after the mirror applied it. Throws if its edits do not apply.
    @discardableResult
    func nextRender(timeout: Duration = defaultWait) async throws -> RenderBatchMessage {
        try applied(try await next(kind: "r", timeout: timeout))
    }

    /// A received batch, checked to have applied to the page.
    private func applied(_ message: JSONValue) throws -> RenderBatchMessage {
        let batch = try RenderBatchMessage(message)
        if let error = shared.state.withLock({ $0.applyErrors[batch.number] }) {
            throw EditError(description: "\(batch) does not apply to the page: \(error)")
        }
        return batch
    }

    /// The next Swift→JS call.
    func nextCall(_ identifier: String? = nil, timeout: Duration = defaultWait) async throws -> JSCallMessage {
        let message = try await next("a 'c' call\(identifier.map { " of \($0)" } ?? "")", timeout: timeout) {
            $0.isKind("c") && (identifier == nil || $0[2]?.stringValue == identifier)
        }
        return try JSCallMessage(message)
    }

    /// The answer to the JS→Swift invocation `id`.
    func nextResult(id: Int, timeout: Duration = defaultWait) async throws -> InvocationResultMessage {
        try InvocationResultMessage(try await next("'res' for invocation \(id)", timeout: timeout) { $0.isKind("res") && $0[1]?.intValue == id })
    }

    /// The text of the next `err` message.
    func nextError(timeout: Duration = defaultWait) async throws -> String {
        let message = try await next(kind: "err", timeout: timeout)
        guard let text = message[1]?.stringValue else { throw EditError(description: "malformed err message \(message)") }
        return text
    }

    /// The text of the next `fatal` message.
    func nextFatal(timeout: Duration = defaultWait) async throws -> String {
        let message = try await next(kind: "fatal", timeout: timeout)
        guard let text = message[1]?.stringValue else { throw EditError(description: "malformed fatal message \(message)") }
        return text
    }

    /// Messages received and not taken by the test, but `cfg` (kept as `configuration`).
    var unconsumed: [JSONValue] { inbox.queued.filter { !$0.isKind("cfg") } }

    /// Received `err`, `fatal` and client-side problems (malformed frames) not taken by the test.
    var unexpectedMessages: [JSONValue] {
        inbox.queued.filter { $0.isKind("err") || $0.isKind("fatal") || ($0.kind?.hasPrefix("!") ?? false) }
    }

    /// The client's copy of `#tether-root`, patched by every batch received so far.
    var dom: MirrorDOM? { shared.state.withLock { $0.dom } }

    /// A byte segment the server sent in a binary frame, by the id its JSON marker names.
    func segment(_ id: Int) -> [UInt8]? { shared.state.withLock { $0.segments[id] } }

    /// The settings of the last `cfg` message.
    var configuration: JSONValue? { shared.state.withLock { $0.configuration } }

    /// The last render batch number received.
    var lastBatch: Int { shared.state.withLock { $0.lastBatch } }

    // MARK: Closing

    var isClosed: Bool { ended.isFulfilled }

    /// Waits until the server has closed the connection, and returns its close code and reason.
    func closeFrame(timeout: Duration = defaultWait) async throws -> (code: Int, reason: String?) {
        try await waitUntilClosed(timeout: timeout)
        guard let frame = shared.state.withLock({ $0.closeFrame }) else {
            throw ConnectionEnded(description: "the server closed \(url) without a close frame")
        }
        return frame
    }

    /// Waits until the server has closed the connection.
    func waitUntilClosed(timeout: Duration = defaultWait) async throws {
        try await ended.value(timeout: timeout, "the server to close \(url); received: \(MessageInbox.render(inbox.log))")
    }

    /// Closes the socket without `end`, as a lost connection would: the server keeps the circuit
    /// for a `resume`. Waits, boundedly, for the socket to close.
    func close() async {
        guard !isClosed else { return }
        try? await writer.close(.normalClosure, reason: "test done")
        do {
            try await ended.value(timeout: .seconds(2), "the close handshake")
        } catch {
            connection.cancel()
        }
    }

    /// Ends the circuit as a page does when it goes away for good (`end`, so the server does not
    /// keep it for a resume), then closes the socket.
    func end() async {
        guard !isClosed else { return }
        try? await send(["end"])
        await close()
    }
}
