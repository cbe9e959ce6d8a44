// Tether's browser runtime, the entry module: it builds the `Tether` global and starts it unless
// its script tag says autostart="false". The runtime is plain ES modules with no build step and
// no eval; protocol.js holds the wire vocabulary, circuit.js the connection.

import { Logger } from './log.js';
import { Circuit } from './circuit.js';
import { JSInterop, dom, files } from './interop.js';
import { delegateEvents } from './events.js';
import { followLinks, navigated, navigateTo, prerenderInto } from './navigation.js';
import { applyHead } from './head.js';
import { Reconnection } from './reconnect.js';
import { showErrorBar } from './error-bar.js';
import { PageLifecycle } from './lifecycle.js';
import { loadInitializers, runHook } from './initializers.js';
import { ClientCommandRunner } from './commands.js';
import { PageStates, markConnection } from './states.js';
import { checkLatency } from './latency.js';

/**
 * The types of the runtime's public surface are declared in tether.d.ts, beside this file.
 * @typedef {import('./tether').TetherStartOptions} TetherStartOptions
 * @typedef {import('./tether').TetherRuntime} TetherRuntimeType
 * @typedef {import('./tether').TetherStreamSource} TetherStreamSource
 * @typedef {import('./tether').TetherJSStreamReference} TetherJSStreamReference
 * @typedef {import('./tether').TetherJSObjectReference} TetherJSObjectReference
 * @typedef {import('./tether').TetherNavigationOptions} TetherNavigationOptions
 */

/** The `Tether` global, and this module's default export. */
class TetherRuntime {
  #log = new Logger();
  #interop = new JSInterop();
  #reconnection = new Reconnection(this, this.#log);
  #lifecycle = new PageLifecycle(this, this.#reconnection);
  #started = false;
  #resolveReady;
  #latency = 0;
  #connectedOnce = false;

