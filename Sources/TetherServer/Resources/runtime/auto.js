// An auto page's entry module (Blazor's InteractiveAuto). The page is prerendered as a
// WebAssembly page is, and carries both a circuit descriptor and the module's URL and version.
// This module chooses, once per visit, which runtime takes the page:
// - the browser has stored this version of the module (a previous visit downloaded it into the
//   Cache API): wasm.js runs it from those bytes, and no WebSocket opens;
// - otherwise tether.js starts the circuit, and once its first render is applied the module is
//   downloaded, compiled and stored in the background, so the next visit runs in the browser.
// A rebuilt module has a new version, so it counts as not downloaded. Without the Cache API
// (an insecure origin, some private modes) every visit is a server visit. A stored version that
// fails to start (a module that lacks the page, say) is marked as failed and the page reloads,
// in server mode: that version is not downloaded or run again here, and the next build is.
//
// Both runtimes are imported only once chosen: each builds `window.Tether` when it loads.

import { WasmAttribute, WasmQuery } from './protocol.js';
import { Logger } from './log.js';

/** The Cache API cache that holds modules, one version of each module URL. */
export const MODULE_CACHE = 'tether-wasm-modules';

/** The event dispatched on document once a visit in server mode has stored the module: the
 * next visit runs in the browser. `detail` is `{ url, version }`. */
export const MODULE_STORED_EVENT = 'tether:module-stored';

/** The URL of one version of the module: the server answers it with that version or with 404,
 * never with a newer build, so what is stored under a version is that version. */
export function versionedURL(moduleURL, version) {
  const url = new URL(moduleURL);
  url.searchParams.set(WasmQuery.version, version);
  return url.href;
}

/** The header of the entry that marks a version as one that failed to start here; its value
 * says why. */
const FAILED_HEADER = 'Tether-Module-Failed';

/** The module URL a stored entry belongs to: its URL without the version. */
function unversioned(url) {
  const parsed = new URL(url);
  parsed.search = '';
  return parsed.href;
}

/** The modules this browser stored, in `cacheStorage` (the page's `caches`); every method
 * answers "not there" rather than throwing when storage fails (quota, a private mode that
 * refuses it), because storage only ever saves a download. */
export class ModuleStore {
  /** @param {CacheStorage | undefined} cacheStorage */
  constructor(cacheStorage, { log = new Logger() } = {}) {
    this.cacheStorage = cacheStorage;
    this.log = log;
  }

  /** False without the Cache API: then nothing is stored, and every visit is in server mode. */
  get available() {
    return typeof this.cacheStorage?.open === 'function';
  }

  /** What is stored of `version` of the module at `moduleURL`: `{ bytes }`, `{ failed }` (why
   * it did not start here), or null for nothing. */
  async find(moduleURL, version) {
    if (!this.available) return null;
    try {
      const cache = await this.cacheStorage.open(MODULE_CACHE);
      const stored = await cache.match(versionedURL(moduleURL, version));
      if (!stored) return null;
      const failed = stored.headers.get(FAILED_HEADER);
      return failed !== null ? { failed } : { bytes: await stored.arrayBuffer() };
    } catch (err) {
      this.log.warning('could not read the stored WebAssembly module:', err);
      return null;
    }
  }

  /** Keeps `bytes` as `version` of the module at `moduleURL`, and drops every other version of
   * it. True once stored. */
  put(moduleURL, version, bytes) {
    return this.#replace(moduleURL, version, new Response(bytes, { headers: { 'Content-Type': 'application/wasm' } }));
  }

  /** Keeps, in place of `version`'s bytes, the mark that it failed to start here, and why. True
   * once stored. */
  markFailed(moduleURL, version, reason) {
    // A header value is one line of Latin-1 text.
    const why = String(reason).replace(/[^\x20-\x7e]/g, ' ').slice(0, 200) || 'failed';
    return this.#replace(moduleURL, version, new Response('', { headers: { [FAILED_HEADER]: why } }));
  }

  async #replace(moduleURL, version, response) {
    if (!this.available) return false;
    try {
      const cache = await this.cacheStorage.open(MODULE_CACHE);
      const key = versionedURL(moduleURL, version);
      await cache.put(key, response);
      const wanted = unversioned(key);
      for (const request of await cache.keys()) {
        if (request.url !== key && unversioned(request.url) === wanted) await cache.delete(request);
      }
      return true;
    } catch (err) {
      this.log.warning('could not store the WebAssembly module:', err);
      return false;
    }
  }

  /** Forgets `version` of the module, which would not compile or start. */
  async forget(moduleURL, version) {
    if (!this.available) return;
    try {
      const cache = await this.cacheStorage.open(MODULE_CACHE);
      await cache.delete(versionedURL(moduleURL, version));
    } catch { /* nothing stored, or no storage: nothing to forget */ }
  }
}

