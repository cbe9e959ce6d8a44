// The circuit: the page's one WebSocket to the server, its handshake (start, or resume after a
// drop), and the messages both ways. Where the connection stands is one field, `state`, moved
// only by transition(), which refuses any move ConnectionTransitions does not list, so a message
// or a close arriving at the wrong moment is reported instead of quietly bending the lifecycle.

import { CallTarget, CloseCode, MessageKind, ObjectOperation } from './protocol.js';
import { applyEdits } from './dom-edits.js';
import { EventSender } from './events.js';
import { bytesToMarker, readSegment, utf8Length, withoutBytes } from './bytes.js';
import { tetherPath } from './paths.js';
import { LatencyQueue } from './latency.js';

export const ConnectionState = Object.freeze({
  /** Made, and not yet connecting. */
  idle: 'idle',
  /** A socket is opening, or has said start or resume and waits for the server's cfg. */
  connecting: 'connecting',
  /** The server configured the socket: messages flow both ways. */
  open: 'open',
  /** The page is closing the socket on purpose (Tether.disconnect(), pagehide), so its close is
   * not a drop to recover from. */
  leaving: 'leaving',
  /** The server reported a fatal error and closes the socket next. */
  failed: 'failed',
  /** The socket closed and the server may still hold the circuit: a resume can bring it back. */
  disconnected: 'disconnected',
  /** The server saved the circuit and closed its socket because the page asked (Tether.pause()),
   * so nothing is lost and nothing retries: a resume, on this server process or the next,
   * brings it back. */
  paused: 'paused',
  /** The server no longer knows the circuit or its secret: there is nothing to resume. */
  rejected: 'rejected',
  /** A final close: every attempt would be refused the same way; only a reload starts again. */
  ended: 'ended',
});

const S = ConnectionState;

/** The states each state may move to. */
export const ConnectionTransitions = Object.freeze({
  [S.idle]: Object.freeze([S.connecting]),
  [S.connecting]: Object.freeze([S.open, S.leaving, S.failed, S.disconnected, S.paused, S.rejected, S.ended]),
  [S.open]: Object.freeze([S.leaving, S.failed, S.disconnected, S.paused, S.rejected, S.ended]),
  // A pause is asked for on the socket and then waits, leaving, for the server's 4006.
  [S.leaving]: Object.freeze([S.failed, S.disconnected, S.paused, S.rejected, S.ended]),
  [S.failed]: Object.freeze([S.leaving, S.disconnected, S.rejected, S.ended]),
  [S.disconnected]: Object.freeze([S.connecting]),
  // Ended when the page goes away and tells the server by beacon that the saved circuit is over.
  [S.paused]: Object.freeze([S.connecting, S.ended]),
  // The refusal arrives as a message before the socket closes, and that close may still be final.
  [S.rejected]: Object.freeze([S.ended]),
  [S.ended]: Object.freeze([]),
});

export function canTransition(from, to) {
  return Object.hasOwn(ConnectionTransitions, from) && ConnectionTransitions[from].includes(to);
}

/** The states with a socket the page may still use or close. */
const LIVE = new Set([S.connecting, S.open, S.failed]);

/** The states in which nothing the page sends can reach the server. */
const CLOSED = new Set([S.disconnected, S.paused, S.rejected, S.ended]);

/** Why a JS→Swift call failed without an answer. */
export const CallFailure = Object.freeze({
  disconnected: 'The circuit is disconnected.',
  paused: 'The circuit is paused. Tether.resume() brings it back.',
  lost: 'The circuit was resumed on a new server; the result of this call was lost. Call it again.',
});

/** How long a pause waits for the server's 4006 before the page closes the socket itself. */
const PAUSE_TIMEOUT_MS = 10_000;

/** The DOM's WebSocket.CLOSED, spelled out so that a stand-in WebSocket need not define it. */
const SOCKET_CLOSED = 3;

// ---------------------------------------------------------------------------------------------
// Close codes. Retrying a close the server will refuse the same way again only hammers it and
// hides the real reason from the user, so those codes end the circuit here.