  constructor() {
    /** Resolves once the circuit is connected and the first render applied. */
    this.ready = new Promise((resolve) => { this.#resolveReady = resolve; });
    /** The render mode, as `TetherApp.renderMode(at:)` names it; wasm.js's runtime says 'webAssembly'. */
    this.renderMode = 'server';
    this.circuit = null;
    this.options = undefined;
    this.files = files;
    this.dom = dom;
  }

  /** Delays every frame of the circuit by `ms` milliseconds each way, in order, so the app feels
   * as it would to a user that far from the server (LiveView's latency simulator). For
   * development: it holds until the page reloads or Tether.disableLatencySim().
   * @param {number} ms from 0 to 60000 */
  enableLatencySim(ms) {
    this.#latency = checkLatency(ms);
    this.circuit?.setLatency(this.#latency);
  }

  /** Ends the latency simulator; frames already held still go in order. */
  disableLatencySim() {
    this.#latency = 0;
    this.circuit?.setLatency(0);
  }

  /** The JS objects Swift holds handles to, by id.
   * @returns {Map<number, unknown>} */
  get jsObjects() { return this.#interop.jsObjects; }

  /**
   * Starts the runtime: runs the JS initializers' beforeStart, connects the circuit, and resolves
   * once the first render is applied, after which afterStarted runs. Called automatically unless
   * the script tag has autostart="false". Options: logLevel, reconnectionOptions {maxRetries,
   * retryIntervalMilliseconds}, reconnectionHandler {onConnectionDown, onConnectionUp},
   * configureConnection(url) to add query data, circuitPath, url (a page to render into an
   * empty #tether-root, for static pages), and autoPause {hiddenDelay} (default 120000 ms; false
   * turns it off): a page hidden that long, with no call or stream under way, pauses its circuit
   * so the server can save it and free its memory, and resumes it when shown again. autoPause is
   * read when the page is hidden, so it may be changed after start.
   * @param {TetherStartOptions} [options]
   * @returns {Promise<TetherRuntimeType | undefined>} `ready`, or undefined when the page has no
   *   #tether-root to connect.
   */
  async start(options = {}) {
    if (this.#started) return this.ready;
    this.#started = true;
    this.options = Object.assign(options, { logLevel: options.logLevel || 'warning' });
    const log = this.#log;
    const requestedLevel = this.options.logLevel;
    log.setLevel(requestedLevel);
    const initializers = await loadInitializers(this.options, log);
    await runHook(initializers, 'beforeStart', this.options, log);
    // beforeStart may have changed the options, the log level with them.
    if (this.options.logLevel !== requestedLevel) log.setLevel(this.options.logLevel);
    const root = document.getElementById('tether-root');
    if (!root) {
      this.#started = false;
      log.warning('no #tether-root element on this page; nothing to connect');
      return undefined;
    }
    if (this.options.url && !root.getAttribute('data-tether-descriptor')) {
      await prerenderInto(root, this.options.url);
    }
    const states = new PageStates(root, log);
    states.followConnection();
    const circuit = new Circuit(this.options, {
      log,
      interop: this.#interop,
      rendered: () => {
        states.refresh();
        this.#resolveReady(this);
      },
      eventSent: (sequence, el) => states.eventSent(sequence, el),
      eventHandled: (sequence) => states.eventHandled(sequence),
      eventsLost: () => states.eventsLost(),
      // The first open; reconnect.js marks every later one, and every drop.
      connectionChanged: (state) => { if (state === 'open' && !this.#connectedOnce) { this.#connectedOnce = true; markConnection(true); } },
      navigated,
      headChanged: (title, html) => applyHead(document, title, html),
      failed: showErrorBar,
      closed: (e, disposition, previous) => this.#reconnection.closed(e, disposition, previous),
      resumeOpened: () => this.#reconnection.resumeOpened(),
      shutdown: (reason, resumes) => this.#reconnection.shutdown(reason, resumes),
    });
    this.circuit = circuit;
    circuit.setLatency(this.#latency);
    delegateEvents(root, (binding, e, el) => circuit.events.send(binding, e, el), new ClientCommandRunner(log));
    // A dirty state follows what the user types, before anything goes to the server.
    for (const type of ['input', 'change']) root.addEventListener(type, () => states.refresh());
    followLinks(circuit);
    const descriptor = root.getAttribute('data-tether-descriptor') || '';
    circuit.connect(root, descriptor, root.getAttribute('data-tether-circuit') || '').catch(() => {});
    this.#lifecycle.install();
    this.ready.then(() => runHook(initializers, 'afterStarted', this, log));
    return this.ready;
  }

  /** Calls an exposed static Swift method: Tether.invokeMethodAsync('Demo', 'Add', 2, 3).
   * @template [T=unknown]
   * @param {string} moduleName the module's name in `app.exports.module(name)`
   * @param {string} methodId the method's name in `expose(name)`
   * @param {...unknown} args JSON values, byte arrays, and references made by this runtime
   * @returns {Promise<T>} the method's result; rejects with the server's message */
  invokeMethodAsync(moduleName, methodId, ...args) {
    if (!this.circuit) return Promise.reject(new Error('Tether has not started.'));
    return this.circuit.invokeSwift(moduleName, methodId, args);
  }

  /** Wraps a Blob, File, ArrayBuffer, typed array or ReadableStream so Swift can read it as a
   * stream: pass the result to Tether.invokeMethodAsync as an argument.
   * @param {TetherStreamSource} value
   * @returns {TetherJSStreamReference} */
  createJSStreamReference(value) { return this.#interop.createJSStreamReference(value); }

  /** Keeps a JS object for Swift, the analog of Blazor's DotNet.createJSObjectReference: pass the
   * result to Tether.invokeMethodAsync (as an argument or inside one) or return it from a
   * function Swift calls, and Swift receives a JSObjectReference to call it.
   * @param {object} value an object or a function
   * @returns {TetherJSObjectReference} */
  createJSObjectReference(value) { return this.#interop.createJSObjectReference(value); }

  /** Forgets a reference made by createJSObjectReference; Swift calls on it then fail.
   * @param {TetherJSObjectReference} reference */
  disposeJSObjectReference(reference) { this.#interop.disposeJSObjectReference(reference); }

  /** Navigates inside the circuit, as a link click does: Tether.navigateTo('/counter').
   * @param {string} url
   * @param {TetherNavigationOptions} [options] */
  navigateTo(url, options) { navigateTo(this.circuit, url, options); }

  /** Tries once to resume the circuit now. Resolves true when it is back.
   * @returns {Promise<boolean>} */
  reconnect() { return this.#reconnection.reconnect(); }

  /** Asks the server to save the circuit and close its socket, freeing it while the page does not
   * need it; nothing retries and no overlay shows. Resolves true once paused (then
   * `tether:paused` is dispatched on document), false when the circuit is not open. Calls to
   * Swift fail at once until Tether.resume().
   * @returns {Promise<boolean>} */
  pause() { return this.#reconnection.pause(); }

  /** Brings back a paused circuit, or a disconnected one nothing is retrying, from the server
   * that saved it or from the next one. Resolves true when it is back (then `tether:resumed` is
   * dispatched on document).
   * @returns {Promise<boolean>} */
  resume() { return this.#reconnection.resume(); }

  /** Closes the circuit's socket. The server keeps the circuit; Tether.reconnect() resumes it. */
  disconnect() {
    if (this.circuit) this.circuit.close();
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
