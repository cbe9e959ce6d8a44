// Tether browser runtime: one WebSocket circuit per page, DOM patches in, DOM events and
// interop calls both ways. A plain ES module with no build step and no eval.

const EVENTS = ['click', 'dblclick', 'input', 'change', 'submit', 'keydown', 'keyup', 'focus', 'blur',
  'mousedown', 'mouseup', 'mousemove', 'mouseover', 'mouseout', 'pointerdown', 'pointerup', 'pointermove',
  'contextmenu'];
const NON_BUBBLING = new Set(['focus', 'blur']);

// ---------------------------------------------------------------------------------------------
// Close codes: the server closes a circuit socket with a code that says what happened, and the
// runtime's reaction depends on it. Retrying a close the server will refuse the same way again
// only hammers it and hides the real reason from the user, so those codes end the circuit here.

export const CloseCode = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  invalidData: 1007,
  policy: 1008,
  tooBig: 1009,
  fatal: 4000,
  rejected: 4001,
  replaced: 4002,
  handshakeTimeout: 4003,
  descriptorRefused: 4004,
  protocol: 4005,
});

/** What a close means for the circuit: 'retry' (resume with the reconnection policy), 'rejected'
 * (the server no longer knows the circuit or its secret) or 'final' (no retry can succeed). */
export function closeDisposition(code) {
  switch (code) {
    // 1000 keeps its old meaning: whether to resume depends on who closed (pausedByPage).
    case CloseCode.normal:
    case CloseCode.goingAway:
      return 'retry';
    case CloseCode.rejected:
      return 'rejected';
    case CloseCode.invalidData:
    case CloseCode.policy:
    case CloseCode.tooBig:
    case CloseCode.fatal:
    case CloseCode.replaced:
    case CloseCode.handshakeTimeout:
    case CloseCode.descriptorRefused:
    case CloseCode.protocol:
      return 'final';
    default:
      // 1006 (no close frame), 1011-1014 and codes a proxy invents are usually transient.
      return 'retry';
  }
}

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
    case CloseCode.protocol: return 'The server closed the connection: the page did not start the session properly.';
    default: return `The connection to the server was closed (${code}).`;
  }
}

/** "CODE" or "CODE: reason", as logs and errors show a close. */
function describeClose(e) {
  return e.reason ? `${e.code}: ${e.reason}` : String(e.code);
}

// ---------------------------------------------------------------------------------------------
// Identifier resolution: "a.b.c" is window.a.b.c, called with this = window.a.b.

export function resolveFunction(identifier, root = globalThis) {
  if (typeof identifier !== 'string' || identifier.length === 0) {
    throw new Error('The function identifier must be a non-empty string.');
  }
  const parts = identifier.split('.');
  let owner = root;
  let value = root;
  let previous = null;
  for (const part of parts) {
    if (value === null && previous !== null) {
      throw new Error(`Could not find '${identifier}' ('${previous}' was null).`);
    }
    owner = value;
    value = owner == null ? undefined : owner[part];
    if (value === undefined) {
      throw new Error(`Could not find '${identifier}' ('${part}' was undefined).`);
    }
    previous = part;
  }
  if (typeof value !== 'function') {
    throw new Error(`The value '${identifier}' is not a function.`);
  }
  return { fn: value, thisArg: owner };
}

/** The object holding the last segment of `identifier`, for reading and assigning properties. */
export function resolveMember(identifier, root = globalThis) {
  if (typeof identifier !== 'string' || identifier.length === 0) {
    throw new Error('The property name must be a non-empty string.');
  }
  const parts = identifier.split('.');
  const key = parts.pop();
  let owner = root;
  for (const part of parts) {
    const next = owner == null ? undefined : owner[part];
    if (next === undefined || next === null) {
      throw new Error(`Could not find '${identifier}' ('${part}' was ${next === null ? 'null' : 'undefined'}).`);
    }
    owner = next;
  }
  if (owner == null) throw new Error(`Could not find '${identifier}'.`);
  return { owner, key };
}

// ---------------------------------------------------------------------------------------------
// Logical children: a run of raw markup between <!--[--> and <!--]--> counts as one child.

function isOpen(n) { return n.nodeType === 8 && n.data === '['; }
function isClose(n) { return n.nodeType === 8 && n.data === ']'; }

export function logicalChildren(parent) {
  const out = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (isOpen(n)) {
      let end = n.nextSibling;
      while (end && !isClose(end)) end = end.nextSibling;
      out.push({ start: n, end: end || parent.lastChild });
      if (!end) break;
      n = end;
    } else {
      out.push(n);
    }
  }
  return out;
}

function entryNodes(entry) {
  if (!entry.start) return [entry];
  const nodes = [];
  for (let n = entry.start; n; n = n.nextSibling) {
    nodes.push(n);
    if (n === entry.end) break;
  }
  return nodes;
}

function entryFirst(entry) { return entry ? (entry.start || entry) : null; }

function removeEntry(entry) {
  for (const n of entryNodes(entry)) n.remove();
}