export const CloseDisposition = Object.freeze({
  /** Resume with the reconnection policy. */
  retry: 'retry',
  /** The server no longer knows the circuit or its secret. */
  rejected: 'rejected',
  /** No retry can succeed. */
  final: 'final',
  /** The server saved the circuit as the page asked: resume when the page wants it back. */
  paused: 'paused',
  /** The page's user may no longer see it: a full load lets the server decide (a sign-in page,
   * or the page as the new visitor sees it). */
  reload: 'reload',
});

/** What a close code means for the circuit. */
export function closeDisposition(code) {
  switch (code) {
    // Whether a 1000 is resumed depends on who closed: the page's own close leaves the state
    // `leaving`, which the reconnection reads.
    case CloseCode.normal:
    case CloseCode.goingAway:
      return CloseDisposition.retry;
    case CloseCode.rejected:
      return CloseDisposition.rejected;
    case CloseCode.paused:
      return CloseDisposition.paused;
    case CloseCode.unauthorized:
      return CloseDisposition.reload;
    // A drained server saved every circuit before it closed: the next process resumes them.
    case CloseCode.serviceRestart:
      return CloseDisposition.retry;
    case CloseCode.invalidData:
    case CloseCode.policy:
    case CloseCode.tooBig:
    case CloseCode.fatal:
    case CloseCode.replaced:
    case CloseCode.handshakeTimeout:
    case CloseCode.descriptorRefused:
    case CloseCode.protocolError:
      return CloseDisposition.final;
    default:
      // 1006 (no close frame), 1011-1014 and codes a proxy invents are usually transient.
      return CloseDisposition.retry;
  }
}

/** "CODE" or "CODE: reason", as logs and errors show a close. */
function describeClose(e) {
  return e.reason ? `${e.code}: ${e.reason}` : String(e.code);
}

// ---------------------------------------------------------------------------------------------

export class Circuit {
  /**
   * `host` is what the circuit reports to: `log` (a Logger), `interop` (a JSInterop),
   * `rendered()` after each batch, `navigated(url, replace, inCircuit)` for `go`,
   * `failed(message)` for `fatal`, `closed(closeEvent, disposition, previousState)` once the
   * state has moved (returning true when a resume will be attempted, so calls in flight wait for
   * its outcome), and optionally `resumeOpened()` when a resume's socket opened and its handshake
   * is pending, `shutdown(reason, resumes)` for the server's `bye`, and, for loading and offline
   * states, `eventSent(sequence, element)`, `eventHandled(sequence)` for `evd`, `eventsLost()` when
   * a socket closes and `connectionChanged(state)` after each transition.
   */
  constructor(options, host) {
    this.options = options;
    this.host = host;
    this.log = host.log;
    this.state = S.idle;
    // The server's name for the circuit, from its `cfg`: what a resume asks for.
    this.circuitId = null;
    this.socket = null;
    this.handshake = null;
    this.closing = null;
    this.outbox = [];
    this.flushScheduled = false;
    // After answering `drain`: the outbox holds what is posted until a new socket opens.
    this.holding = false;
    this.nextCallId = 1;
    // id → { resolve, reject, sent }: `sent` once its `inv` left on a socket, so a call still in
    // the outbox across a drop is not lost, only late.
    this.pendingCalls = new Map();
    // Swift→JS calls being answered, and Swift streams the page is reading: what makes it busy.
    this.answering = 0;
    this.openStreams = 0;
    this.events = new EventSender((message) => this.post(message), (sequence, el) => this.host.eventSent?.(sequence, el));
    // The latency simulator's delays, one queue each way (Tether.enableLatencySim).
    this.outgoing = new LatencyQueue();
    this.incoming = new LatencyQueue();
    // Until the server says otherwise (its first message), assume its defaults.
    this.limits = { maxMessageBytes: 32 * 1024, maxChunkBytes: 256 * 1024 };
  }

  /** Moves to `next`, or throws if the lifecycle does not allow it from here. */
  transition(next) {
    if (!canTransition(this.state, next)) {
      throw new Error(`the circuit cannot go from '${this.state}' to '${next}'`);
    }
    this.log.debug(`circuit ${this.state} → ${next}`);
    this.state = next;
    this.host.connectionChanged?.(next);
  }

  /** Delays every frame by `ms` each way from now on; 0 turns the delay off. */
  setLatency(ms) {
    this.outgoing.ms = ms;
    this.incoming.ms = ms;
  }