/**
 * The choice of a visit: `{ mode: 'webAssembly', module }` with the stored module compiled, or
 * `{ mode: 'server', download, reason }`, where `download` says whether the visit should fetch
 * and store the module once its circuit runs.
 * @param {{ store: ModuleStore, moduleURL: string, version: string | null,
 *   compile?: (bytes: ArrayBuffer) => Promise<WebAssembly.Module> }} page
 */
export async function chooseMode({ store, moduleURL, version, compile = (bytes) => WebAssembly.compile(bytes) }) {
  if (!version) return { mode: 'server', download: false, reason: 'the server has no module built' };
  if (!store.available) return { mode: 'server', download: false, reason: 'this browser has no Cache API here' };
  const stored = await store.find(moduleURL, version);
  if (!stored) return { mode: 'server', download: true, reason: 'this version of the module is not stored yet' };
  if (stored.failed !== undefined) {
    return { mode: 'server', download: false, reason: `this version of the module failed to start here: ${stored.failed}` };
  }
  try {
    return { mode: 'webAssembly', module: await compile(stored.bytes) };
  } catch (err) {
    // Corrupted storage: the download starts over.
    await store.forget(moduleURL, version);
    return { mode: 'server', download: true, reason: `the stored module does not compile: ${err?.message ?? err}` };
  }
}

/**
 * Fetches `version` of the module, compiles it to be sure it is whole, and stores it. Never
 * throws; true once stored.
 * @param {{ store: ModuleStore, moduleURL: string, version: string, fetch?: typeof fetch,
 *   compile?: (bytes: ArrayBuffer) => Promise<unknown>, log?: Logger }} page
 */
export async function downloadModule({
  store, moduleURL, version, fetch: fetchModule = (url) => fetch(url), compile = (bytes) => WebAssembly.compile(bytes), log = new Logger(),
}) {
  try {
    const response = await fetchModule(versionedURL(moduleURL, version));
    if (!response.ok) {
      // 404 for a version the server no longer has: the module was rebuilt since this page was
      // rendered, and the next visit names the new one.
      log.debug(`the WebAssembly module was not stored: ${response.status} from ${response.url || moduleURL}`);
      return false;
    }
    const bytes = await response.arrayBuffer();
    await compile(bytes);
    return await store.put(moduleURL, version, bytes);
  } catch (err) {
    log.debug('the WebAssembly module was not stored:', err);
    return false;
  }
}

/** Chooses and starts the runtime of the auto page whose script tag is `tag`. */
async function boot(tag) {
  const log = new Logger();
  const root = document.getElementById('tether-root');
  const moduleURL = new URL(tag.getAttribute(WasmAttribute.module) ?? '', document.baseURI).href;
  const version = tag.getAttribute(WasmAttribute.moduleVersion);
  const store = new ModuleStore(globalThis.caches, { log });
  // Without a root, tether.js says what is missing.
  const choice = root ? await chooseMode({ store, moduleURL, version }) : { mode: 'server', download: false, reason: 'no #tether-root' };
  if (choice.mode === 'webAssembly') {
    const { default: Tether } = await import('./wasm.js');
    try {
      await Tether.start(root, choice.module);
    } catch (err) {
      // wasm.js has logged why. No event was handled yet, so the page loads again, in server
      // mode, once this version is marked: unmarked, the reload would run it again, for ever.
      if (await store.markFailed(moduleURL, version, err?.message ?? err)) {
        log.warning('the stored WebAssembly module did not start; reloading in server mode');
        location.reload();
      }
    }
    return;
  }
  log.debug(`auto page in server mode: ${choice.reason}`);
  // tether.js starts itself when no script tag of its own says otherwise; start() is idempotent.
  const { default: Tether } = await import('./tether.js');
  const started = await Tether.start();
  if (!started || !choice.download) return;
  if (await downloadModule({ store, moduleURL, version, log })) {
    document.dispatchEvent(new CustomEvent(MODULE_STORED_EVENT, { detail: { url: moduleURL, version } }));
  }
}

if (typeof window !== 'undefined' && typeof document !== 'undefined') {
  const tag = [...document.querySelectorAll('script[src]')].find((s) => s.src === import.meta.url);
  if (tag) boot(tag);
}
