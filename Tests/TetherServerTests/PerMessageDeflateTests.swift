import CompressNIO
import Foundation
import HTTPTypes
import HummingbirdWSClient
import HummingbirdWSCompression
import NIOCore
import NIOWebSocket
import Synchronization
import Testing

@testable import TetherServer

/// What reached the client: the server's `Sec-WebSocket-Extensions` answer, and each frame as it
/// came off the wire (RSV1, payload bytes) beside its inflated size.
final class FrameRecord: Sendable {
    struct Frame: Sendable {
        let rsv1: Bool
        let wireBytes: Int
        let bytes: Int
    }

    private let state = Mutex<(answer: WebSocketExtensionHTTPParameters?, frames: [Frame])>((nil, []))

    var answer: WebSocketExtensionHTTPParameters? { state.withLock { $0.answer } }
    var frames: [Frame] { state.withLock { $0.frames } }

    func answered(_ parameters: WebSocketExtensionHTTPParameters) { state.withLock { $0.answer = parameters } }
    func received(_ frame: Frame) { state.withLock { $0.frames.append(frame) } }
}

/// HummingbirdWSCompression's client side of permessage-deflate, an implementation independent of
/// the server's, with every inbound frame recorded before it inflates it.
struct RecordingDeflateClient: WebSocketExtensionBuilder {
    static let name = "permessage-deflate"
    let record: FrameRecord
    let inner = WebSocketExtensionFactory.perMessageDeflate(maxDecompressedFrameSize: 1 << 22).build()

    func clientRequestHeader() -> String { inner.clientRequestHeader() }
    func serverReponseHeader(to: WebSocketExtensionHTTPParameters) -> String? { nil }
    func serverExtension(from: WebSocketExtensionHTTPParameters) throws -> (any WebSocketExtension)? { nil }
    func clientExtension(from response: WebSocketExtensionHTTPParameters) throws -> (any WebSocketExtension)? {
        record.answered(response)
        return try inner.clientExtension(from: response).map { Recording(inner: $0, record: record) }
    }

    struct Recording: WebSocketExtension {
        let inner: any WebSocketExtension
        let record: FrameRecord
        var name: String { inner.name }
        var reservedBits: WebSocketFrame.ReservedBits { inner.reservedBits }

        func processReceivedFrame(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
            let inflated = try await inner.processReceivedFrame(frame, context: context)
            record.received(.init(rsv1: frame.rsv1, wireBytes: frame.data.readableBytes, bytes: inflated.data.readableBytes))
            return inflated
        }

        func processFrameToSend(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
            try await inner.processFrameToSend(frame, context: context)
        }

        func shutdown() async { await inner.shutdown() }
    }
}

@Suite("permessage-deflate on the circuit socket")
struct PerMessageDeflateTests {
    /// Text that deflates well, as markup does: a long todo.
    static let longText = String(repeating: "Restock the bolts, nuts and washers; ", count: 60)

    /// Starts /todos with a deflate-offering client, then adds a long todo twice; returns the
    /// client's record.
    static func roundTrip(_ server: DemoServer) async throws -> FrameRecord {
        let record = FrameRecord()
        let page = try await server.fetchPage("/todos")
        let client = try await server.connect(dom: page.dom, extensions: [WebSocketExtensionFactory { RecordingDeflateClient(record: record) }])
        try await client.start(descriptor: page.descriptor, url: server.origin + "/todos")
        for round in 1...2 {
            // The page trims what it adds: no trailing space to compare against.
            let text = "\(round): \(longText)".trimmingCharacters(in: .whitespaces)
            // Over 256 bytes: the client deflates it, so the server inflates what a browser sends.
            try await client.input(id: "new-todo", value: text)
            try await client.click(id: "add")
            try await client.renders(until: "the todo \(round) is listed") { dom in
                dom.element(id: "todo-list")?.allNodes.contains { $0.attribute("value") == text } == true
            }
        }
        try await client.renders(until: "4 items") { $0.element(id: "todo-count")?.textContent == "4" }
        #expect(client.unexpectedMessages.isEmpty)
        return record
    }

