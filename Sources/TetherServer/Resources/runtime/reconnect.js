// What the page does when the circuit's socket closes. A drop is retried with the reconnection
// policy, and the same circuit, whose state the server kept, is resumed. The default UI is
// #tether-reconnect-modal; an app can put its own element with that id in the page to restyle
// it. Each state change sets one class on it (tether-reconnect-show, -retrying, -resuming,
// -failed, -rejected, -hide) and dispatches a DOM event of the same name with a "tether:" prefix
// on document. `resuming` covers a resume whose socket is open and whose handshake is pending
// (the server may be rebuilding the circuit from its store), and a server restart announced by a
// `bye` that resumes: the page then keeps retrying for at least two minutes, past the policy's
// maxRetries, rather than show `failed` while the next process starts.
//
// A pause (Tether.pause(), or the automatic one of lifecycle.js) is no drop: its 4006 close
// shows nothing and retries nothing; `tether:paused` and, once Tether.resume() brought the
// circuit back, `tether:resumed` are dispatched on document.
//
// The close code decides whether any of that happens (closeDisposition in circuit.js): 4001 goes
// straight to the rejected state, and a final code ends the circuit with the error bar
// (#tether-error-ui) instead, even in the middle of a reconnect, since the server would refuse
// every further attempt the same way.

import { CloseCode } from './protocol.js';
import { CallFailure, CloseDisposition, ConnectionState } from './circuit.js';
import { markConnection } from './states.js';
import { showErrorBar } from './error-bar.js';

// A page that is already navigating away (a sign-out form posting, a link) must not reload over
// that navigation when its circuit is ended for the same reason.
let navigatingAway = false;
globalThis.addEventListener?.('beforeunload', () => { navigatingAway = true; });
globalThis.addEventListener?.('pageshow', () => { navigatingAway = false; });

/** How long the page keeps trying after a server said it restarts and its circuits resume. */
export const RESTART_BUDGET_MS = 120_000;

export const ReconnectState = Object.freeze({
  show: 'show',
  retrying: 'retrying',
  resuming: 'resuming',
  failed: 'failed',
  rejected: 'rejected',
  hide: 'hide',
});

const MODAL_TEXT = Object.freeze({
  [ReconnectState.show]: () => 'Connection lost. Reconnecting…',
  [ReconnectState.retrying]: ({ attempt, maxRetries }) => `Connection lost. Reconnecting (attempt ${attempt} of ${maxRetries})…`,
  [ReconnectState.resuming]: () => 'Resuming your session…',
  [ReconnectState.failed]: () => 'Could not reconnect to the server.',
  [ReconnectState.rejected]: () => 'This session has expired. Reload the page to continue.',
  [ReconnectState.hide]: () => '',
});

/** The sentence the error bar shows for a final close whose event carried no reason. */
function closeExplanation(code) {
  switch (code) {
    case CloseCode.invalidData: return 'The server closed the connection: it received text that was not valid UTF-8.';
    case CloseCode.policy: return 'The server closed the connection: this page exceeded one of its limits.';
    case CloseCode.tooBig: return 'The server closed the connection: a message was too big.';
    case CloseCode.fatal: return 'An unhandled error on the server ended this session.';
    case CloseCode.replaced: return 'This session was resumed by another connection, so this one was closed.';
    case CloseCode.handshakeTimeout: return 'The server closed the connection: the session did not start in time.';
    case CloseCode.descriptorRefused: return 'The server refused to start this page: its descriptor is invalid, expired or already used.';
    case CloseCode.protocolError: return 'The server closed the connection: the page did not start the session properly.';
    default: return `The connection to the server was closed (${code}).`;
  }
}