function nodeAt(root, path, allowRoot = true) {
  if (!allowRoot && path.length === 0) throw new Error('this edit cannot target the render root');
  let node = root;
  for (const index of path) {
    const entry = logicalChildren(node)[index];
    if (!entry) throw new Error(`render path [${path}] does not exist`);
    node = entry;
  }
  return node;
}

function fragment(doc, html) {
  const t = doc.createElement('template');
  t.innerHTML = html;
  return t.content;
}

function setAttribute(el, name, value) {
  el.setAttribute(name, value);
  if (name === 'value' && 'value' in el && el.value !== value) el.value = value;
  else if (name === 'checked' && 'checked' in el) el.checked = true;
  else if (name === 'selected' && 'selected' in el) el.selected = true;
}

function removeAttribute(el, name) {
  el.removeAttribute(name);
  if (name === 'value' && 'value' in el) el.value = '';
  else if (name === 'checked' && 'checked' in el) el.checked = false;
  else if (name === 'selected' && 'selected' in el) el.selected = false;
}

function moveBefore(parent, nodes, ref) {
  for (const n of nodes) {
    if (typeof parent.moveBefore === 'function' && n.isConnected) {
      try { parent.moveBefore(n, ref); continue; } catch { /* fall back below */ }
    }
    parent.insertBefore(n, ref);
  }
}

/** Applies one render batch's edits to the children of `root`. See TreeDiff.swift for codes. */
export function applyEdits(root, edits) {
  const doc = root.ownerDocument;
  const active = doc.activeElement;
  const selection = active && typeof active.selectionStart === 'number'
    ? [active.selectionStart, active.selectionEnd, active.selectionDirection] : null;
  for (const edit of edits) {
    switch (edit[0]) {
      case 0: { // replace
        const path = edit[1];
        if (path.length === 0) throw new Error('this edit cannot target the render root');
        const parent = nodeAt(root, path.slice(0, -1));
        const old = logicalChildren(parent)[path[path.length - 1]];
        if (!old) throw new Error(`render path [${path}] does not exist`);
        parent.insertBefore(fragment(doc, edit[2]), entryFirst(old));
        removeEntry(old);
        break;
      }
      case 1: { // insert
        const parent = nodeAt(root, edit[1]);
        const ref = logicalChildren(parent)[edit[2]];
        parent.insertBefore(fragment(doc, edit[3]), entryFirst(ref));
        break;
      }
      case 2: removeEntry(nodeAt(root, edit[1], false)); break;
      case 3: nodeAt(root, edit[1], false).data = edit[2]; break;
      case 4: setAttribute(nodeAt(root, edit[1], false), edit[2], edit[3]); break;
      case 5: removeAttribute(nodeAt(root, edit[1], false), edit[2]); break;
      case 6: { // move
        const parent = nodeAt(root, edit[1]);
        const kids = logicalChildren(parent);
        const [moving] = kids.splice(edit[2], 1);
        if (!moving) throw new Error(`render path [${edit[1]},${edit[2]}] does not exist`);
        moveBefore(parent, entryNodes(moving), entryFirst(kids[edit[3]]));
        break;
      }
      case 7: { // replace all children
        const parent = nodeAt(root, edit[1]);
        parent.replaceChildren(fragment(doc, edit[2]));
        break;
      }
      default: throw new Error(`unknown edit code ${edit[0]}`);
    }
  }
  // Moving a node can blur it; put focus and the caret back where the user left them.
  if (active && active.isConnected && doc.activeElement !== active) {
    active.focus();
    if (selection) { try { active.setSelectionRange(...selection); } catch { /* not a text input */ } }
  }
}

// ---------------------------------------------------------------------------------------------
// Event args: only plain data crosses the wire.

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

// ---------------------------------------------------------------------------------------------
// Byte arrays travel in binary frames: [segment id, uint32 little-endian][bytes], named in the
// JSON as {"__tetherBytes": id}.

export function bytesToMarker(value, segments, counter, chunkBytes = 256 * 1024) {
  let bytes = null;
  if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
  else if (ArrayBuffer.isView(value)) bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (!bytes) return value;
  const id = (counter.nextSegmentId = (counter.nextSegmentId || 0) + 1);
  let offset = 0;
  do {
    const part = bytes.subarray(offset, offset + chunkBytes);
    const frame = new Uint8Array(4 + part.byteLength);
    new DataView(frame.buffer).setUint32(0, id, true);
    frame.set(part, 4);
    segments.push(frame);
    offset += chunkBytes;
  } while (offset < bytes.byteLength);
  return { __tetherBytes: id };
}

const encoder = typeof TextEncoder === 'function' ? new TextEncoder() : null;

/** UTF-8 length of a string, counted without encoding it when it is plainly small. */
export function utf8Length(text) {
  if (text.length < 256 || !encoder) {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; } else n += 3;
    }
    return n;
  }
  return encoder.encode(text).length;
}

// ---------------------------------------------------------------------------------------------
// Streams. Swift pulls a JS stream one chunk at a time by calling read(); JS pulls a Swift
// stream the same way through its 'Read' method. One chunk in flight is the backpressure.