  /** Sends a frame on the current socket, after the simulated latency if there is one. */
  sendFrame(data) {
    const ws = this.socket;
    this.outgoing.run(() => {
      // A frame the simulator held may find its socket gone; the drop loses it, as a real one would.
      if (ws.readyState === SOCKET_CLOSED) return;
      ws.send(data);
    });
  }

  get isClosed() { return CLOSED.has(this.state); }

  /** Whether anything is under way that a pause would cut off: a JS→Swift call awaiting its
   * result, a Swift→JS call being answered, or a stream being read either way. */
  get busy() {
    return this.pendingCalls.size > 0 || this.answering > 0 || this.openStreams > 0 || this.host.interop.reading;
  }

  /** Starts the circuit the page was prerendered for. `circuitId` is the id the server chose for
   * it at prerender (data-tether-circuit); empty when the page has none. */
  connect(root, descriptor, circuitId = '') {
    this.root = root;
    this.lastBatch = -1;
    return this.openSocket([MessageKind.start, descriptor, globalThis.location.href], circuitId);
  }

  /** Opens a new socket for this circuit after the last one dropped. Resolves true when the
   * server resumed the circuit, false when it refused (the circuit expired, or the secret is not
   * the one from the latest cfg). Rejects when the socket closes first; the Error carries
   * closeCode, closeReason and disposition, so a caller can tell a final close from a drop. */
  resume() {
    // A circuit the server refused, or one that never got as far as its id, has nothing to resume.
    if (this.state === S.rejected || !this.circuitId) {
      this.releaseCalls(CallFailure.disconnected);
      return Promise.resolve(false);
    }
    return this.openSocket([MessageKind.resume, this.circuitId, this.secret, this.lastBatch], this.circuitId);
  }

  /** Opens a socket and sends `hello` on it. The URL names the circuit (`?circuit=`), so a proxy
   * in front of several servers sends the start and every resume to the one that holds it. */
  openSocket(hello, circuitId) {
    return new Promise((resolve, reject) => {
      this.transition(S.connecting);
      const loc = globalThis.location;
      const url = new URL(this.options.circuitPath || tetherPath('/_tether/circuit'), loc.href);
      url.protocol = loc.protocol === 'https:' ? 'wss:' : 'ws:';
      if (circuitId) url.searchParams.set('circuit', circuitId);
      if (typeof this.options.configureConnection === 'function') this.options.configureConnection(url);
      const ws = new WebSocket(url);
      this.socket = ws;
      this.holding = false;
      ws.binaryType = 'arraybuffer';
      this.handshake = { resolve, reject };
      ws.onopen = () => {
        ws.send(JSON.stringify([hello]));
        // A resume can take a while (the server may rebuild the circuit from its store), and the
        // page should say so rather than look stuck.
        if (hello[0] === MessageKind.resume && ws === this.socket) this.host.resumeOpened?.();
      };
      // A socket this circuit has replaced may still deliver; only the current one counts.
      ws.onmessage = (m) => this.incoming.run(() => { if (ws === this.socket) this.receive(m.data); });
      ws.onclose = (e) => { if (ws === this.socket) this.socketClosed(e); };
      ws.onerror = () => this.log.warning('circuit socket error');
    });
  }

  settleHandshake(resumed) {
    if (!this.handshake) return;
    this.handshake.resolve(resumed);
    this.handshake = null;
  }

  /** The server's first message on a socket: settings, the circuit id and its secret. */
  configured(settings) {
    this.limits = { ...this.limits, maxMessageBytes: settings.maxMessageBytes, maxChunkBytes: settings.maxChunkBytes };
    this.circuitId = settings.circuitId;
    this.secret = settings.secret;
    // Calls sent on the socket that dropped have no answer coming: a circuit rebuilt from the
    // store by another process never saw them, and the old process's answers went with the old
    // socket. The calls still in the outbox go out below and are answered as usual.
    const lost = settings.restored === true ? CallFailure.lost : CallFailure.disconnected;
    for (const [id, call] of this.pendingCalls) {
      if (!call.sent) continue;
      this.pendingCalls.delete(id);
      call.reject(new Error(lost));
    }
    // A page that closed the socket during the handshake still takes the new secret, for a later
    // resume, but the socket stays on its way out.
    if (this.state !== S.leaving) this.transition(S.open);
    this.settleHandshake(true);
    this.flush();
  }

