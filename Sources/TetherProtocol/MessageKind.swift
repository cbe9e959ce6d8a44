/// The first element of every message on a circuit, naming what the message is.
///
/// The runtime's `protocol.js` holds the same names and values, and
/// `ProtocolVocabularyTests` fails when the two disagree. The table of each message's fields is
/// on `WireCodec`.
package enum MessageKind: String, CaseIterable, Sendable {
    // Browser to server.
    case start, resume, end, event = "ev", callCompleted = "done", invoke = "inv"
    case acknowledge = "ack", releaseObject = "rel", navigate = "nav", pause, drained
    // Server to browser.
    case render = "r", call = "c", invocationResult = "res", protocolError = "err", navigateTo = "go"
    case disposeJSObject = "djs", fatal, rejected, shutdown = "bye", configure = "cfg", drain, eventHandled = "evd"
}
