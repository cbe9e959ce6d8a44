// Loading, offline and dirty states (BehaviourAttribute in ClientBehaviours.swift): elements
// that take a class, an attribute, or show or hide while an event they sent is in flight, while
// the circuit is disconnected, or while a bound input holds a value the server has not rendered
// back. An event is in flight from when its `ev` is posted until the server's `evd` for its
// sequence number, which comes after the render the handler caused; `refresh()` runs after every
// render batch, so each state follows what the page shows.

import { BehaviourAttribute, ConnectionClass, StateEffectKind } from './protocol.js';
import { addClasses, classNames, removeClasses } from './client-effects.js';
import { describeElement } from './commands.js';

const STATE_ATTRIBUTES = [BehaviourAttribute.loading, BehaviourAttribute.offline, BehaviourAttribute.dirty];
const SELECTOR = STATE_ATTRIBUTES.map((a) => `[${a}]`).join(',');
const ANY_EVENT = '*';

// The PageStates that follow the root's connection class.
const connectionListeners = new Set();

/** Puts the class on document.documentElement that says where the circuit stands: connected
 * (true), dropped and not yet back (false), or neither (null: paused, on purpose). The one place
 * that writes those classes; the offline states follow them. */
export function markConnection(connected, doc = globalThis.document) {
  const classes = doc && doc.documentElement && doc.documentElement.classList;
  if (!classes) return;
  if (connected === true) classes.add(ConnectionClass.connected); else classes.remove(ConnectionClass.connected);
  if (connected === false) classes.add(ConnectionClass.disconnected); else classes.remove(ConnectionClass.disconnected);
  for (const listener of connectionListeners) listener();
}

/** Whether `input` holds a value the server has not rendered: its live value differs from the
 * value (or checked) attribute the server last set. */
export function isDirty(input) {
  if (!input) return false;
  if (input.type === 'checkbox' || input.type === 'radio') return !!input.checked !== input.hasAttribute('checked');
  if (!('value' in input)) return false;
  return input.value !== (input.getAttribute('value') ?? '');
}

/** Applies an effect to `el` and returns what undoes it. */
function applyEffect(el, effect) {
  const [kind, a, b] = effect;
  switch (kind) {
    case StateEffectKind.addClass: {
      const names = classNames(a).filter((n) => !el.classList.contains(n));
      addClasses(el, names);
      return () => removeClasses(el, names);
    }
    case StateEffectKind.setAttribute: {
      const before = el.getAttribute(a);
      el.setAttribute(a, b ?? '');
      return () => { if (before === null) el.removeAttribute(a); else el.setAttribute(a, before); };
    }
    case StateEffectKind.show:
    case StateEffectKind.hide: {
      const hidden = el.hasAttribute('hidden');
      const display = el.style.display;
      if (kind === StateEffectKind.show) {
        el.removeAttribute('hidden');
        if (display === 'none') el.style.display = '';
      } else {
        el.style.display = 'none';
      }
      return () => {
        if (hidden) el.setAttribute('hidden', ''); else el.removeAttribute('hidden');
        el.style.display = display;
      };
    }
    default:
      throw new Error(`'${kind}' is not a state effect (known: ${Object.values(StateEffectKind).join(', ')})`);
  }
}

export class PageStates {
  /** `timers` is { setTimeout, clearTimeout }, for tests. */
  constructor(root, log, { doc = globalThis.document, timers = globalThis } = {}) {
    this.root = root;
    this.log = log;
    this.doc = doc;
    this.timers = timers;
    // sequence number → the element whose binding sent the event.
    this.inFlight = new Map();
    // element → Map(`attribute#index` → { text, timer, undo }).
    this.records = new WeakMap();
    // Parsed attribute values by text.
    this.parsed = new Map();
  }

  eventSent(sequence, el) {
    this.inFlight.set(sequence, el);
    this.refresh();
  }

  /** The server handled the event numbered `sequence`. Events are handled in the order sent, so
   * every earlier one is done too (one the server dropped has no `evd` of its own). */
  eventHandled(sequence) {
    if (typeof sequence !== 'number') return;
    for (const s of this.inFlight.keys()) if (s <= sequence) this.inFlight.delete(s);
    this.refresh();
  }

  /** The socket closed: no `evd` is coming for what it carried. */
  eventsLost() {
    this.inFlight.clear();
    this.refresh();
  }

  /** Follows markConnection from now on; returns what stops it. */
  followConnection() {
    const listener = () => this.refresh();
    connectionListeners.add(listener);
    return () => connectionListeners.delete(listener);
  }

  /** Offline while the page shows the circuit as dropped: from a drop until it is back, and not
   * while it first connects nor while it is paused on purpose. */
  get offline() {
    const root = this.doc.documentElement;
    return !!root && root.classList.contains(ConnectionClass.disconnected);
  }

  isActive(attribute, target, el) {
    switch (attribute) {
      case BehaviourAttribute.loading:
        if (target === ANY_EVENT) return this.inFlight.size > 0;
        for (const source of this.inFlight.values()) {
          if (target === '' ? (source === el || el.contains(source)) : source.id === target) return true;
        }
        return false;
      case BehaviourAttribute.offline:
        return this.offline;
      case BehaviourAttribute.dirty:
        return isDirty(target === '' ? el : this.doc.getElementById(target));
      default:
        return false;
    }
  }

  read(el, attribute) {
    const text = el.getAttribute(attribute);
    let states = this.parsed.get(text);
    if (states === undefined) {
      try {
        states = JSON.parse(text);
        if (!Array.isArray(states) || !states.every((s) => Array.isArray(s) && typeof s[0] === 'number' && typeof s[1] === 'string')) {
          throw new Error('is not [[delay, target, effect, …], …]');
        }
      } catch (err) {
        this.log.error(`${attribute} on ${describeElement(el)} ${err.message}`);
        states = [];
      }
      if (this.parsed.size > 256) this.parsed.clear();
      this.parsed.set(text, states);
    }
    return { text, states };
  }

  /** Brings every state on the page in line with what is in flight, connected and typed. */
  refresh() {
    if (!this.root || typeof this.root.querySelectorAll !== 'function') return;
    for (const el of this.root.querySelectorAll(SELECTOR)) {
      let records = this.records.get(el);
      if (!records) this.records.set(el, (records = new Map()));
      for (const attribute of STATE_ATTRIBUTES) {
        if (!el.hasAttribute(attribute)) continue;
        const { text, states } = this.read(el, attribute);
        states.forEach((state, index) => {
          const key = `${attribute}#${index}`;
          let record = records.get(key);
          // The server rendered other states here: the old ones end first.
          if (record && record.text !== text) { this.end(record); records.delete(key); record = undefined; }
          const active = this.isActive(attribute, state[1], el);
          if (active && !record) {
            record = { text, timer: null, undo: null };
            records.set(key, record);
            const start = () => { record.timer = null; record.undo = this.begin(el, state.slice(2), attribute); };
            if (state[0] > 0) record.timer = this.timers.setTimeout(start, state[0]); else start();
          } else if (!active && record) {
            this.end(record);
            records.delete(key);
          }
        });
      }
    }
  }

  begin(el, effects, attribute) {
    const undos = [];
    for (const effect of effects) {
      try {
        undos.push(applyEffect(el, effect));
      } catch (err) {
        this.log.error(`${attribute} on ${describeElement(el)}: ${err.message}`);
      }
    }
    return () => { for (const undo of undos.reverse()) undo(); };
  }

  end(record) {
    if (record.timer !== null) this.timers.clearTimeout(record.timer);
    if (record.undo) record.undo();
  }
}