export class JSStreamSource {
  constructor(value) {
    if (value instanceof Blob) {
      this.blob = value;
      this.length = value.size;
    } else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
      this.bytes = value instanceof ArrayBuffer
        ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      this.length = this.bytes.byteLength;
    } else if (value && typeof value.getReader === 'function') {
      this.reader = value.getReader();
      this.length = null;
    } else {
      throw new Error('A stream reference needs a Blob, an ArrayBuffer, a typed array or a ReadableStream.');
    }
    this.offset = 0;
    this.pending = null;
  }

  /** The next chunk of at most `max` bytes, or null at the end. */
  async read(max) {
    max = Math.max(1, max | 0);
    if (this.blob) {
      if (this.offset >= this.blob.size) return null;
      const part = this.blob.slice(this.offset, this.offset + max);
      this.offset += part.size;
      return new Uint8Array(await part.arrayBuffer());
    }
    if (this.bytes) {
      if (this.offset >= this.bytes.byteLength) return null;
      const part = this.bytes.subarray(this.offset, this.offset + max);
      this.offset += part.byteLength;
      return part;
    }
    if (!this.pending || this.pending.byteLength === 0) {
      const { value, done } = await this.reader.read();
      if (done) return null;
      this.pending = value instanceof Uint8Array ? value : new Uint8Array(value);
    }
    const part = this.pending.subarray(0, max);
    this.pending = this.pending.subarray(part.byteLength);
    return part;
  }
}

class SwiftStreamProxy {
  constructor(circuit, id, length) {
    this._circuit = circuit;
    this._id = id;
    this.length = length ?? null;
    this._used = false;
  }

  /** A ReadableStream of Uint8Array chunks, pulled from Swift as it is read. */
  stream() {
    if (this._used) throw new Error('This Swift stream has already been read.');
    this._used = true;
    const circuit = this._circuit;
    const id = this._id;
    return new ReadableStream({
      async pull(controller) {
        try {
          const chunk = await circuit.invokeSwift(id, 'Read', []);
          if (chunk === null || chunk === undefined) {
            controller.close();
            circuit.post(['rel', id]);
          } else {
            controller.enqueue(chunk);
          }
        } catch (err) {
          controller.error(err);
          circuit.post(['rel', id]);
        }
      },
      cancel() { circuit.post(['rel', id]); },
    }, { highWaterMark: 1 });
  }

  async arrayBuffer() {
    return new Response(this.stream()).arrayBuffer();
  }
}

// ---------------------------------------------------------------------------------------------
// The circuit.

const LOG_LEVELS = { trace: 0, debug: 1, info: 2, warning: 3, error: 4, none: 5 };

class Circuit {
  constructor(runtime, options) {
    this.runtime = runtime;
    this.options = options;
    this.outbox = [];
    this.flushScheduled = false;
    this.socket = null;
    this.open = false;
    this.nextCallId = 1;
    this.pendingCalls = new Map();
    this.timers = new Map();
    this.lastThrottle = new Map();
    // Until the server says otherwise (its first message), assume its defaults.
    this.limits = { maxMessageBytes: 32 * 1024, maxChunkBytes: 256 * 1024 };
  }

  log(level, ...args) {
    if (LOG_LEVELS[level] >= LOG_LEVELS[this.options.logLevel || 'warning']) {
      (level === 'error' ? console.error : level === 'warning' ? console.warn : console.log)('[tether]', ...args);
    }
  }

  connect(root, descriptor) {
    this.root = root;
    this.lastBatch = -1;
    return this.openSocket(['start', descriptor, globalThis.location.href]);
  }

  /** Opens a new socket for this circuit after the last one dropped. Resolves true when the
   * server resumed the circuit, false when it refused (the circuit expired, or the secret is not
   * the one from the latest cfg). Rejects when the socket closes first; the Error carries
   * closeCode, closeReason and disposition, so a caller can tell a final close from a drop. */
  resume() {
    if (!this.circuitId) return Promise.resolve(false);
    return this.openSocket(['resume', this.circuitId, this.secret, this.lastBatch]);
  }

  openSocket(hello) {
    const loc = globalThis.location;
    const url = new URL(this.options.circuitPath || '/_tether/circuit', loc.href);
    url.protocol = loc.protocol === 'https:' ? 'wss:' : 'ws:';
    if (typeof this.options.configureConnection === 'function') this.options.configureConnection(url);
    const ws = new WebSocket(url);
    this.socket = ws;
    this.isClosed = false;
    this.pausedByPage = false;
    ws.binaryType = 'arraybuffer';
    return new Promise((resolve, reject) => {
      this.handshake = { resolve, reject };
      ws.onopen = () => ws.send(JSON.stringify([hello]));
      ws.onmessage = (m) => { if (ws === this.socket) this.receive(m.data); };
      ws.onclose = (e) => {
        if (ws !== this.socket) return;
        const disposition = closeDisposition(e.code);
        if (disposition === 'rejected') this.circuitId = null;
        if (this.handshake) {
          // A 4001 without a `rejected` message first is still a refusal, not a failure to
          // connect: whoever awaits the handshake shows the rejected state, as for the message.
          if (disposition === 'rejected') {
            this.handshake.resolve(false);
          } else {
            const err = new Error(`the circuit socket closed (${describeClose(e)})`);
            this.handshake.reject(Object.assign(err, { closeCode: e.code, closeReason: e.reason || '', disposition }));
          }
          this.handshake = null;
        }
        this.closed(e, disposition);
      };
      ws.onerror = () => this.log('warning', 'circuit socket error');
    });
  }

