// The WebAssembly render mode's entry module: the page's components run in the browser, compiled
// with Embedded Swift into the app's module, and render with the same edits and the same patcher
// as a circuit, applied in-process: no socket, no server round trip. The ABI between this file
// and the module is written down in protocol.js (its names and codes) and wasm-abi in the
// README's "WebAssembly render mode".
//
// Everything in the module is synchronous, and it is not re-entrant: while a call into it runs,
// an event it provokes (a blur as an edit moves the focused node, a click a JS function it calls
// fires) waits in a queue until the call returns, and a JS→Swift call is refused.

import {
  EditCode, WasmAttribute, WasmExport, WasmImport, WasmImportModule, WasmLogLevel, WasmResultKind, WasmStatus,
} from './protocol.js';
import { applyEdits } from './dom-edits.js';
import { applyHead } from './head.js';
import { EventSender, delegateEvents } from './events.js';
import { dom, files, resolveFunction } from './interop.js';
import { ClientCommandRunner } from './commands.js';
import { showErrorBar } from './error-bar.js';
import { Logger } from './log.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The message of anything a JS function threw, which need not be an Error. */
export function messageOf(thrown) {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  try { return String(thrown); } catch { return 'a value that cannot be shown as text was thrown'; }
}

// --- results of synchronous JS calls ---------------------------------------------------------

/** A result for the slot: `kind` (WasmResultKind) and its bytes. */
function outcome(kind, bytes) { return { kind, bytes }; }

/** The error result for `thrown`. */
export function errorResult(thrown) {
  return outcome(WasmResultKind.error, encoder.encode(messageOf(thrown)));
}

function isBytes(value) { return value instanceof ArrayBuffer || ArrayBuffer.isView(value); }

/** A copy of the bytes of an ArrayBuffer or of any view on one (a Uint8Array, a DataView…). */
function copyBytes(value) {
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
}

/**
 * How a JS function's return value crosses to Swift: raw bytes for a byte array (no Base64),
 * JSON text for anything else JSON can carry (undefined as `null`), and otherwise an error that
 * says what the value was, naming the function.
 * @param {unknown} value
 * @param {string} identifier the function, for the messages
 * @returns {{ kind: number, bytes: Uint8Array }}
 */
export function encodeResult(value, identifier) {
  if (value === undefined) return outcome(WasmResultKind.json, encoder.encode('null'));
  if (isBytes(value)) return outcome(WasmResultKind.bytes, copyBytes(value));
  if (value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function') {
    // Nobody will ever wait for it: its failure must not surface as an unhandled rejection.
    try { value.then(undefined, () => {}); } catch { /* a thenable whose then throws */ }
    return errorResult(`'${identifier}' returned a Promise, which a synchronous call cannot wait for: the WebAssembly module calls JS synchronously only. Return the value itself, or let the JS call the module back with Tether.invokeMethod once it has it.`);
  }
  if (typeof value === 'function' || typeof value === 'symbol') {
    return errorResult(`The result of '${identifier}' is a ${typeof value}, which JSON cannot carry.`);
  }
  let text;
  try {
    text = JSON.stringify(value, (key, v) => {
      if (isBytes(v)) throw new Error('it holds a byte array; a function returns bytes only as its whole result in WebAssembly mode');
      return v;
    });
  } catch (err) {
    return errorResult(`The result of '${identifier}' is not JSON: ${messageOf(err)}.`);
  }
  return outcome(WasmResultKind.json, encoder.encode(text));
}

/**
 * Calls the global function `identifier` (resolved as server mode resolves `js.invoke`'s) with
 * the JSON array `argsText`, and `extra` appended when it is given (the byte array of
 * `invoke_js_bytes`). Never throws: a failure is an error result.
 * @param {string} identifier
 * @param {string} argsText
 * @param {Uint8Array | null} [extra]
 * @param {object} [root] where identifiers start; `globalThis` in a page
 * @returns {{ kind: number, bytes: Uint8Array }}
 */
export function callJS(identifier, argsText, extra = null, root = globalThis) {
  try {
    let args;
    try {
      args = JSON.parse(argsText);
    } catch (err) {
      throw new Error(`The arguments for '${identifier}' are not JSON: ${messageOf(err)}`);
    }
    if (!Array.isArray(args)) throw new Error(`The arguments for '${identifier}' are not a JSON array.`);
    if (extra !== null) args.push(extra);
    const { fn, thisArg } = resolveFunction(identifier, root);
    return encodeResult(fn.apply(thisArg, args), identifier);
  } catch (err) {
    return errorResult(err);
  }
}

