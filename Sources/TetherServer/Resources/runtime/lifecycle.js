// The page's lifecycle as the circuit sees it. A page left hidden pauses its circuit, so the
// server can save it and free its memory, and resumes it when it is shown again; a page shown
// again, or back online, retries a dropped circuit at once instead of waiting out the policy's
// delay; a page going away ends its circuit, so the server forgets it instead of keeping it
// until it expires.

import { ConnectionState } from './circuit.js';

/** How long a hidden page waits before it pauses, unless `autoPause.hiddenDelay` says. */
export const DEFAULT_HIDDEN_DELAY_MS = 120_000;

/** The longest wait before a busy hidden page checks again whether it can pause. */
const BUSY_RECHECK_MS = 5_000;

export class PageLifecycle {
  /** `runtime` is the Tether runtime, read for its circuit and options when they are needed. */
  constructor(runtime, reconnection) {
    this.runtime = runtime;
    this.reconnection = reconnection;
    this.timer = null;
    // Paused by this module, so shown again it resumes; a pause the app asked for stays.
    this.autoPaused = false;
  }

  get circuit() { return this.runtime.circuit; }

  /** Listens to the document and the window; starts the hidden timer if the page starts hidden. */
  install() {
    document.addEventListener('visibilitychange', () => this.visibilityChanged());
    if (typeof globalThis.addEventListener === 'function') {
      globalThis.addEventListener('online', () => this.reconnection.retryNow());
      globalThis.addEventListener('pagehide', () => this.pagehide());
    }
    if (document.visibilityState === 'hidden') this.visibilityChanged();
  }

  /** The delay before a hidden page pauses, read from the options each time, so a page may
   * change them after start; null when `autoPause` is false. */
  hiddenDelay() {
    const option = this.runtime.options?.autoPause;
    if (option === false) return null;
    const delay = option?.hiddenDelay ?? DEFAULT_HIDDEN_DELAY_MS;
    return Number.isFinite(delay) && delay >= 0 ? delay : DEFAULT_HIDDEN_DELAY_MS;
  }

  visibilityChanged() {
    this.cancel();
    if (document.visibilityState === 'hidden') {
      this.schedule(this.hiddenDelay());
      return;
    }
    if (this.autoPaused) {
      this.autoPaused = false;
      this.reconnection.resume();
    } else {
      this.reconnection.retryNow();
    }
  }

  schedule(delay) {
    if (delay === null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.check();
    }, delay);
  }

  cancel() {
    clearTimeout(this.timer);
    this.timer = null;
  }

  /** The page has been hidden for the delay: pause, unless something under way would be cut off,
   * in which case look again soon. */
  check() {
    const delay = this.hiddenDelay();
    const circuit = this.circuit;
    if (delay === null || !circuit || document.visibilityState !== 'hidden') return;
    const open = circuit.state === ConnectionState.open;
    if (open && !circuit.busy) {
      this.autoPaused = true;
      this.reconnection.pause();
      return;
    }
    // A busy circuit, or one a running attempt may bring back while the page stays hidden.
    if (open || this.reconnection.attempting) this.schedule(Math.min(delay, BUSY_RECHECK_MS));
  }

  pagehide() {
    this.cancel();
    this.circuit?.end();
  }
}
