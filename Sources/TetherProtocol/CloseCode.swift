/// The WebSocket close codes the server ends a circuit's socket with. Codes 4000–4999 are
/// Tether's own. The runtime retries only after `normal`, `goingAway` and codes not listed here
/// (a dropped connection); every other code is final and its reason is shown to the user.
///
/// | code | when |
/// | --- | --- |
/// | `normal` | the page ended the circuit |
/// | `goingAway` | the server is shutting down; the page resumes on the next one |
/// | `serviceRestart` | the server drained: it saved the circuit, and the page resumes it on the next process or another node |
/// | `invalidData` | a text frame was not valid UTF-8 |
/// | `policy` | a limit refused the circuit: too many circuits, the client address's memory budget, or a browser that stopped reading |
/// | `tooBig` | a message over the size limit |
/// | `fatal` | an unhandled error ended the circuit |
/// | `rejected` | a resume was refused: the circuit is gone or the secret is wrong |
/// | `replaced` | another socket resumed this circuit |
/// | `handshakeTimeout` | no `start` or `resume` in time |
/// | `descriptorRefused` | the prerender descriptor was invalid, expired or already used |
/// | `protocolError` | the first message was not a valid `start` or `resume` |
/// | `paused` | the page paused the circuit: the server saved it and freed it; the page resumes it when asked |
/// | `unauthorized` | the page's user may no longer see it: signed out, another session, or a page they are not allowed; the page reloads, and the server decides what it shows |
package enum CloseCode: UInt16, CaseIterable, Sendable {
    case normal = 1000, goingAway = 1001, invalidData = 1007, policy = 1008, tooBig = 1009, serviceRestart = 1012
    case fatal = 4000, rejected = 4001, replaced = 4002, handshakeTimeout = 4003, descriptorRefused = 4004, protocolError = 4005, paused = 4006,
        unauthorized = 4007
}