/** The outcome of the last synchronous JS call, kept until Swift copies it out: `invoke_js`
 * returns its length, `take_result` copies it, `result_kind` says what it is. */
export class ResultSlot {
  constructor() {
    this.kind = WasmResultKind.json;
    this.bytes = new Uint8Array(0);
  }

  /** Keeps `result` and returns its length, what `invoke_js` returns. */
  set(result) {
    this.kind = result.kind;
    this.bytes = result.bytes;
    return result.bytes.length;
  }

  /** Copies the result into `memory` (an ArrayBuffer) at `ptr`, and lets its bytes go. */
  take(memory, ptr) {
    new Uint8Array(memory, ptr, this.bytes.length).set(this.bytes);
    this.bytes = new Uint8Array(0);
  }
}

// --- the first render ------------------------------------------------------------------------

/** Whether `root` already shows `html`: both go through the browser's parser and serializer,
 * so the server's spelling of the markup and the module's need not agree byte for byte. */
export function showsMarkup(root, html) {
  const template = root.ownerDocument.createElement('template');
  template.innerHTML = html;
  return template.innerHTML === root.innerHTML;
}

/** Whether the module's first batch only repeats the server's prerender: exactly one
 * replaceChildren at the render root with the markup the root already shows. Skipping it keeps
 * the prerendered nodes, and with them the focus and whatever the user typed meanwhile. */
export function repeatsPrerender(root, edits) {
  if (!Array.isArray(edits) || edits.length !== 1) return false;
  const [code, path, html] = edits[0];
  return code === EditCode.replaceChildren && Array.isArray(path) && path.length === 0
    && typeof html === 'string' && showsMarkup(root, html);
}

/** The URL the module routes: the browser's path and query without the mount path the server
 * wrote on the root (`/app/wasm/counter?x=1` under `/app` is `/wasm/counter?x=1`). */
export function pageURL(pathname, search, base = '') {
  let path = pathname;
  if (base && (path === base || path.startsWith(base + '/'))) path = path.slice(base.length) || '/';
  return path + search;
}

// --- WASI ------------------------------------------------------------------------------------

const WASI_ESUCCESS = 0;
const WASI_EBADF = 8;
const WASI_ESPIPE = 70;
const RANDOM_CHUNK = 65536;

/** What `proc_exit` throws: the module ended itself and cannot be called again. */
export class WasmExit extends Error {
  constructor(code) {
    super(`the module exited with status ${code}`);
    this.name = 'WasmExit';
    this.code = code;
  }
}

/** The console lines of the module's stdout (fd 1) and stderr (fd 2), written a line at a time
 * however wasi-libc splits them. */
class ConsoleStreams {
  constructor(log) {
    this.log = log;
    this.pending = { 1: '', 2: '' };
    // One decoder per stream, streaming: a character may be split between two writes.
    this.decoders = { 1: new TextDecoder(), 2: new TextDecoder() };
  }

  write(fd, bytes) {
    this.pending[fd] += this.decoders[fd].decode(bytes, { stream: true });
    const lines = this.pending[fd].split('\n');
    this.pending[fd] = lines.pop();
    for (const line of lines) this.emit(fd, line);
  }

  /** Prints what waits for its newline: the last words before a trap. */
  flush() {
    for (const fd of [1, 2]) {
      this.pending[fd] += this.decoders[fd].decode();
      if (this.pending[fd]) this.emit(fd, this.pending[fd]);
      this.pending[fd] = '';
    }
  }

  emit(fd, line) {
    if (fd === 2) this.log.error(line); else this.log.info(line);
  }
}

// --- the module ------------------------------------------------------------------------------

/**
 * One wasm page: the module instance, the render root it draws into, and the calls between them.
 * `load` instantiates the module, `start(url)` mounts the page, `dispatch` and `invoke` call it.
 * Once the module traps or exits (or an edit it sends cannot be applied, so the DOM no longer
 * matches what it diffs against) the page is broken: the root gets `data-tether-broken`, the
 * error bar shows, and nothing calls the module again.
 */
