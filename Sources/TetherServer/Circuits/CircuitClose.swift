import NIOWebSocket

/// Why the server closes a circuit's socket: a WebSocket close code that says what happened, and
/// a reason the runtime shows. Codes 4000–4999 are Tether's own; the runtime retries only after a
/// code that is not final (see `tether.js`, `CloseCode`).
struct CircuitClose: Sendable, Equatable {
    enum Code: UInt16, Sendable {
        /// The page ended the circuit.
        case normal = 1000
        /// The server is shutting down; the page resumes on the next one.
        case goingAway = 1001
        /// A text frame was not valid UTF-8.
        case invalidData = 1007
        /// A limit refused the circuit: too many circuits or the memory budget of its client
        /// address, or a browser that stopped reading.
        case policy = 1008
        /// A message over the size limit.
        case tooBig = 1009
        /// An unhandled error ended the circuit.
        case fatal = 4000
        /// A resume was refused: the circuit is gone or the secret is wrong.
        case rejected = 4001
        /// Another socket resumed this circuit.
        case replaced = 4002
        /// No `start` or `resume` in time.
        case handshakeTimeout = 4003
        /// The prerender descriptor was invalid, expired or already used.
        case descriptorRefused = 4004
        /// The first message was not a valid `start` or `resume`.
        case protocolError = 4005
    }

    let code: Code
    let reason: String

    /// What the socket a resume took the circuit from is told.
    static let replaced = CircuitClose(.replaced, "Another connection resumed this circuit.")

    init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = Self.fit(reason)
    }

    var webSocketCode: WebSocketErrorCode { WebSocketErrorCode(codeNumber: Int(code.rawValue)) }

    /// A close frame carries at most 123 bytes of reason.
    private static func fit(_ reason: String) -> String {
        guard reason.utf8.count > 123 else { return reason }
        var out = ""
        for character in reason {
            guard out.utf8.count + String(character).utf8.count <= 120 else { break }
            out.append(character)
        }
        return out + "…"
    }
}
