// What the page does when the circuit's socket closes. A drop is retried with the reconnection
// policy, and the same circuit, whose state the server kept, is resumed. The default UI is
// #tether-reconnect-modal; an app can put its own element with that id in the page to restyle
// it. Each state change sets one class on it (tether-reconnect-show, -retrying, -failed,
// -rejected, -hide) and dispatches a DOM event of the same name with a "tether:" prefix on
// document.
//
// The close code decides whether any of that happens (closeDisposition in circuit.js): 4001 goes
// straight to the rejected state, and a final code ends the circuit with the error bar
// (#tether-error-ui) instead, even in the middle of a reconnect, since the server would refuse
// every further attempt the same way.

import { CloseCode } from './protocol.js';
import { CloseDisposition, ConnectionState } from './circuit.js';

const ReconnectState = Object.freeze({
  show: 'show',
  retrying: 'retrying',
  failed: 'failed',
  rejected: 'rejected',
  hide: 'hide',
});

const MODAL_TEXT = Object.freeze({
  [ReconnectState.show]: () => 'Connection lost. Reconnecting…',
  [ReconnectState.retrying]: ({ attempt, maxRetries }) => `Connection lost. Reconnecting (attempt ${attempt} of ${maxRetries})…`,
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

/** Shows `message` in #tether-error-ui, with a link that reloads the page. */
export function showErrorBar(message) {
  let bar = document.getElementById('tether-error-ui');
  if (!bar) {
    bar = document.createElement('div');
    bar.id = 'tether-error-ui';
    bar.setAttribute('role', 'alert');
    document.body.appendChild(bar);
  }
  bar.textContent = '';
  bar.append(message || 'An error has occurred. ');
  const reload = document.createElement('a');
  reload.href = '';
  reload.textContent = 'Reload';
  bar.append(' ', reload);
  bar.style.display = 'block';
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Reconnection {
  /** `runtime` is the Tether runtime, read for its circuit and options when they are needed. */
  constructor(runtime, log) {
    this.runtime = runtime;
    this.log = log;
    // One attempt at a time: the policy's loop, or one Tether.reconnect().
    this.attempting = false;
    this.shown = null;
  }

  get circuit() { return this.runtime.circuit; }
  get options() { return this.runtime.options; }

  /** The circuit's socket closed; `previous` is the state it closed in. */
  closed(e, disposition, previous) {
    document.documentElement.classList.add('tether-disconnected');
    // Neither a close the page asked for nor one the server announced with `rejected` is a drop.
    const expected = previous === ConnectionState.leaving || previous === ConnectionState.rejected;
    switch (disposition) {
      case CloseDisposition.final:
        this.ended(e, previous === ConnectionState.failed);
        return;
      case CloseDisposition.rejected:
        // A running attempt shows it when its handshake resolves false.
        if (!expected && !this.attempting) this.show(ReconnectState.rejected, {});
        return;
      case CloseDisposition.retry:
        break;
      default:
        this.log.error(`unknown close disposition '${disposition}'`);
        return;
    }
    if (expected || this.attempting) return;
    const handler = this.options.reconnectionHandler;
    if (handler && typeof handler.onConnectionDown === 'function') {
      handler.onConnectionDown(this.options.reconnectionOptions || {}, e);
      return;
    }
    this.retryWithPolicy();
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
    const maxRetries = o.maxRetries ?? 8;
    const interval = o.retryIntervalMilliseconds ?? ((attempt) => Math.min(500 * 2 ** (attempt - 1), 5000));
    return { maxRetries, interval: typeof interval === 'function' ? interval : () => interval };
  }

  async retryWithPolicy() {
    this.attempting = true;
    const circuit = this.circuit;
    const { maxRetries, interval } = this.policy();
    this.show(ReconnectState.show, { attempt: 0, maxRetries });
    for (let attempt = 1; attempt <= maxRetries; attempt++) {
      await delay(interval(attempt));
      this.show(ReconnectState.retrying, { attempt, maxRetries });
      let resumed;
      try {
        resumed = await circuit.resume();
      } catch {
        if (circuit.state !== ConnectionState.ended) continue;
        // A final close: ended() has shown why, and another attempt would be refused the same way.
        this.attempting = false;
        return;
      }
      // Cleared before the outcome is shown, so a listener of that state may try again at once.
      this.attempting = false;
      if (resumed) this.connectionUp(); else this.show(ReconnectState.rejected, { attempt, maxRetries });
      return;
    }
    this.attempting = false;
    this.show(ReconnectState.failed, { attempt: maxRetries, maxRetries });
  }

  connectionUp() {
    document.documentElement.classList.remove('tether-disconnected');
    this.show(ReconnectState.hide, {});
    const handler = this.options.reconnectionHandler;
    if (handler && typeof handler.onConnectionUp === 'function') handler.onConnectionUp();
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
      // After a final close the error bar says why; a Retry button would only fail again.
      if (circuit.state !== ConnectionState.ended) this.show(ReconnectState.failed, {});
      return false;
    } finally {
      this.attempting = false;
    }
    if (resumed) this.connectionUp(); else this.show(ReconnectState.rejected, {});
    return resumed;
  }

  show(state, detail) {
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