export class WasmPage {
  /**
   * @param {Element} root the render root
   * @param {{ log?: Logger, globals?: object, onBroken?: (message: string) => void }} [options]
   *   `globals` is where `invoke_js` identifiers start (globalThis).
   */
  constructor(root, { log = new Logger(), globals = globalThis, onBroken = showErrorBar } = {}) {
    this.root = root;
    this.log = log;
    this.globals = globals;
    this.onBroken = onBroken;
    this.exports = null;
    this.slot = new ResultSlot();
    this.console = new ConsoleStreams(log);
    /** Why the page stopped, or null while it runs. */
    this.broken = null;
    this.running = false;
    this.started = false;
    this.queuedEvents = [];
    this.returned = null;
    this.importFailure = null;
    this.firstBatch = true;
    /** Where the strings of a call into the module are written: allocated in the module once,
     * and again only when a call needs more room. */
    this.scratch = { ptr: 0, size: 0 };
    /** The head's elements as last applied: a change of title alone leaves the head alone. */
    this.headElements = null;
  }

  /** The import object for `module`: the ABI's `tether` functions, the WASI ones wasi-libc
   * needs, and for any other WASI function it names one that throws when called, so the module
   * links and fails only if it really calls it.
   * @param {WebAssembly.Module} module
   * @throws {Error} naming an import this runtime does not provide */
  imports(module) {
    const tether = this.tetherImports();
    const wasi = this.wasiImports();
    for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
      if (from === WasmImportModule.tether) {
        if (!Object.hasOwn(tether, name)) {
          throw new Error(`the module imports ${from}.${name}, which this runtime does not provide: the module and wasm.js are of different versions`);
        }
      } else if (from === WasmImportModule.wasi) {
        if (!Object.hasOwn(wasi, name)) {
          wasi[name] = () => { throw new Error(`the module called ${from}.${name}, which wasm.js does not provide`); };
        }
      } else {
        throw new Error(`the module imports ${from}.${name} (${kind}); a Tether module imports only from '${WasmImportModule.tether}' and '${WasmImportModule.wasi}'`);
      }
    }
    return { [WasmImportModule.tether]: tether, [WasmImportModule.wasi]: wasi };
  }

  tetherImports() {
    return {
      [WasmImport.applyEdits]: (ptr, len) => this.guardImport(() => this.applyBatch(JSON.parse(this.readString(ptr, len)))),
      [WasmImport.returnValue]: (ptr, len) => this.guardImport(() => { this.returned = this.readString(ptr, len); }),
      [WasmImport.log]: (level, ptr, len) => this.guardImport(() => this.logLine(level, this.readString(ptr, len))),
      [WasmImport.invokeJS]: (identPtr, identLen, argsPtr, argsLen) => this.invokeJS(identPtr, identLen, argsPtr, argsLen, null),
      [WasmImport.invokeJSBytes]: (identPtr, identLen, argsPtr, argsLen, bytesPtr, bytesLen) =>
        this.invokeJS(identPtr, identLen, argsPtr, argsLen, [bytesPtr, bytesLen]),
      [WasmImport.takeResult]: (ptr) => this.guardImport(() => this.slot.take(this.memory.buffer, ptr)),
      [WasmImport.resultKind]: () => this.slot.kind,
      // Optional (a module without PageTitle or HeadContent need not import it): the head as
      // server mode's render batch carries it; a title of (0, 0) leaves the title alone.
      [WasmImport.setHead]: (titlePtr, titleLen, htmlPtr, htmlLen) => this.guardImport(() => {
        const title = titlePtr === 0 && titleLen === 0 ? null : this.readString(titlePtr, titleLen);
        const elements = this.readString(htmlPtr, htmlLen);
        const doc = this.root.ownerDocument;
        if (elements === this.headElements) {
          // A counter's title changes at every click: parsing the head again each time cost a
          // quarter of a click (bench/wasm/profile.py).
          if (title !== null && doc.title !== title) doc.title = title;
          return;
        }
        this.headElements = elements;
        applyHead(doc, title, elements);
      }),
    };
  }

  wasiImports() {
    return {
      fd_write: (fd, iovs, iovsLen, writtenPtr) => {
        if (fd !== 1 && fd !== 2) return WASI_EBADF;
        const view = new DataView(this.memory.buffer);
        let written = 0;
        for (let i = 0; i < iovsLen; i++) {
          const ptr = view.getUint32(iovs + i * 8, true);
          const len = view.getUint32(iovs + i * 8 + 4, true);
          this.console.write(fd, new Uint8Array(this.memory.buffer, ptr, len));
          written += len;
        }
        view.setUint32(writtenPtr, written, true);
        return WASI_ESUCCESS;
      },
      fd_close: () => WASI_ESUCCESS,
      fd_seek: () => WASI_ESPIPE,
      random_get: (ptr, len) => {
        for (let offset = 0; offset < len; offset += RANDOM_CHUNK) {
          crypto.getRandomValues(new Uint8Array(this.memory.buffer, ptr + offset, Math.min(RANDOM_CHUNK, len - offset)));
        }
        return WASI_ESUCCESS;
      },
      proc_exit: (code) => { throw new WasmExit(code); },
    };
  }

  /**
   * Compiles and instantiates the module.
   * @param {Response | Promise<Response> | BufferSource | WebAssembly.Module} source a fetch of
   *   the module, its bytes, or the module compiled
   */
  async load(source) {
    let module;
    if (source instanceof WebAssembly.Module) {
      module = source;
    } else if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
      module = await WebAssembly.compile(source);
    } else {
      const response = await source;
      if (!response.ok) {
        const detail = (await response.text().catch(() => '')).trim().slice(0, 200);
        throw new Error(`could not load the WebAssembly module ${response.url}: ${response.status}${detail ? ` (${detail})` : ''}`);
      }
      module = typeof WebAssembly.compileStreaming === 'function'
        ? await WebAssembly.compileStreaming(response)
        : await WebAssembly.compile(await response.arrayBuffer());
    }
    const instance = await WebAssembly.instantiate(module, this.imports(module));
    for (const name of Object.values(WasmExport)) {
      if (!(name in instance.exports)) throw new Error(`the module does not export '${name}'`);
    }
    this.exports = instance.exports;
  }

  get memory() { return this.exports[WasmExport.memory]; }

  readString(ptr, len) {
    return decoder.decode(new Uint8Array(this.memory.buffer, ptr, len));
  }

  /** Writes `strings` as UTF-8 into the scratch buffer, straight into the module's memory (no
   * intermediate copy: encoding was a third of a synchronous call's time), and returns each one's
   * (pointer, length). Valid until the next call into the module. */
  writeStrings(strings) {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    let room = 0;
    for (const s of strings) room += s.length * 3;
    if (room > this.scratch.size) {
      if (this.scratch.ptr) this.exports[WasmExport.free](this.scratch.ptr);
      const size = Math.max(room, 1024);
      const ptr = this.exports[WasmExport.alloc](size);
      if (!ptr) throw new Error(`the module could not allocate ${size} bytes`);
      this.scratch = { ptr, size };
    }
    const memory = new Uint8Array(this.memory.buffer);
    const out = [];
    let offset = this.scratch.ptr;
    for (const s of strings) {
      const { written } = encoder.encodeInto(s, memory.subarray(offset, offset + s.length * 3));
      out.push(offset, written);
      offset += written;
    }
    return out;
  }

  /** An import must not throw through the module, which would unwind Swift frames midway: its
   * failure is kept, and the page breaks once the call into the module returns. */
  guardImport(body) {
    try {
      body();
    } catch (err) {
      this.importFailure ??= err;
    }
  }

  applyBatch(edits) {
    const first = this.firstBatch;
    this.firstBatch = false;
    if (first && repeatsPrerender(this.root, edits)) return;
    applyEdits(this.root, edits);
  }

  logLine(level, text) {
    switch (level) {
      case WasmLogLevel.debug: this.log.debug(text); break;
      case WasmLogLevel.info: this.log.info(text); break;
      case WasmLogLevel.warning: this.log.warning(text); break;
      case WasmLogLevel.error: this.log.error(text); break;
      default: this.log.error(`(log level ${level}) ${text}`);
    }
  }

  invokeJS(identPtr, identLen, argsPtr, argsLen, bytes) {
    let result;
    try {
      const identifier = this.readString(identPtr, identLen);
      const argsText = this.readString(argsPtr, argsLen);
      const extra = bytes ? new Uint8Array(this.memory.buffer, bytes[0], bytes[1]).slice() : null;
      result = callJS(identifier, argsText, extra, this.globals);
    } catch (err) {
      result = errorResult(err);
    }
    return this.slot.set(result);
  }

  /** Calls the export `name` with `strings`, each passed as (pointer, length), and returns its
   * status. The one way into the module: it refuses a call while another runs, turns a trap
   * into a broken page, and afterwards runs the events that arrived meanwhile. */
  call(name, ...strings) {
    if (this.broken) throw this.stoppedError();
    if (this.running) throw new Error('the WebAssembly module is already running: Swift cannot be called from a JS function it is calling');
    this.running = true;
    let status;
    try {
      status = this.exports[name](...this.writeStrings(strings));
    } catch (err) {
      this.stop(err);
    } finally {
      this.running = false;
      this.console.flush();
    }
    if (this.importFailure) {
      this.stop(this.importFailure);
      this.importFailure = null;
    }
    if (this.broken) throw this.stoppedError();
    this.runQueuedEvents();
    return status;
  }

  stoppedError() {
    return new Error(`the page's WebAssembly module has stopped (${this.broken}); reload the page`);
  }

  /** Marks the page broken, once, saying why. */
  stop(err) {
    if (this.broken) return;
    const what = err instanceof WebAssembly.RuntimeError ? `it trapped: ${err.message}`
      : err instanceof WasmExit ? err.message
        : `${err && err.name ? err.name + ': ' : ''}${messageOf(err)}`;
    this.broken = what;
    this.console.flush();
    this.log.error(`the page's WebAssembly module stopped: ${what}`);
    try { this.root.setAttribute(WasmAttribute.broken, what); } catch { /* a root that is gone */ }
    try { this.onBroken?.('This page stopped working.'); } catch { /* no document to show it in */ }
  }

  /** Mounts the page at `url` (path and query) and renders it. */
  start(url) {
    const status = this.call(WasmExport.start, url);
    if (status !== WasmStatus.ok) {
      const why = status === WasmStatus.notFound ? `the module has no page at ${url}` : `tether_start answered ${statusName(status)}`;
      this.stop(new Error(why));
      throw new Error(why);
    }
    this.started = true;
  }

  /** Runs the handler `id` for an event with `args`; an event that arrives while the module runs
   * waits for it. Never throws: what goes wrong is logged, or breaks the page. */
  dispatch(id, args) {
    if (this.broken) return;
    if (this.running) {
      this.queuedEvents.push([id, args]);
      return;
    }
    let status;
    try {
      status = this.call(WasmExport.dispatch, String(id), JSON.stringify(args));
    } catch {
      return;  // stop() has said why
    }
    switch (status) {
      case WasmStatus.ok: break;
      // The element's handler was removed by a render that came first (an event queued behind it).
      case WasmStatus.notFound: this.log.debug(`no handler ${id}: the element it belonged to is gone`); break;
      case WasmStatus.badArguments: this.log.error(`the handler ${id} refused its event arguments`); break;
      // The module has logged the error the handler threw.
      case WasmStatus.failed: break;
      default: this.log.error(`tether_dispatch answered ${statusName(status)}`);
    }
  }

  runQueuedEvents() {
    while (this.queuedEvents.length > 0 && !this.broken && !this.running) {
      const [id, args] = this.queuedEvents.shift();
      this.dispatch(id, args);
    }
  }

  /**
   * Calls the Swift method `name` ("Module.Method") with the JSON array `argsText`.
   * @returns {unknown} its result, decoded
   * @throws {Error} with the module's message when the method failed or was not found
   */
  invoke(name, argsText) {
    this.returned = null;
    const status = this.call(WasmExport.invoke, name, argsText);
    const text = this.returned;
    this.returned = null;
    if (status !== WasmStatus.ok) throw new Error(text || `${name} failed: ${statusName(status)}`);
    if (text === null) throw new Error(`${name} returned no value (the module did not call return_value)`);
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new Error(`${name} returned text that is not JSON: ${messageOf(err)}`);
    }
  }
}

