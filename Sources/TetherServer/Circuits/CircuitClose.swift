import NIOWebSocket
import TetherProtocol

/// Why the server closes a circuit's socket: a close code that says what happened (`CloseCode`,
/// shared with the runtime) and a reason the runtime shows.
struct CircuitClose: Sendable, Equatable {
    let code: CloseCode
    let reason: String

    /// What the socket a resume took the circuit from is told.
    static let replaced = CircuitClose(.replaced, "Another connection resumed this circuit.")

    init(_ code: CloseCode, _ reason: String) {
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