    @Test("negotiated: the server deflates its large messages (RSV1), an independent client inflates them to the right page", arguments: [false, true])
    func deflatedRoundTrip(contextTakeover: Bool) async throws {
        try await withDemoServer(configure: { $0.webSocket.perMessageDeflate = PerMessageDeflate(contextTakeover: contextTakeover) }) { server in
            let record = try await Self.roundTrip(server)
            let answer = try #require(record.answer, "the server answered the offer")
            #expect(answer.name == "permessage-deflate")
            #expect(answer.parameters["client_no_context_takeover"] == .null)
            #expect((answer.parameters["server_no_context_takeover"] != nil) == !contextTakeover)
            let compressed = record.frames.filter(\.rsv1)
            #expect(compressed.count >= 2, "\(record.frames)")
            // Each long todo's batch carries ~2 KB of repetitive text.
            for frame in compressed where frame.bytes > 2000 {
                #expect(frame.wireBytes * 4 < frame.bytes, "\(frame.wireBytes) bytes on the wire for \(frame.bytes)")
            }
            #expect(compressed.contains { $0.bytes > 2000 })
            let small = record.frames.filter { $0.bytes < 256 }
            #expect(!small.isEmpty && small.allSatisfy { !$0.rsv1 }, "messages under 256 bytes go out as they are")
        }
    }

    @Test("on by default, without context takeover")
    func onByDefault() async throws {
        #expect(TetherApp(pages: []).webSocket.perMessageDeflate == PerMessageDeflate())
        #expect(PerMessageDeflate().contextTakeover == false)
        try await withDemoServer { server in
            let record = try await Self.roundTrip(server)
            #expect(record.answer?.parameters["server_no_context_takeover"] == .null)
            #expect(record.frames.contains { $0.rsv1 })
        }
    }

    @Test("off: an offering client gets no extension, and the circuit works uncompressed")
    func off() async throws {
        try await withDemoServer(configure: { $0.webSocket.perMessageDeflate = nil }) { server in
            let record = try await Self.roundTrip(server)
            #expect(record.answer == nil)
            #expect(record.frames.isEmpty, "no extension, so nothing passed through the recording one")
        }
    }

    @Test("on, with a client that does not offer it: the circuit works, uncompressed")
    func clientWithoutDeflate() async throws {
        try await withDemoServer { server in
            let (client, _) = try await server.startCircuit("/todos")
            try await client.input(id: "new-todo", value: Self.longText)
            try await client.click(id: "add")
            try await client.renders(until: "3 items") { $0.element(id: "todo-count")?.textContent == "3" }
        }
    }