  /** The server's first message on a socket: settings, the circuit id and its secret. */
  configured(settings) {
    this.limits = { ...this.limits, maxMessageBytes: settings.maxMessageBytes, maxChunkBytes: settings.maxChunkBytes };
    this.circuitId = settings.circuitId;
    this.secret = settings.secret;
    this.open = true;
    if (this.handshake) {
      this.handshake.resolve(true);
      this.handshake = null;
    }
    this.flush();
  }

  rejected(reason) {
    this.log('warning', 'the server refused to resume the circuit:', reason);
    this.circuitId = null;
    // The socket closes next; there is nothing left to reconnect to.
    this.pausedByPage = true;
    if (this.handshake) {
      this.handshake.resolve(false);
      this.handshake = null;
    }
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
    if (!this.open || this.outbox.length === 0) return;
    const { maxMessageBytes: limit, maxChunkBytes: chunk } = this.limits;
    const messages = this.outbox;
    this.outbox = [];
    let parts = [];
    let size = 2;
    const sendText = () => {
      if (parts.length === 0) return;
      this.socket.send('[' + parts.join(',') + ']');
      parts = [];
      size = 2;
    };
    for (const message of messages) {
      const segments = [];
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
      for (const segment of segments) this.socket.send(segment);
      parts.push(json);
      size += bytes + 1;
    }
    sendText();
  }

  /** A message too large for the server's limit never leaves; its sender gets a clear error. */
  oversize(message, bytes, limit) {
    const why = `is ${bytes} bytes, over the circuit's ${limit}-byte message limit`;
    if (message[0] === 'done') {
      return JSON.stringify(['done', message[1], false, {
        message: `The result ${why}. Return a byte array (Uint8Array) or a stream instead.`, stack: null,
      }]);
    }
    if (message[0] === 'inv') {
      const pending = this.pendingCalls.get(message[1]);
      this.pendingCalls.delete(message[1]);
      if (pending) pending.reject(new Error(`The call to '${message[3]}' ${why}. Pass large data as a Uint8Array or a stream.`));
      return null;
    }
    this.log('error', `dropped a '${message[0]}' message that ${why}`);
    return null;
  }

  receive(data) {
    if (typeof data !== 'string') {
      const view = new DataView(data);
      if (data.byteLength >= 4) this.runtime.segments.set(view.getUint32(0, true), new Uint8Array(data, 4));
      return;
    }
    let messages;
    try {
      messages = JSON.parse(data);
    } catch (err) {
      this.log('error', 'malformed frame from server', err);
      return;
    }
    for (const m of messages) {
      try {
        this.handle(m);
      } catch (err) {
        this.log('error', `failed to handle '${m[0]}'`, err);
      }
    }
  }

  handle(m) {
    switch (m[0]) {
      case 'cfg': this.configured(m[1]); break;
      case 'rejected': this.rejected(m[1]); break;
      case 'bye': this.log('warning', 'the server is going away:', m[1]); break;
      case 'r': this.render(m[1], m[2]); break;
      case 'c': this.callJS(m[1], m[2], m[3], m[4], m[5] || 0, m[6] || 0); break;
      case 'djs': this.runtime.jsObjects.delete(m[1]); break;
      case 'res': this.invocationResult(m[1], m[2], m[3]); break;
      case 'err': this.log('error', 'server refused a message:', m[1]); break;
      case 'go': this.runtime.navigated(m[1], m[2], m[3]); break;
      case 'fatal':
        this.failed = true;
        this.runtime.showError(m[1]);
        break;
      default: this.log('warning', `unknown message '${m[0]}'`);
    }
  }

  render(batch, edits) {
    // A batch replayed after a reconnect that was already applied is only acknowledged again.
    if (batch > this.lastBatch) {
      try {
        applyEdits(this.root, edits);
      } catch (err) {
        this.log('error', `render batch ${batch} failed`, err);
      }
      this.lastBatch = batch;
    }
    this.post(['ack', batch]);
    this.runtime.rendered();
  }