export class Reconnection {
  /** `runtime` is the Tether runtime, read for its circuit and options when they are needed. */
  constructor(runtime, log) {
    this.runtime = runtime;
    this.log = log;
    // One attempt at a time: the policy's loop, one Tether.reconnect(), or one Tether.resume().
    this.attempting = false;
    this.shown = null;
    // The socket dropped and the circuit has not been back since: what a return to the page or
    // to the network may retry at once. A close the page asked for is not one.
    this.dropped = false;
    // Until when (performance.now()) a server restart may still be under way.
    this.restartUntil = -Infinity;
    // Cuts short the retry loop's wait, when it waits.
    this.wake = null;
    // The attempt under way, as the overlay's detail shows it.
    this.current = {};
  }

  get circuit() { return this.runtime.circuit; }
  get options() { return this.runtime.options; }
  get restarting() { return performance.now() < this.restartUntil; }

  /** The circuit's socket closed; `previous` is the state it closed in. Returns true when an
   * attempt to resume follows (or one is running), so the circuit keeps its calls in flight for
   * its outcome. */
  closed(e, disposition, previous) {
    // Neither a close the page asked for nor one the server announced with `rejected` is a drop.
    const expected = previous === ConnectionState.leaving || previous === ConnectionState.rejected;
    if (disposition === CloseDisposition.paused) {
      this.paused();
      return false;
    }
    markConnection(false);
    switch (disposition) {
      case CloseDisposition.final:
        this.ended(e, previous === ConnectionState.failed);
        return false;
      case CloseDisposition.rejected:
        // A running attempt shows it when its handshake resolves false.
        if (!expected && !this.attempting) this.show(ReconnectState.rejected, {});
        return false;
      case CloseDisposition.reload:
        if (navigatingAway) return false;
        this.log.info(`reloading: ${e.reason || 'the session changed'}`);
        globalThis.location?.reload();
        return false;
      case CloseDisposition.retry:
        break;
      default:
        this.log.error(`unknown close disposition '${disposition}'`);
        return false;
    }
    if (expected) {
      this.dropped = false;
      return false;
    }
    if (this.attempting) return true;
    this.dropped = true;
    return this.connectionDown(e) !== undefined;
  }

  /** A drop to recover from: the app's handler takes it, or else the policy's retry loop, whose
   * promise (true when the circuit is back) is returned. */
  connectionDown(e) {
    const handler = this.options.reconnectionHandler;
    if (handler && typeof handler.onConnectionDown === 'function') {
      handler.onConnectionDown(this.options.reconnectionOptions || {}, e);
      return undefined;
    }
    return this.retryWithPolicy();
  }

  /** The server saved the circuit and closed its socket: nothing to show, nothing to retry. */
  paused() {
    markConnection(null);
    if (this.shown && this.shown !== ReconnectState.hide) this.show(ReconnectState.hide, {});
    document.dispatchEvent(new CustomEvent('tether:paused'));
  }

  /** A `bye`: with `resumes`, the server saved every circuit and its next process resumes them. */
  shutdown(reason, resumes) {
    if (!resumes) return;
    this.restartUntil = performance.now() + RESTART_BUDGET_MS;
    this.show(ReconnectState.resuming, { reason });
  }

  /** A resume's socket opened; the server is finding (or rebuilding) the circuit. */
  resumeOpened() {
    if (this.attempting) this.show(ReconnectState.resuming, this.current);
  }

  /** A final close: the circuit is over for this page and only a reload starts a new one. */
  ended(e, serverExplained) {
    // One bar: when a `fatal` message came first (4000 follows one), its text stays, because the
    // server wrote it for the user and it may say more than a close reason (at most 123 bytes)
    // can. The close's code and reason are still in the console warning.
    if (!serverExplained) showErrorBar(e.reason || closeExplanation(e.code));
    // The reconnect overlay would cover the bar and promise a reconnect that will not come.
    if (this.shown && this.shown !== ReconnectState.hide) {
      this.show(ReconnectState.hide, { code: e.code, reason: e.reason || '' });
    }
  }