/** A status for messages: its name in WasmStatus, or its number. */
function statusName(status) {
  return Object.keys(WasmStatus).find((k) => WasmStatus[k] === status) ?? `status ${status}`;
}

// --- the Tether global of a wasm page --------------------------------------------------------

/** JSON text of the arguments of a JS→Swift call. */
export function argumentsJSON(what, args) {
  try {
    return JSON.stringify(args, (key, v) => {
      if (isBytes(v)) throw new Error('a byte array cannot be an argument in WebAssembly mode');
      return v;
    });
  } catch (err) {
    throw new Error(`${what}: the arguments are not JSON: ${messageOf(err)}`);
  }
}

/** `window.Tether` on a wasm page. */
export class WasmRuntime {
  #log = new Logger();
  #resolveReady;
  #rejectReady;

  constructor() {
    /** Resolves once the module has mounted the page and its first render is applied; rejects
     * when the module cannot load or start. */
    this.ready = new Promise((resolve, reject) => { this.#resolveReady = resolve; this.#rejectReady = reject; });
    // The reason is logged where it happens; nobody need await this to avoid an unhandled rejection.
    this.ready.catch(() => {});
    /** The render mode, as `TetherApp.renderMode(at:)` names it. */
    this.renderMode = 'webAssembly';
    this.page = null;
    this.files = files;
    this.dom = dom;
  }

  /**
   * Loads the module, starts the page in `root`, and delegates its events.
   * @param {Element} root
   * @param {string | Response | BufferSource | WebAssembly.Module} module the module's URL, or
   *   the module itself as `WasmPage.load` takes it (auto.js passes the one it stored)
   * @param {{ logLevel?: string }} [options]
   */
  async start(root, module, options = {}) {
    if (this.page) return this.ready;
    if (options.logLevel) this.#log.setLevel(options.logLevel);
    const page = new WasmPage(root, { log: this.#log });
    this.page = page;
    try {
      await page.load(typeof module === 'string' ? fetch(module) : module);
      page.start(pageURL(location.pathname, location.search, root.getAttribute('data-tether-base') || ''));
    } catch (err) {
      if (!page.broken) page.stop(err);
      this.#rejectReady(new Error(`Tether could not start this page: ${page.broken}`));
      return this.ready;
    }
    // Debounce and throttle hold events back exactly as in server mode; what would be the `ev`
    // message runs the handler in-process instead.
    const events = new EventSender((message) => {
      const [, id, args] = message;
      page.dispatch(id, args);
    });
    delegateEvents(root, (binding, e, el) => events.send(binding, e, el), new ClientCommandRunner(this.#log));
    this.#resolveReady(this);
    return this.ready;
  }

  /** Calls a Swift method the app's module exposes, synchronously:
   * `Tether.invokeMethod('Demo', 'Add', 2, 3)`.
   * @param {string} moduleName
   * @param {string} methodId
   * @param {...unknown} args JSON values
   * @returns {unknown} the method's result
   * @throws {Error} with the method's message, or why it could not be called */
  invokeMethod(moduleName, methodId, ...args) {
    if (typeof moduleName !== 'string' || moduleName === '' || typeof methodId !== 'string' || methodId === '') {
      throw new Error('Tether.invokeMethod(module, method, ...args) needs a module name and a method name.');
    }
    const name = `${moduleName}.${methodId}`;
    if (!this.page || !this.page.started) {
      throw new Error(`${name}: the page's WebAssembly module has not started; await Tether.ready first.`);
    }
    return this.page.invoke(name, argumentsJSON(name, args));
  }

  /** `invokeMethod`, as a Promise: the same call, for code written for both render modes.
   * @returns {Promise<unknown>} */
  invokeMethodAsync(moduleName, methodId, ...args) {
    return new Promise((resolve) => resolve(this.invokeMethod(moduleName, methodId, ...args)));
  }
}

const Tether = new WasmRuntime();
if (typeof window !== 'undefined' && typeof document !== 'undefined') {
  window.Tether = Tether;
  // Started by its own script tag; imported by another module (auto.js), it waits to be started.
  const tag = [...document.querySelectorAll('script[src]')].find((s) => s.src === import.meta.url);
  const boot = () => {
    const root = document.getElementById('tether-root');
    if (!tag.hasAttribute(WasmAttribute.module) || !root) {
      console.error('[tether] wasm.js needs #tether-root and a script tag with', WasmAttribute.module);
      return;
    }
    Tether.start(root, new URL(tag.getAttribute(WasmAttribute.module), document.baseURI).href);
  };
  if (tag) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot); else boot();
  }
}

export default Tether;