  async callJS(id, identifier, args, mode, target, op) {
    let outcome;
    try {
      const base = target === 0 ? globalThis : this.runtime.jsObjects.get(target);
      if (base === undefined) {
        throw new Error(`There is no JS object with id ${target}: it was disposed or never existed.`);
      }
      const value = await this.runtime.perform(op, identifier, base, this.runtime.revive(args));
      if (mode === 1) {
        outcome = ['done', id, true, null];
      } else if (mode === 2) {
        outcome = ['done', id, true, { __tetherJSObject: this.runtime.trackJSObject(value) }];
      } else if (mode === 3) {
        outcome = ['done', id, true, this.runtime.createJSStreamReference(value)];
      } else {
        outcome = ['done', id, true, value === undefined ? null : value];
        JSON.stringify(outcome, (k, v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? null : v)); // surfaces a value that cannot be serialized as this call's error
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      outcome = ['done', id, false, { message, stack: err instanceof Error ? (err.stack || null) : null }];
    }
    this.post(outcome);
  }

  invokeSwift(target, method, args) {
    const id = this.nextCallId++;
    return new Promise((resolve, reject) => {
      try {
        JSON.stringify(args, (k, v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? null : v));
      } catch (err) {
        reject(new Error(`The arguments of '${method}' could not be serialized as JSON: ${err.message}`));
        return;
      }
      if (this.isClosed) {
        reject(new Error('The circuit is disconnected.'));
        return;
      }
      this.pendingCalls.set(id, { resolve, reject });
      this.post(['inv', id, target, method, args]);
    });
  }

  invocationResult(id, ok, value) {
    const pending = this.pendingCalls.get(id);
    if (!pending) return;
    this.pendingCalls.delete(id);
    if (ok) pending.resolve(this.runtime.revive(value));
    else pending.reject(new Error(value));
  }

  sendEvent(binding, e) {
    const send = () => this.post(['ev', binding.id, eventArgs(e)]);
    if (binding.debounce > 0) {
      clearTimeout(this.timers.get(binding.id));
      const args = eventArgs(e);
      this.timers.set(binding.id, setTimeout(() => this.post(['ev', binding.id, args]), binding.debounce));
    } else if (binding.throttle > 0) {
      // At most one event per interval, and the last one of a burst is never lost.
      const now = performance.now();
      const last = this.lastThrottle.get(binding.id) ?? -Infinity;
      clearTimeout(this.timers.get(binding.id));
      if (now - last >= binding.throttle) {
        this.lastThrottle.set(binding.id, now);
        send();
      } else {
        const args = eventArgs(e);
        this.timers.set(binding.id, setTimeout(() => {
          this.lastThrottle.set(binding.id, performance.now());
          this.post(['ev', binding.id, args]);
        }, binding.throttle - (now - last)));
      }
    } else {
      send();
    }
  }

  closed(e, disposition) {
    this.open = false;
    this.isClosed = true;
    // Set before the runtime hears of the close, so a retry loop awaiting resume() sees it.
    if (disposition === 'final') this.ended = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const { reject } of this.pendingCalls.values()) reject(new Error('The circuit is disconnected.'));
    this.pendingCalls.clear();
    // A transient drop is routine (the page recovers on its own); the others end the page's session.
    this.log(disposition === 'retry' ? 'info' : 'warning', `circuit closed (${describeClose(e)})`);
    this.runtime.disconnected(e, this.pausedByPage, disposition);
  }

  /** Closes the socket; the server keeps the circuit for a while so it can be resumed. The
   * returned promise settles once the socket has closed. */
  close() {
    this.pausedByPage = true;
    const socket = this.socket;
    if (!socket || socket.readyState === 3) return Promise.resolve();
    this.closing = new Promise((resolve) => {
      const previous = socket.onclose;
      socket.onclose = (e) => { if (previous) previous(e); resolve(); };
    });
    socket.close(1000, 'closed by the page');
    return this.closing;
  }