    /// A WebSocket opened by hand, to see the handshake's answer and the first frames' bits.
    @Test("on the wire: the 101 names permessage-deflate, and a large server frame has RSV1 set and inflates to JSON")
    func rawFrames() async throws {
        try await withDemoServer(configure: { $0.webSocket.perMessageDeflate = PerMessageDeflate(minimumMessageBytes: 0) }) { server in
            let port = server.port
            let (head, header, text) = try await offThePool { () throws -> (String, [UInt8], String) in
                let socket = try SocketLine.connect(port: port)
                defer { socket.close() }
                try socket.write(
                    [
                        "GET /_tether/circuit HTTP/1.1", "Host: 127.0.0.1:\(port)", "Upgrade: websocket", "Connection: Upgrade",
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
                        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits", "", "",
                    ].joined(separator: "\r\n"))
                var head: [UInt8] = []
                while !head.reversed().starts(with: Array("\n\r\n\r".utf8)) { head += try socket.read(count: 1, timeout: .seconds(10)) }
                // A `start` with a bad descriptor: the server answers with a `fatal` message and a close.
                try socket.write(bytes: Self.maskedTextFrame(#"[["start","not-a-descriptor","http://127.0.0.1/"]]"#))
                let header = try socket.read(count: 2, timeout: .seconds(10))
                var length = Int(header[1] & 0x7f)
                if length == 126 { length = try socket.read(count: 2, timeout: .seconds(10)).reduce(0) { $0 << 8 | Int($1) } }
                var payload = ByteBuffer(bytes: try socket.read(count: length, timeout: .seconds(10)))
                payload.writeBytes([0, 0, 0xff, 0xff])
                let text = (header[0] & 0x40 != 0) ? String(buffer: try payload.decompress(with: .deflate)) : ""
                return (String(decoding: head, as: UTF8.self).lowercased(), header, text)
            }
            #expect(head.hasPrefix("http/1.1 101"), "\(head)")
            #expect(
                head.contains("sec-websocket-extensions: permessage-deflate; client_no_context_takeover; server_no_context_takeover"),
                "\(head)")
            #expect(header[0] & 0x0f == 1, "a text frame")
            #expect(header[0] & 0x40 != 0, "RSV1: the message is deflated")
            #expect(text.hasPrefix("[["), "\(text)")
            #expect(text.contains("circuit refused"), "\(text)")
        }
    }

    static func maskedTextFrame(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        precondition(payload.count < 126)
        let mask: [UInt8] = [1, 2, 3, 4]
        return [0x81, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }
}

@Suite("permessage-deflate negotiation")
struct DeflateNegotiationTests {
    static func offer(_ header: String) -> WebSocketExtensionHTTPParameters? {
        WebSocketExtensionHTTPParameters.parseHeaders([.secWebSocketExtensions: header]).first
    }

    @Test(
        "each offer gets the answer RFC 7692 allows, or none",
        arguments: [
            ("permessage-deflate; client_max_window_bits", "permessage-deflate; client_no_context_takeover; server_no_context_takeover"),
            ("permessage-deflate", "permessage-deflate; client_no_context_takeover; server_no_context_takeover"),
            (
                "permessage-deflate; server_max_window_bits=10",
                "permessage-deflate; client_no_context_takeover; server_no_context_takeover; server_max_window_bits=10"
            ),
            ("permessage-deflate; server_max_window_bits=8", nil),
            ("permessage-deflate; server_max_window_bits", nil),
            ("permessage-deflate; server_max_window_bits=16", nil),
            ("permessage-deflate; client_max_window_bits=99", nil),
            ("permessage-deflate; server_no_context_takeover=1", nil),
            ("permessage-deflate; mystery", nil),
            ("x-webkit-deflate-frame", nil),
        ] as [(String, String?)])
    func answers(offer: String, answer: String?) throws {
        let parameters = try #require(Self.offer(offer))
        #expect(DeflateAgreement(offer: parameters, options: PerMessageDeflate())?.responseHeader == answer)
    }

    @Test("with context takeover, the server keeps its context unless the browser asks it not to")
    func contextTakeover() throws {
        let options = PerMessageDeflate(contextTakeover: true)
        let plainOffer = try #require(Self.offer("permessage-deflate"))
        let plain = try #require(DeflateAgreement(offer: plainOffer, options: options))
        #expect(plain.contextTakeover)
        #expect(plain.responseHeader == "permessage-deflate; client_no_context_takeover")
        let askedOffer = try #require(Self.offer("permessage-deflate; server_no_context_takeover"))
        let asked = try #require(DeflateAgreement(offer: askedOffer, options: options))
        #expect(!asked.contextTakeover)
    }

    @Test("options are clamped to what zlib takes, when made and when changed")
    func clamped() {
        let options = PerMessageDeflate(compressionLevel: 42, windowBits: 3, memoryLevel: 0, minimumMessageBytes: -5)
        #expect(options == PerMessageDeflate(compressionLevel: 9, windowBits: 9, memoryLevel: 1, minimumMessageBytes: 0))
        var changed = PerMessageDeflate()
        changed.windowBits = 3
        changed.compressionLevel = 0
        changed.memoryLevel = 10
        changed.minimumMessageBytes = -1
        #expect(changed == PerMessageDeflate(compressionLevel: 1, windowBits: 9, memoryLevel: 9, minimumMessageBytes: 0))
    }

    @Test("a deflated message inflates back, alone or with context, and a message over the limit is refused")
    func deflateInflate() throws {
        let offer = try #require(Self.offer("permessage-deflate"))
        let agreement = try #require(DeflateAgreement(offer: offer, options: PerMessageDeflate(minimumMessageBytes: 0)))
        let message = ByteBuffer(string: String(repeating: "<tr><td>row</td></tr>", count: 100))
        let alone = try #require(Deflater.deflateAlone(message, agreement: agreement, allocator: ByteBufferAllocator()))
        #expect(alone.readableBytes < message.readableBytes / 10)
        var input = alone
        input.writeBytes([0, 0, 0xff, 0xff])
        let inflater = try Inflater.take()
        #expect(try inflater.inflate(&input, limit: 1 << 20) == message)
        Inflater.giveBack(inflater)

        var tooBig = alone
        tooBig.writeBytes([0, 0, 0xff, 0xff])
        let strict = try Inflater.take()
        #expect(throws: NIOWebSocketError.invalidFrameLength) { try strict.inflate(&tooBig, limit: 100) }
        Inflater.giveBack(strict)

        var garbage = ByteBuffer(bytes: [0xff, 0xff, 0xff, 0xff, 0x00])
        let confused = try Inflater.take()
        #expect(throws: DeflateProtocolError.self) { try confused.inflate(&garbage, limit: 1 << 20) }
        Inflater.giveBack(confused)
    }
}