  policy() {
    const o = this.options.reconnectionOptions || {};
    // A saved circuit outlives its server, so the page keeps trying for about a minute, and at
    // most 2 s apart: a restarted server finds its pages back within 2 s of listening.
    const maxRetries = o.maxRetries ?? 30;
    const interval = o.retryIntervalMilliseconds ?? ((attempt) => Math.min(500 * 2 ** (attempt - 1), 2000));
    return { maxRetries, interval: typeof interval === 'function' ? interval : () => interval };
  }

  /** Waits `ms`, or less when retryNow() cuts the wait short. */
  wait(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Resumes the circuit with the policy's attempts and waits; `immediate` makes the first
   * attempt without waiting. Resolves true when the circuit is back. */
  async retryWithPolicy({ immediate = false } = {}) {
    this.attempting = true;
    const circuit = this.circuit;
    const { maxRetries, interval } = this.policy();
    // During a server restart the attempts count past maxRetries, so the overlay says the
    // session is resuming rather than number them.
    const announce = (state, detail) => this.show(
      this.restarting || detail.attempt > maxRetries ? ReconnectState.resuming : state, detail);
    announce(ReconnectState.show, { attempt: 0, maxRetries });
    let attempt = 0;
    while (attempt < maxRetries || this.restarting) {
      attempt++;
      if (!immediate || attempt > 1) await this.wait(interval(attempt));
      this.current = { attempt, maxRetries };
      announce(ReconnectState.retrying, this.current);
      let resumed;
      try {
        resumed = await circuit.resume();
      } catch {
        if (circuit.state === ConnectionState.disconnected) continue;
        // A final close (ended() has shown why, and another attempt would be refused the same
        // way) or a pause: nothing more to try.
        return this.finish(false);
      }
      // Cleared before the outcome is shown, so a listener of that state may try again at once.
      const detail = this.current;
      this.finish(resumed);
      if (resumed) this.connectionUp(); else this.show(ReconnectState.rejected, detail);
      return resumed;
    }
    this.finish(false);
    this.show(ReconnectState.failed, { attempt, maxRetries });
    return false;
  }

  /** An attempt, or the loop of them, is over: calls still held for its outcome fail unless the
   * circuit is back. */
  finish(resumed) {
    this.attempting = false;
    this.current = {};
    const circuit = this.circuit;
    if (!resumed) circuit.releaseCalls(circuit.state === ConnectionState.paused ? CallFailure.paused : CallFailure.disconnected);
    return resumed;
  }

  connectionUp() {
    this.dropped = false;
    this.restartUntil = -Infinity;
    markConnection(true);
    this.show(ReconnectState.hide, {});
    const handler = this.options.reconnectionHandler;
    if (handler && typeof handler.onConnectionUp === 'function') handler.onConnectionUp();
  }

  /** The page is back in front, or back online: a dropped circuit need not wait out the
   * policy's delay, nor stay down after the policy gave up. */
  retryNow() {
    const circuit = this.circuit;
    if (!circuit || circuit.state !== ConnectionState.disconnected || !this.dropped) return;
    if (this.wake) {
      this.wake();
      return;
    }
    // An app with its own handler decides when to retry.
    if (this.attempting || this.options.reconnectionHandler) return;
    this.retryWithPolicy({ immediate: true });
  }

  /** Tries once to resume the circuit now. Resolves true when it is back. */
  async reconnect() {
    const circuit = this.circuit;
    if (!circuit || this.attempting) return false;
    // A Tether.disconnect() still closing its socket finishes first.
    if (circuit.closing) await circuit.closing;
    if (circuit.state === ConnectionState.ended) return false;
    if (circuit.state === ConnectionState.open) return true;
    this.attempting = true;
    let resumed = false;
    try {
      resumed = await circuit.resume();
    } catch {
      this.finish(false);
      // After a final close the error bar says why; a Retry button would only fail again.
      if (circuit.state !== ConnectionState.ended) this.show(ReconnectState.failed, {});
      return false;
    }
    this.finish(resumed);
    if (resumed) this.connectionUp(); else this.show(ReconnectState.rejected, {});
    return resumed;
  }

  /** Asks the server to save the circuit and close its socket. Resolves true once paused. */
  pause() {
    const circuit = this.circuit;
    if (!circuit || circuit.state !== ConnectionState.open) return Promise.resolve(false);
    return circuit.pause();
  }

  /** Brings back a paused circuit, or a disconnected one no attempt is resuming. Resolves true
   * when it is back; when the server cannot be reached, the policy's retries follow. */
  async resume() {
    const circuit = this.circuit;
    if (!circuit) return false;
    // A pause still on its way out finishes first.
    if (circuit.closing) await circuit.closing;
    if (circuit.state === ConnectionState.open) return true;
    if (this.attempting) return false;
    if (circuit.state !== ConnectionState.paused && circuit.state !== ConnectionState.disconnected) return false;
    this.attempting = true;
    let resumed;
    try {
      resumed = await circuit.resume();
    } catch (err) {
      if (circuit.state !== ConnectionState.disconnected) return this.finish(false);
      // Unreachable, not refused: retried as a drop would be, keeping the calls held.
      this.attempting = false;
      this.dropped = true;
      const retrying = this.connectionDown({ code: err.closeCode, reason: err.closeReason || '' });
      if (retrying === undefined) return this.finish(false);
      resumed = await retrying;
      if (resumed) document.dispatchEvent(new CustomEvent('tether:resumed'));
      return resumed;
    }
    this.finish(resumed);
    if (resumed) {
      this.connectionUp();
      document.dispatchEvent(new CustomEvent('tether:resumed'));
    } else {
      this.show(ReconnectState.rejected, {});
    }
    return resumed;
  }

  show(state, detail) {
    // One announcement for however many attempts a resume or a restart takes.
    if (state === ReconnectState.resuming && this.shown === ReconnectState.resuming) return;
    this.shown = state;
    if (!this.options.reconnectionHandler) this.updateModal(state, detail);
    document.dispatchEvent(new CustomEvent('tether:reconnect-' + state, { detail }));
  }

  updateModal(state, detail) {
    let modal = document.getElementById('tether-reconnect-modal');
    if (!modal) {
      if (state === ReconnectState.hide) return;
      modal = this.createModal();
    }
    for (const s of Object.values(ReconnectState)) modal.classList.remove('tether-reconnect-' + s);
    modal.classList.add('tether-reconnect-' + state);
    // An element the app provided is only given the class; its look is the app's.
    if (!modal._tetherParts) return;
    const { message, retry, reload } = modal._tetherParts;
    modal.style.display = state === ReconnectState.hide ? 'none' : 'flex';
    message.textContent = MODAL_TEXT[state](detail);
    retry.style.display = state === ReconnectState.failed ? '' : 'none';
    reload.style.display = state === ReconnectState.failed || state === ReconnectState.rejected ? '' : 'none';
  }

  createModal() {
    const modal = document.createElement('div');
    modal.id = 'tether-reconnect-modal';
    modal.setAttribute('role', 'dialog');
    Object.assign(modal.style, {
      position: 'fixed', inset: '0', display: 'flex', alignItems: 'center', justifyContent: 'center',
      background: 'rgba(0,0,0,0.3)', zIndex: '10000', font: '16px system-ui, sans-serif',
    });
    const box = document.createElement('div');
    Object.assign(box.style, { background: '#fff', padding: '1.5em 2em', borderRadius: '8px', boxShadow: '0 4px 24px rgba(0,0,0,0.2)' });
    const message = document.createElement('p');
    message.className = 'tether-reconnect-message';
    const retry = document.createElement('button');
    retry.className = 'tether-reconnect-retry';
    retry.textContent = 'Retry';
    retry.addEventListener('click', () => this.reconnect());
    const reload = document.createElement('button');
    reload.className = 'tether-reconnect-reload';
    reload.textContent = 'Reload';
    reload.addEventListener('click', () => location.reload());
    box.append(message, retry, ' ', reload);
    modal.append(box);
    document.body.appendChild(modal);
    modal._tetherParts = { message, retry, reload };
    return modal;
  }
}