  /** The page is going away: tell the server to release the circuit now. */
  end() {
    this.pausedByPage = true;
    if (this.socket && this.open) {
      try { this.socket.send(JSON.stringify([['end']])); } catch { /* already closing */ }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The public runtime, exposed as window.Tether.

class SwiftObjectProxy {
  constructor(circuit, id) {
    this._circuit = circuit;
    this._id = id;
  }
  invokeMethodAsync(method, ...args) {
    if (this._disposed) return Promise.reject(new Error(`There is no tracked object with id ${this._id}. It may have been disposed.`));
    return this._circuit.invokeSwift(this._id, method, args);
  }
  dispose() {
    if (this._disposed) return;
    this._disposed = true;
    this._circuit.post(['rel', this._id]);
  }
  /** Passed back to Swift (an argument, a result, a field of either) it travels as its handle,
   * and Swift decodes it as the same SwiftObjectReference. */
  toJSON() { return { __tetherObject: this._id }; }
}

class TetherRuntime {
  constructor() {
    let resolveReady;
    this.ready = new Promise((r) => { resolveReady = r; });
    this._resolveReady = resolveReady;
    this._started = false;
    this.circuit = null;
    this.jsObjects = new Map();
    this.nextJSObjectId = 1;
    this.segments = new Map();
  }

  /** Keeps a JS object for Swift and returns its handle id. */
  trackJSObject(value) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      throw new Error('Only objects and functions can be held by reference.');
    }
    const id = this.nextJSObjectId++;
    this.jsObjects.set(id, value);
    return id;
  }

  /** Helpers Swift can call by identifier, such as "Tether.files.open" for a file input. */
  get files() {
    return {
      /** The `index`th file chosen in an <input type="file">, for reading as a stream. */
      open: (input, index = 0) => {
        if (!input || !input.files) throw new Error('Tether.files.open needs an <input type="file"> element.');
        const file = input.files[index];
        if (!file) throw new Error(`No file at index ${index} is selected.`);
        return file;
      },
      /** Name, size and type of each chosen file. */
      list: (input) => [...(input && input.files ? input.files : [])]
        .map((f) => ({ name: f.name, size: f.size, type: f.type, lastModified: f.lastModified })),
    };
  }

  /**
   * Wraps a Blob, File, ArrayBuffer, typed array or ReadableStream so Swift can read it as a
   * stream: pass the result to Tether.invokeMethodAsync as an argument.
   */
  createJSStreamReference(value) {
    const source = new JSStreamSource(value);
    return { __tetherJSStream: this.trackJSObject(source), length: source.length };
  }

  /**
   * Keeps a JS object for Swift, the analog of Blazor's DotNet.createJSObjectReference: pass the
   * result to Tether.invokeMethodAsync (as an argument or inside one) or return it from a
   * function Swift calls, and Swift receives a JSObjectReference to call it.
   */
  createJSObjectReference(value) {
    return { __tetherJSObject: this.trackJSObject(value) };
  }

  /** Forgets a reference made by createJSObjectReference; Swift calls on it then fail. */
  disposeJSObjectReference(reference) {
    if (reference && typeof reference.__tetherJSObject === 'number') this.jsObjects.delete(reference.__tetherJSObject);
  }

  /** One Swift→JS operation: 0 call, 1 get, 2 set, 3 new, 4 import. */
  async perform(op, identifier, base, args) {
    switch (op) {
      case 0: {
        const { fn, thisArg } = resolveFunction(identifier, base);
        return await fn.apply(thisArg, args);
      }
      case 1: {
        const { owner, key } = resolveMember(identifier, base);
        const value = owner[key];
        // As Blazor's GetValueAsync: a missing or write-only property is an error, not null.
        if (value === undefined) throw new Error(`The property '${identifier}' is not defined or cannot be read.`);
        return value;
      }
      case 2: {
        const { owner, key } = resolveMember(identifier, base);
        owner[key] = args[0];
        return null;
      }
      case 3: {
        const { fn } = resolveFunction(identifier, base);
        return new fn(...args);
      }
      case 4: return await import(new URL(identifier, document.baseURI).href);
      default: throw new Error(`unknown operation ${op}`);
    }
  }

  /**
   * Starts the runtime: runs the JS initializers' beforeStart, connects the circuit, and resolves
   * once the first render is applied, after which afterStarted runs. Called automatically unless
   * the script tag has autostart="false". Options: logLevel, reconnectionOptions {maxRetries,
   * retryIntervalMilliseconds}, reconnectionHandler {onConnectionDown, onConnectionUp},
   * configureConnection(url) to add query data, circuitPath, and url (a page to render into an
   * empty #tether-root, for static pages).
   */
  async start(options = {}) {
    if (this._started) return this.ready;
    this._started = true;
    this.options = Object.assign(options, { logLevel: options.logLevel || 'warning' });
    const initializers = await this.loadInitializers();
    for (const { url, module } of initializers) {
      if (typeof module.beforeStart !== 'function') continue;
      try {
        await module.beforeStart(this.options);
      } catch (err) {
        console.error(`[tether] the initializer ${url} failed in beforeStart`, err);
      }
    }
    const root = document.getElementById('tether-root');
    if (!root) {
      this._started = false;
      console.warn('[tether] no #tether-root element on this page; nothing to connect');
      return undefined;
    }
    this.root = root;
    if (this.options.url && !root.getAttribute('data-tether-descriptor')) {
      const response = await fetch('/_tether/prerender?url=' + encodeURIComponent(this.options.url));
      if (!response.ok) throw new Error(`Tether could not render ${this.options.url}: ${response.status}`);
      const { html, descriptor } = await response.json();
      root.innerHTML = html;
      root.setAttribute('data-tether-descriptor', descriptor);
    }
    this.installEventDelegation(root);
    this.installNavigation();
    this.circuit = new Circuit(this, this.options);
    this.circuit.connect(root, root.getAttribute('data-tether-descriptor') || '').catch(() => {});
    if (typeof globalThis.addEventListener === 'function') {
      globalThis.addEventListener('pagehide', () => this.circuit && this.circuit.end());
    }
    this.ready.then(async () => {
      for (const { url, module } of initializers) {
        if (typeof module.afterStarted !== 'function') continue;
        try {
          await module.afterStarted(this);
        } catch (err) {
          console.error(`[tether] the initializer ${url} failed in afterStarted`, err);
        }
      }
    });
    return this.ready;
  }

  /** Imports every JS initializer (*.lib.module.js) the server lists. One that fails to load is
   * reported and skipped. */
  async loadInitializers() {
    if (this.options.initializers === false || typeof fetch !== 'function') return [];
    let urls = [];
    try {
      const response = await fetch('/_tether/initializers');
      if (response.ok) urls = await response.json();
    } catch (err) {
      this.log?.('warning', 'could not list JS initializers', err);
      return [];
    }
    const loaded = await Promise.all(urls.map(async (url) => {
      try {
        return { url, module: await import(new URL(url, document.baseURI).href) };
      } catch (err) {
        console.error(`[tether] the initializer ${url} could not be loaded`, err);
        return null;
      }
    }));
    return loaded.filter(Boolean);
  }

  rendered() {
    if (this._resolveReady) {
      this._resolveReady(this);
      this._resolveReady = null;
    }
  }

  installEventDelegation(root) {
    const onEvent = (e) => {
      const attr = 'data-t-' + e.type;
      let el = e.target;
      while (el && el !== root.parentNode) {
        if (el.nodeType === 1 && el.hasAttribute(attr)) {
          const binding = parseBinding(el.getAttribute(attr));
          if (binding.preventDefault) e.preventDefault();
          this.circuit.sendEvent(binding, e);
          if (binding.stopPropagation || NON_BUBBLING.has(e.type)) break;
        }
        el = el.parentNode;
      }
    };
    for (const type of EVENTS) root.addEventListener(type, onEvent, NON_BUBBLING.has(type));
  }

  /** Calls an exposed static Swift method: Tether.invokeMethodAsync('Demo', 'Add', 2, 3). */
  invokeMethodAsync(moduleName, methodId, ...args) {
    if (!this.circuit) return Promise.reject(new Error('Tether has not started.'));
    return this.circuit.invokeSwift(moduleName, methodId, args);
  }

  /** Turns wire markers back into live objects: Swift object references and DOM elements. */
  revive(value) {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.revive(v));
    if (typeof value.__tetherObject === 'number') return new SwiftObjectProxy(this.circuit, value.__tetherObject);
    if (typeof value.__tetherJSObject === 'number') return this.jsObjects.get(value.__tetherJSObject);
    if (typeof value.__tetherStream === 'number') return new SwiftStreamProxy(this.circuit, value.__tetherStream, value.length);
    if (typeof value.__tetherBytes === 'number') {
      const bytes = this.segments.get(value.__tetherBytes);
      this.segments.delete(value.__tetherBytes);
      return bytes;
    }
    if (typeof value.__tetherElement === 'string') {
      return this.root.querySelector(`[data-t-ref="${CSS.escape(value.__tetherElement)}"]`);
    }
    const out = {};
    for (const k of Object.keys(value)) out[k] = this.revive(value[k]);
    return out;
  }

