/// The attributes the renderer writes for behaviour the runtime carries out in the browser on
/// its own: client commands, and the loading, offline and dirty states. Each holds JSON.
///
/// | attribute | value |
/// | --- | --- |
/// | `clientCommandsPrefix` + event (`data-t-js-click`) | `[flags, command, …]`: flags is `"pd"`, `"sp"`, `"pd;sp"` or `""` (used only when no server handler is bound, whose own flags otherwise apply); a command is `[name, …arguments]` (`ClientCommandName`) |
/// | `loading`, `offline`, `dirty` | `[state, …]`, a state being `[delay ms, target, effect, …]`; an effect is `[kind, …arguments]` (`StateEffectKind`) |
///
/// A loading state's target is `""` (events the element itself sends), `"*"` (any event) or an
/// element id (events that element sends); a dirty state's is `""` (the element itself) or the
/// id of the input it watches; an offline state's is always `""`.
package enum BehaviourAttribute: String, CaseIterable, Sendable {
    case clientCommandsPrefix = "data-t-js-"
    case loading = "data-t-loading"
    case offline = "data-t-offline"
    case dirty = "data-t-dirty"
}

/// The commands a client-command list may hold, with their arguments after the name. A selector
/// of `""` means the element the event happened on.
///
/// | command | arguments |
/// | --- | --- |
/// | `show`, `hide`, `toggle`, `focus` | selector |
/// | `addClass`, `removeClass`, `toggleClass` | class names (space-separated), selector |
/// | `setAttribute` | name, value, selector |
/// | `removeAttribute` | name, selector |
/// | `dispatch` | event name, detail (any JSON), selector |
package enum ClientCommandName: String, CaseIterable, Sendable {
    case show, hide, toggle, addClass, removeClass, toggleClass, setAttribute, removeAttribute, dispatch, focus
}

/// What an element does while one of its states holds, undone when it ends.
///
/// | kind | arguments |
/// | --- | --- |
/// | `addClass` | class names (space-separated) |
/// | `setAttribute` | name, value |
/// | `show` | (none): the element is hidden otherwise |
/// | `hide` | (none) |
package enum StateEffectKind: String, CaseIterable, Sendable {
    case addClass = "class", setAttribute = "attr", show, hide
}

/// The class the runtime keeps on `document.documentElement` for where the circuit stands, for
/// CSS to read: `connected` while it is open, `disconnected` from its first loss until it is back.
package enum ConnectionClass: String, CaseIterable, Sendable {
    case connected = "tether-connected"
    case disconnected = "tether-disconnected"
}
