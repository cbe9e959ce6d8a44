import Synchronization
import TetherInterop

/// Plays the browser's side of JS interop in tests: each call is answered by a script you set
/// per identifier, and every call is recorded.
///
/// ```swift
/// let js = ScriptedJS()
/// js.reply("convertArray") { _ in .success("<em>hi</em>") }
/// ```
public final class ScriptedJS: InteropOutbox {
    /// One call the code under test made.
    public struct Call: Sendable, Equatable {
        /// The function, property or module the call named.
        public let identifier: String
        /// The arguments as the browser would receive them: a JSON array.
        public let arguments: JSONValue

        /// A call, to compare with what `calls` recorded.
        public init(identifier: String, arguments: JSONValue) {
            self.identifier = identifier
            self.arguments = arguments
        }
    }

    /// Answers one call from its arguments (a JSON array): `.success(value)`, `.failure(message:stack:)`
    /// (the caller gets a `JSException`), or nil to leave the call pending, as a browser that never
    /// answers would.
    public typealias Script = @Sendable (_ arguments: JSONValue) -> JSCallOutcome?

    private struct State {
        var scripts: [String: Script] = [:]
        var calls: [Call] = []
        var messages: [InteropMessage] = []
    }

    private let state = Mutex(State())
    private let channelBox = Mutex<InteropChannel?>(nil)

    /// A fake browser with no scripts: every call fails with a `JSException` saying so, until
    /// `reply` scripts its identifier.
    public init() {}

    /// The channel this fake browser answers; pass its `JSRuntime` to the code under test.
    package func makeChannel(options: InteropOptions = InteropOptions()) -> InteropChannel {
        let channel = InteropChannel(outbox: self, options: options)
        channelBox.withLock { $0 = channel }
        return channel
    }

    /// Answers calls to `identifier`; a script returning nil leaves the call pending.
    public func reply(_ identifier: String, _ script: @escaping Script) {
        state.withLock { $0.scripts[identifier] = script }
    }

    /// Answers calls to `identifier` with a fixed value.
    public func reply(_ identifier: String, value: JSONValue) {
        reply(identifier) { _ in .success(value) }
    }

    /// Every call made so far, in order, scripted or not.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// Every message the code under test sent other than calls, such as method results.
    package var messages: [InteropMessage] { state.withLock { $0.messages } }

    package func enqueue(_ message: InteropMessage) {
        guard case .call(let id, let identifier, let arguments, _, _, _) = message else {
            state.withLock { $0.messages.append(message) }
            return
        }
        let args = (try? JSONParser.parse(arguments)) ?? .null
        let script = state.withLock { state -> Script? in
            state.calls.append(Call(identifier: identifier, arguments: args))
            return state.scripts[identifier]
        }
        let outcome =
            script.map { $0(args) }
            ?? .failure(message: "Could not find '\(identifier)' (no script in ScriptedJS).", stack: nil)
        guard let outcome, let channel = channelBox.withLock({ $0 }) else { return }
        // Completes after the caller has started waiting, as a real browser would.
        Task { channel.complete(callID: id, outcome: outcome) }
    }
}