  /** The server navigated: in the circuit only the history entry changes. */
  navigated(url, replace, inCircuit) {
    if (!inCircuit) {
      if (replace) location.replace(url); else location.assign(url);
    } else if (replace) {
      history.replaceState(null, '', url);
    } else {
      history.pushState(null, '', url);
    }
  }

  /** Navigates inside the circuit, as a link click does: Tether.navigateTo('/counter'). */
  navigateTo(url, { replace = false } = {}) {
    const target = new URL(url, location.href);
    if (target.origin !== location.origin || !this.circuit || this.circuit.isClosed) {
      location.assign(target.href);
      return;
    }
    if (replace) history.replaceState(null, '', target.href); else history.pushState(null, '', target.href);
    this.circuit.post(['nav', target.pathname + target.search]);
  }

  installNavigation() {
    if (typeof document.addEventListener !== 'function') return;
    document.addEventListener('click', (e) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const link = e.target.closest && e.target.closest('a[href]');
      if (!link || (link.target && link.target !== '_self') || link.hasAttribute('download')) return;
      if (link.hasAttribute('data-tether-reload')) return;
      const target = new URL(link.href, location.href);
      if (target.origin !== location.origin) return;
      if (target.pathname === location.pathname && target.search === location.search && target.hash) return;
      e.preventDefault();
      this.navigateTo(target.href);
    });
    if (typeof globalThis.addEventListener !== 'function') return;
    globalThis.addEventListener('popstate', () => {
      if (this.circuit && !this.circuit.isClosed) this.circuit.post(['nav', location.pathname + location.search]);
      else location.reload();
    });
  }

  showError(message) {
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

  // --- Reconnection ---------------------------------------------------------------------------
  //
  // When the socket drops, the runtime retries with the reconnection policy and resumes the same
  // circuit, whose state the server kept. The default UI is #tether-reconnect-modal; an app can
  // put its own element with that id in the page to restyle it. Each state change sets one class
  // on it (tether-reconnect-show, -retrying, -failed, -rejected, -hide) and dispatches a DOM
  // event of the same name with a "tether:" prefix on document.
  //
  // The close code decides whether any of that happens (closeDisposition): 4001 goes straight to
  // the rejected state, and a final code ends the circuit with the error bar instead, even in the
  // middle of a reconnect, since the server would refuse every further attempt the same way.

  disconnected(e, pausedByPage, disposition) {
    document.documentElement.classList.add('tether-disconnected');
    switch (disposition) {
      case 'final':
        this.circuitEnded(e);
        return;
      case 'rejected':
        // A running reconnect shows it when its handshake resolves false; pausedByPage means a
        // `rejected` message already came, and its reconnect showed it.
        if (!pausedByPage && !this._reconnecting) this.reconnectState('rejected', {});
        return;
      case 'retry':
        break;
      default:
        // Only the three above exist; anything else gets the behaviour every close had before
        // close codes meant something.
        break;
    }
    if (pausedByPage || this._reconnecting) return;
    const handler = this.options.reconnectionHandler;
    if (handler && typeof handler.onConnectionDown === 'function') {
      handler.onConnectionDown(this.options.reconnectionOptions || {}, e);
      return;
    }
    this.reconnectWithPolicy();
  }

  /** A final close: the circuit is over for this page and only a reload starts a new one. */
  circuitEnded(e) {
    // One bar: when a `fatal` message came first (4000 follows one), its text stays, because the
    // server wrote it for the user and it may say more than a close reason (at most 123 bytes)
    // can. The close's code and reason are still in the console warning.
    if (!this.circuit.failed) this.showError(e.reason || closeExplanation(e.code));
    // The reconnect overlay would cover the bar and promise a reconnect that will not come.
    if (this._reconnectState && this._reconnectState !== 'hide') {
      this.reconnectState('hide', { code: e.code, reason: e.reason || '' });
    }
  }

  reconnectionPolicy() {
    const o = this.options.reconnectionOptions || {};
    const maxRetries = o.maxRetries ?? 8;
    const interval = o.retryIntervalMilliseconds ?? ((attempt) => Math.min(500 * 2 ** (attempt - 1), 5000));
    return { maxRetries, delay: typeof interval === 'function' ? interval : () => interval };
  }

  async reconnectWithPolicy() {
    this._reconnecting = true;
    const { maxRetries, delay } = this.reconnectionPolicy();
    this.reconnectState('show', { attempt: 0, maxRetries });
    for (let attempt = 1; attempt <= maxRetries; attempt++) {
      await new Promise((r) => setTimeout(r, delay(attempt)));
      this.reconnectState('retrying', { attempt, maxRetries });
      let outcome;
      try {
        outcome = await this.circuit.resume();
      } catch {
        if (!this.circuit.ended) continue;
        // A final close: circuitEnded() has shown why, and another attempt would be refused the same way.
        this._reconnecting = false;
        return;
      }
      this._reconnecting = false;
      if (outcome) {
        this.connectionUp();
      } else {
        this.reconnectState('rejected', { attempt, maxRetries });
      }
      return;
    }
    this._reconnecting = false;
    this.reconnectState('failed', { attempt: maxRetries, maxRetries });
  }

  connectionUp() {
    document.documentElement.classList.remove('tether-disconnected');
    this.reconnectState('hide', {});
    const handler = this.options.reconnectionHandler;
    if (handler && typeof handler.onConnectionUp === 'function') handler.onConnectionUp();
  }

  /** Tries once to resume the circuit now. Resolves true when it is back. */
  async reconnect() {
    if (!this.circuit || this._reconnecting || this.circuit.ended) return false;
    // A disconnect() still closing its socket finishes first.
    if (this.circuit.closing) await this.circuit.closing;
    this.circuit.closing = null;
    if (this.circuit.open) return true;
    this._reconnecting = true;
    let outcome = false;
    try {
      outcome = await this.circuit.resume();
    } catch {
      // After a final close the error bar says why; a Retry button would only fail again.
      if (!this.circuit.ended) this.reconnectState('failed', {});
      return false;
    } finally {
      this._reconnecting = false;
    }
    if (outcome) this.connectionUp(); else this.reconnectState('rejected', {});
    return outcome;
  }

  /** Closes the circuit's socket. The server keeps the circuit; Tether.reconnect() resumes it. */
  disconnect() {
    if (this.circuit) this.circuit.close();
  }

  reconnectState(state, detail) {
    this._reconnectState = state;
    if (!this.options.reconnectionHandler) this.reconnectModal(state, detail);
    document.dispatchEvent(new CustomEvent('tether:reconnect-' + state, { detail }));
  }

  reconnectModal(state, detail) {
    let modal = document.getElementById('tether-reconnect-modal');
    if (!modal) {
      if (state === 'hide') return;
      modal = document.createElement('div');
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
    }
    for (const s of ['show', 'retrying', 'failed', 'rejected', 'hide']) modal.classList.remove('tether-reconnect-' + s);
    modal.classList.add('tether-reconnect-' + state);
    // An element the app provided is only given the class; its look is the app's.
    if (!modal._tetherParts) return;
    const { message, retry, reload } = modal._tetherParts;
    modal.style.display = state === 'hide' ? 'none' : 'flex';
    const texts = {
      show: 'Connection lost. Reconnecting…',
      retrying: `Connection lost. Reconnecting (attempt ${detail.attempt} of ${detail.maxRetries})…`,
      failed: 'Could not reconnect to the server.',
      rejected: 'This session has expired. Reload the page to continue.',
      hide: '',
    };
    message.textContent = texts[state];
    retry.style.display = state === 'failed' ? '' : 'none';
    reload.style.display = state === 'failed' || state === 'rejected' ? '' : 'none';
  }
}

const Tether = new TetherRuntime();
if (typeof window !== 'undefined' && typeof document !== 'undefined') {
  window.Tether = Tether;
  const tag = [...document.querySelectorAll('script[src]')].find((s) => s.src === import.meta.url);
  if (!tag || tag.getAttribute('autostart') !== 'false') {
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', () => Tether.start());
    } else {
      Tether.start();
    }
  }
}

export default Tether;
