/// The first element of every message on a circuit, naming what the message is.
///
/// The runtime's `protocol.js` holds the same names and values, and
/// `ProtocolVocabularyTests` fails when the two disagree. The table of each message's fields is
/// on `WireCodec`.
package enum MessageKind: String, CaseIterable, Sendable {
    // Browser to server.
    case start
    case resume
    case end
    case event = "ev"
    case callCompleted = "done"
    case invoke = "inv"
    case acknowledge = "ack"
    case releaseObject = "rel"
    case navigate = "nav"
    // Server to browser.
    case render = "r"
    case call = "c"
    case invocationResult = "res"
    case protocolError = "err"
    case navigateTo = "go"
    case disposeJSObject = "djs"
    case fatal
    case rejected
    case shutdown = "bye"
    case configure = "cfg"
}