  rejected(reason) {
    this.log.warning('the server refused to resume the circuit:', reason);
    this.transition(S.rejected);
    this.releaseCalls(CallFailure.disconnected);
    this.settleHandshake(false);
  }

  failed(message) {
    // A second fatal only replaces the text the page shows.
    if (this.state !== S.failed) this.transition(S.failed);
    this.host.failed(message);
  }

  post(message) {
    this.outbox.push(message);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Everything posted in one turn travels in one frame.
      queueMicrotask(() => this.flush());
    }
  }

  flush() {
    this.flushScheduled = false;
    if (this.state !== S.open || this.holding || this.outbox.length === 0) return;
    const { maxMessageBytes: limit, maxChunkBytes: chunk } = this.limits;
    const messages = this.outbox;
    this.outbox = [];
    let parts = [];
    let size = 2;
    const sendText = () => {
      if (parts.length === 0) return;
      this.sendFrame('[' + parts.join(',') + ']');
      parts = [];
      size = 2;
    };
    for (const message of messages) {
      const segments = [];
      if (message[0] === MessageKind.invoke) {
        const pending = this.pendingCalls.get(message[1]);
        if (pending) pending.sent = true;
      }
      let json = JSON.stringify(message, (key, value) => bytesToMarker(value, segments, this, chunk));
      let bytes = utf8Length(json);
      if (bytes + 2 > limit) {
        json = this.oversize(message, bytes, limit);
        if (json === null) continue;
        segments.length = 0;
        bytes = utf8Length(json);
      }
      if (size + bytes + 1 > limit) sendText();
      // A message's byte arrays go ahead of it, each chunk in its own binary frame.
      for (const segment of segments) this.sendFrame(segment);
      parts.push(json);
      size += bytes + 1;
    }
    sendText();
  }

  /** A message too large for the server's limit never leaves; its sender gets a clear error. */
  oversize(message, bytes, limit) {
    const why = `is ${bytes} bytes, over the circuit's ${limit}-byte message limit`;
    switch (message[0]) {
      case MessageKind.callCompleted:
        return JSON.stringify([MessageKind.callCompleted, message[1], false, {
          message: `The result ${why}. Return a byte array (Uint8Array) or a stream instead.`, stack: null,
        }]);
      case MessageKind.invoke: {
        const pending = this.pendingCalls.get(message[1]);
        this.pendingCalls.delete(message[1]);
        if (pending) pending.reject(new Error(`The call to '${message[3]}' ${why}. Pass large data as a Uint8Array or a stream.`));
        return null;
      }
      default:
        this.log.error(`dropped a '${message[0]}' message that ${why}`);
        return null;
    }
  }

  receive(data) {
    if (typeof data !== 'string') {
      const segment = readSegment(data);
      if (segment) this.host.interop.segments.set(segment.id, segment.bytes);
      return;
    }
    let messages;
    try {
      messages = JSON.parse(data);
    } catch (err) {
      this.log.error('malformed frame from server', err);
      return;
    }
    for (const m of messages) {
      try {
        this.handle(m);
      } catch (err) {
        this.log.error(`failed to handle '${m[0]}'`, err);
      }
    }
  }

  handle(m) {
    switch (m[0]) {
      case MessageKind.configure: this.configured(m[1]); break;
      case MessageKind.rejected: this.rejected(m[1]); break;
      case MessageKind.shutdown: this.shutdown(m[1], m[2] === true); break;
      case MessageKind.drain: this.drain(); break;
      case MessageKind.render: this.render(m[1], m[2], m[3]); break;
      case MessageKind.call:
        this.answerCall(m[1], m[2], m[3], m[4], m[5] ?? CallTarget.window, m[6] ?? ObjectOperation.call);
        break;
      case MessageKind.disposeJSObject: this.host.interop.jsObjects.delete(m[1]); break;
      case MessageKind.invocationResult: this.invocationResult(m[1], m[2], m[3]); break;
      case MessageKind.protocolError: this.log.error('server refused a message:', m[1]); break;
      case MessageKind.navigateTo: this.host.navigated(m[1], m[2], m[3]); break;
      case MessageKind.fatal: this.failed(m[1]); break;
      case MessageKind.eventHandled: this.host.eventHandled?.(m[1]); break;
      default: this.log.warning(`unknown message '${m[0]}'`);
    }
  }

  /** `head`, when the batch changes the document's head: [title, marked head elements' HTML]. */
  render(batch, edits, head) {
    // A batch replayed after a reconnect that was already applied is only acknowledged again.
    if (batch > this.lastBatch) {
      try {
        applyEdits(this.root, edits);
      } catch (err) {
        this.log.error(`render batch ${batch} failed`, err);
      }
      if (Array.isArray(head)) {
        try {
          this.host.headChanged?.(head[0], head[1]);
        } catch (err) {
          this.log.error(`the head of render batch ${batch} failed`, err);
        }
      }
      this.lastBatch = batch;
    }
    this.post([MessageKind.acknowledge, batch]);
    this.host.rendered();
  }

  /** `drain`: the server saves this circuit next. What the page holds goes now, delayed events
   * included, ahead of the answer; anything posted later waits in the outbox for the socket that
   * resumes the circuit, so the save holds all the page showed and nothing is lost after it. */
  drain() {
    if (this.state !== S.open) return;
    this.events.sendPending();
    this.flush();
    this.holding = true;
    this.sendFrame(JSON.stringify([[MessageKind.drained]]));
  }

  /** `bye`: the server is going away. With `resumes` it saved this circuit first, so the next
   * process can resume it, and the page should wait for it rather than give up. */
  shutdown(reason, resumes) {
    this.log.warning('the server is going away:', reason);
    this.host.shutdown?.(reason, resumes);
  }

  async answerCall(id, identifier, args, mode, target, operation) {
    this.answering++;
    try {
      this.post(await this.host.interop.answer(this, id, identifier, args, mode, target, operation));
    } finally {
      this.answering--;
    }
  }

  /** Calls an exposed Swift method: `target` is a module name or a Swift object's id. */
  invokeSwift(target, method, args) {
    const id = this.nextCallId++;
    return new Promise((resolve, reject) => {
      try {
        JSON.stringify(args, withoutBytes);
      } catch (err) {
        reject(new Error(`The arguments of '${method}' could not be serialized as JSON: ${err.message}`));
        return;
      }
      if (this.isClosed) {
        reject(new Error(this.state === S.paused ? CallFailure.paused : CallFailure.disconnected));
        return;
      }
      this.pendingCalls.set(id, { resolve, reject, sent: false });
      this.post([MessageKind.invoke, id, target, method, args]);
    });
  }

  invocationResult(id, ok, value) {
    const pending = this.pendingCalls.get(id);
    if (!pending) return;
    this.pendingCalls.delete(id);
    if (ok) pending.resolve(this.host.interop.revive(value, this));
    else pending.reject(new Error(value));
  }

  socketClosed(e) {
    const disposition = closeDisposition(e.code);
    const previous = this.state;
    // After a refusal the circuit stays refused, whatever code the socket then closes with,
    // unless that code is final.
    let next = S.disconnected;
    if (disposition === CloseDisposition.final || disposition === CloseDisposition.reload) next = S.ended;
    else if (disposition === CloseDisposition.rejected || previous === S.rejected) next = S.rejected;
    else if (disposition === CloseDisposition.paused && canTransition(previous, S.paused)) next = S.paused;
    // Moved before anyone hears of the close, so a retry loop awaiting resume() sees it.
    if (next !== previous) this.transition(next);
    if (this.handshake) {
      // A 4001 without a `rejected` message first is still a refusal, not a failure to
      // connect: whoever awaits the handshake shows the rejected state, as for the message.
      if (disposition === CloseDisposition.rejected) {
        this.handshake.resolve(false);
      } else {
        const err = new Error(`the circuit socket closed (${describeClose(e)})`);
        this.handshake.reject(Object.assign(err, { closeCode: e.code, closeReason: e.reason || '', disposition }));
      }
      this.handshake = null;
    }
    this.events.cancelPending();
    this.host.eventsLost?.();
    // A transient drop is routine (the page recovers on its own), and so is a pause; the others
    // end the page's session.
    const line = `circuit closed (${describeClose(e)})`;
    if (disposition === CloseDisposition.retry || next === S.paused) this.log.info(line); else this.log.warning(line);
    // Calls in flight wait for the resume that follows a drop: its cfg tells whether their
    // results can still come. Without one, they fail now, as does every call until the circuit is
    // back.
    const resuming = this.host.closed(e, disposition, previous) === true;
    if (!resuming) this.releaseCalls(next === S.paused ? CallFailure.paused : CallFailure.disconnected);
  }

  /** Fails every JS→Swift call still awaiting its result with `message`; a call still in the
   * outbox is taken out of it, so a call the page was told failed never runs. */
  releaseCalls(message) {
    if (this.pendingCalls.size === 0) return;
    const ids = new Set(this.pendingCalls.keys());
    const calls = [...this.pendingCalls.values()];
    this.pendingCalls.clear();
    this.outbox = this.outbox.filter((m) => !(m[0] === MessageKind.invoke && ids.has(m[1])));
    for (const { reject } of calls) reject(new Error(message));
  }

  /** Closes the socket; the server keeps the circuit for a while so it can be resumed. The
   * returned promise (also `closing` until then) settles once the socket has closed. */
  close() {
    if (this.closing) return this.closing;
    const socket = this.socket;
    if (!socket || socket.readyState === SOCKET_CLOSED) {
      // Calls held for a resume the page no longer wants fail now, as they would on an open one.
      this.releaseCalls(this.state === S.paused ? CallFailure.paused : CallFailure.disconnected);
      return Promise.resolve();
    }
    if (LIVE.has(this.state)) this.transition(S.leaving);
    this.closing = this.whenClosed(socket);
    socket.close(CloseCode.normal, 'closed by the page');
    return this.closing;
  }

  /** Settles once `socket` has closed, after the circuit has handled its close. */
  whenClosed(socket) {
    return new Promise((resolve) => {
      const onclose = socket.onclose;
      socket.onclose = (e) => {
        onclose(e);
        this.closing = null;
        resolve();
      };
    });
  }

  /** Asks the server to save the circuit and close its socket (with 4006), freeing what it holds
   * while the page does not need it. Resolves true once paused, false when the circuit is not
   * open or its socket closed some other way. */
  pause() {
    if (this.state !== S.open) return Promise.resolve(false);
    const socket = this.socket;
    // What the page posted before the pause still reaches the circuit the server saves.
    this.flush();
    this.sendFrame(JSON.stringify([[MessageKind.pause]]));
    this.transition(S.leaving);
    this.closing = this.whenClosed(socket);
    // A server that never closes would leave the page leaving forever; closed by the page
    // instead, the circuit is disconnected and resumable all the same.
    const timer = setTimeout(() => {
      if (socket === this.socket && socket.readyState !== SOCKET_CLOSED) socket.close(CloseCode.normal, 'the pause timed out');
    }, PAUSE_TIMEOUT_MS);
    return this.closing.then(() => {
      clearTimeout(timer);
      return this.state === S.paused;
    });
  }

  /** The page is going away: tell the server to release the circuit now, on the socket when it
   * is open, else by beacon, since a saved circuit would otherwise outlive the page in the store
   * until it expires. */
  end() {
    if (this.state === S.paused || this.state === S.disconnected) {
      this.endByBeacon();
      return;
    }
    if (!LIVE.has(this.state)) return;
    if (this.state === S.open) {
      try { this.socket.send(JSON.stringify([[MessageKind.end]])); } catch { /* already closing */ }
    }
    this.transition(S.leaving);
  }

  endByBeacon() {
    const nav = globalThis.navigator;
    if (!this.circuitId || !this.secret || !nav || typeof nav.sendBeacon !== 'function') return;
    const url = new URL((this.options.circuitPath || tetherPath('/_tether/circuit')) + '/end', globalThis.location.href);
    // A string body is sent as text/plain, which needs no CORS preflight a page in unload
    // could not wait for.
    try {
      nav.sendBeacon(url.href, JSON.stringify({ id: this.circuitId, secret: this.secret }));
    } catch (err) {
      this.log.warning('could not end the circuit by beacon', err);
      return;
    }
    if (this.state === S.paused) this.transition(S.ended);
  }
}
