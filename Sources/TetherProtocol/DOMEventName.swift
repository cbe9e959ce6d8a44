/// The DOM events the runtime listens for and forwards to handlers.
package enum DOMEventName: String, CaseIterable, Sendable {
    case click, dblclick, input, change, submit, keydown, keyup, focus, blur
    case mousedown, mouseup, mousemove, mouseover, mouseout
    case pointerdown, pointerup, pointermove
    case contextmenu
    /// Sent by a scroll container (`Virtualize`) with its `scrollTop` and `clientHeight`.
    case scroll
}
