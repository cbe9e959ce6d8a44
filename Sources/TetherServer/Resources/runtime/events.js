// DOM events: one listener per event type on the render root finds the bound elements
// (data-t-<event>="handlerId;flags") and sends each one's event args to the server, debounced
// or throttled as the binding asks. An element's client commands (data-t-js-<event>) run first,
// in the browser alone.

import { EventNames, MessageKind } from './protocol.js';

// These do not bubble, so the root hears them only in the capture phase, and only the element
// they happened on is meant.
const NON_BUBBLING = new Set(['focus', 'blur', 'scroll']);

/** The plain data of a DOM event that crosses the wire (EventArgs in Events.swift). */
export function eventArgs(e) {
  const t = e.target || {};
  const args = { type: e.type };
  if (t && 'value' in t && typeof t.value === 'string') args.value = t.value;
  if (t && (t.type === 'checkbox' || t.type === 'radio')) args.checked = !!t.checked;
  if ('key' in e) { args.key = e.key; args.code = e.code; }
  if ('altKey' in e) {
    args.altKey = e.altKey; args.ctrlKey = e.ctrlKey; args.shiftKey = e.shiftKey; args.metaKey = e.metaKey;
  }
  if ('button' in e) {
    args.button = e.button; args.clientX = e.clientX; args.clientY = e.clientY;
    args.offsetX = e.offsetX; args.offsetY = e.offsetY;
  }
  if (typeof e.detail === 'number') args.detail = e.detail;
  if ('pointerType' in e) args.pointerType = e.pointerType;
  // A scroll container's position, for Virtualize: which rows are in view.
  if (e.type === 'scroll' && typeof t.scrollTop === 'number') {
    args.scrollTop = t.scrollTop;
    args.clientHeight = t.clientHeight;
  }
  return args;
}

/** Parses a `data-t-<event>` value: "handlerId;pd;sp;db=300;th=100". */
export function parseBinding(value) {
  const [id, ...flags] = value.split(';');
  const b = { id, preventDefault: false, stopPropagation: false, debounce: 0, throttle: 0 };
  for (const f of flags) {
    if (f === 'pd') b.preventDefault = true;
    else if (f === 'sp') b.stopPropagation = true;
    else if (f.startsWith('db=')) b.debounce = Number(f.slice(3)) || 0;
    else if (f.startsWith('th=')) b.throttle = Number(f.slice(3)) || 0;
  }
  return b;
}

/** Listens on `root` for every event a component can handle and calls `send(binding, event,
 * element)` for each bound element from the target up to the root, innermost first, after running
 * the element's client commands with `commands` (a ClientCommandRunner) when given. Nothing above
 * the root is the runtime's business. */
export function delegateEvents(root, send, commands = null) {
  const onEvent = (e) => {
    const attr = 'data-t-' + e.type;
    let el = e.target;
    while (el && el !== root.parentNode) {
      if (el.nodeType === 1) {
        const client = commands ? commands.read(el, e.type) : null;
        const binding = el.hasAttribute(attr) ? parseBinding(el.getAttribute(attr)) : null;
        if (client || binding) {
          if (binding?.preventDefault || client?.preventDefault) e.preventDefault();
          if (client) commands.run(client, el, e.type);
          if (binding) send(binding, e, el);
          if (binding?.stopPropagation || client?.stopPropagation || NON_BUBBLING.has(e.type)) break;
        }
      }
      el = el.parentNode;
    }
  };
  for (const type of EventNames) root.addEventListener(type, onEvent, NON_BUBBLING.has(type));
}

/** Posts bound events as `ev` messages, holding back the ones a debounce or throttle delays. Each
 * `ev` carries a sequence number the server sends back in `evd` once it has handled it; `sent`
 * (sequence, element) hears of each as it goes. */
export class EventSender {
  constructor(post, sent = null) {
    this.post = post;
    this.sent = sent;
    this.nextSequence = 1;
    // binding id → { timer, post }: the delayed event of each binding, to send early or drop.
    this.delayed = new Map();
    this.lastThrottle = new Map();
  }

  send(binding, e, el = null) {
    // The args are read when the event fires: by the time a delayed one goes, the input may hold
    // text the user typed after it.
    const args = eventArgs(e);
    const post = () => {
      this.delayed.delete(binding.id);
      const sequence = this.nextSequence++;
      this.post([MessageKind.event, binding.id, args, sequence]);
      if (this.sent && el) this.sent(sequence, el);
    };
    if (binding.debounce > 0) {
      this.delay(binding.id, post, binding.debounce);
    } else if (binding.throttle > 0) {
      // At most one event per interval, and the last one of a burst is never lost.
      const now = performance.now();
      const last = this.lastThrottle.get(binding.id) ?? -Infinity;
      clearTimeout(this.delayed.get(binding.id)?.timer);
      this.delayed.delete(binding.id);
      if (now - last >= binding.throttle) {
        this.lastThrottle.set(binding.id, now);
        post();
      } else {
        this.delay(binding.id, () => {
          this.lastThrottle.set(binding.id, performance.now());
          post();
        }, binding.throttle - (now - last));
      }
    } else {
      post();
    }
  }

  delay(id, post, ms) {
    clearTimeout(this.delayed.get(id)?.timer);
    this.delayed.set(id, { timer: setTimeout(post, ms), post });
  }

  /** Sends every delayed event now: the server is about to save what the page shows. */
  sendPending() {
    const pending = [...this.delayed.values()];
    for (const { timer, post } of pending) {
      clearTimeout(timer);
      post();
    }
  }

  /** Drops the delayed events: a closed circuit has nobody to send them to. */
  cancelPending() {
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
  }
}
