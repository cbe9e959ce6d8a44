/// The WebSocket close codes the server ends a circuit's socket with. Codes 4000–4999 are
/// Tether's own. The runtime retries only after `normal`, `goingAway` and codes not listed here
/// (a dropped connection); every other code is final and its reason is shown to the user.
package enum CloseCode: UInt16, CaseIterable, Sendable {
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
