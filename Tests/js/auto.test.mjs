// auto.js's choice between the circuit and the stored module, without a browser: a CacheStorage
// written against the Cache API's contract (open, match, put, keys, delete on URL keys), a real
// WebAssembly compiler, and a fetch that answers as the server does (the asked-for version, or
// 404 for any other). test_wasm_auto.py runs the same code in Chromium with the real Cache API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODULE_CACHE, ModuleStore, chooseMode, downloadModule, versionedURL,
} from '../../Sources/TetherServer/Resources/runtime/auto.js';
import { Logger } from '../../Sources/TetherServer/Resources/runtime/log.js';

const MODULE_URL = 'http://app.test/_tether/wasm/App.wasm';
// The smallest valid module: the magic number and version 1, no sections.
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const NOT_A_MODULE = new Uint8Array([1, 2, 3, 4]);
const quiet = new Logger('none');

/** One cache of the Cache API: Responses by request URL. */
class FakeCache {
  constructor() { this.entries = new Map(); }
  async match(url) {
    const hit = this.entries.get(String(url));
    return hit ? hit.clone() : undefined;
  }
  async put(url, response) { this.entries.set(String(url), response.clone()); }
  async keys() { return [...this.entries.keys()].map((url) => ({ url })); }
  async delete(request) { return this.entries.delete(typeof request === 'string' ? request : request.url); }
}

/** `caches`: caches by name, made on first open. */
class FakeCacheStorage {
  constructor() { this.byName = new Map(); }
  async open(name) {
    if (!this.byName.has(name)) this.byName.set(name, new FakeCache());
    return this.byName.get(name);
  }
  /** The URLs stored in the module cache, sorted. */
  storedURLs() { return [...(this.byName.get(MODULE_CACHE)?.entries.keys() ?? [])].sort(); }
}

/** A fetch that serves `bytes` as version `current` of the module, and 404 for another version. */
function serving(current, bytes) {
  const asked = [];
  const fetchModule = async (url) => {
    asked.push(url);
    const version = new URL(url).searchParams.get('v');
    if (version !== current) return new Response('rebuilt', { status: 404 });
    return new Response(bytes, { status: 200, headers: { 'Content-Type': 'application/wasm' } });
  };
  return { fetchModule, asked };
}

test('the versioned URL adds the version as the query the server checks', () => {
  assert.equal(versionedURL(MODULE_URL, 'abc123'), `${MODULE_URL}?v=abc123`);
  assert.equal(versionedURL('http://app.test/base/_tether/wasm/App.wasm', 'a b'), 'http://app.test/base/_tether/wasm/App.wasm?v=a+b');
});

test('a first visit is in server mode and asks for the download', async () => {
  const store = new ModuleStore(new FakeCacheStorage(), { log: quiet });
  const choice = await chooseMode({ store, moduleURL: MODULE_URL, version: 'v1' });
  assert.equal(choice.mode, 'server');
  assert.equal(choice.download, true);
  assert.match(choice.reason, /not stored/);
});

test('once downloaded, the next visit runs the stored module, compiled, with no fetch', async () => {
  const caches = new FakeCacheStorage();
  const store = new ModuleStore(caches, { log: quiet });
  const { fetchModule, asked } = serving('v1', EMPTY_MODULE);
  assert.equal(await downloadModule({ store, moduleURL: MODULE_URL, version: 'v1', fetch: fetchModule, log: quiet }), true);
  assert.deepEqual(asked, [`${MODULE_URL}?v=v1`]);
  assert.deepEqual(caches.storedURLs(), [`${MODULE_URL}?v=v1`]);

  const choice = await chooseMode({ store, moduleURL: MODULE_URL, version: 'v1' });
  assert.equal(choice.mode, 'webAssembly');
  assert.ok(choice.module instanceof WebAssembly.Module);
  assert.equal(asked.length, 1, 'the visit in wasm mode fetched nothing');
});

test('a rebuilt module (another version) counts as not downloaded, and its download replaces the old one', async () => {
  const caches = new FakeCacheStorage();
  const store = new ModuleStore(caches, { log: quiet });
  await downloadModule({ store, moduleURL: MODULE_URL, version: 'v1', fetch: serving('v1', EMPTY_MODULE).fetchModule, log: quiet });

  const choice = await chooseMode({ store, moduleURL: MODULE_URL, version: 'v2' });
  assert.equal(choice.mode, 'server');
  assert.equal(choice.download, true);

  assert.equal(await downloadModule({ store, moduleURL: MODULE_URL, version: 'v2', fetch: serving('v2', EMPTY_MODULE).fetchModule, log: quiet }), true);
  assert.deepEqual(caches.storedURLs(), [`${MODULE_URL}?v=v2`], 'one version of a module is kept');
  assert.equal((await chooseMode({ store, moduleURL: MODULE_URL, version: 'v2' })).mode, 'webAssembly');
  assert.equal((await chooseMode({ store, moduleURL: MODULE_URL, version: 'v1' })).mode, 'server');
});

test('another module URL keeps its own stored version', async () => {
  const caches = new FakeCacheStorage();
  const store = new ModuleStore(caches, { log: quiet });
  const other = 'http://app.test/_tether/wasm/Other.wasm';
  await downloadModule({ store, moduleURL: MODULE_URL, version: 'v1', fetch: serving('v1', EMPTY_MODULE).fetchModule, log: quiet });
  await downloadModule({ store, moduleURL: other, version: 'w1', fetch: serving('w1', EMPTY_MODULE).fetchModule, log: quiet });
  assert.deepEqual(caches.storedURLs(), [`${MODULE_URL}?v=v1`, `${other}?v=w1`].sort());
});

test('a module rebuilt during the download is not stored under the version the page named', async () => {
  const caches = new FakeCacheStorage();
  const store = new ModuleStore(caches, { log: quiet });
  // The page names v1; the server has v2 by the time the download asks.
  const stored = await downloadModule({ store, moduleURL: MODULE_URL, version: 'v1', fetch: serving('v2', EMPTY_MODULE).fetchModule, log: quiet });
  assert.equal(stored, false);
  assert.deepEqual(caches.storedURLs(), []);
});

test('bytes that do not compile are not stored', async () => {
  const caches = new FakeCacheStorage();
  const store = new ModuleStore(caches, { log: quiet });
  const stored = await downloadModule({ store, moduleURL: MODULE_URL, version: 'v1', fetch: serving('v1', NOT_A_MODULE).fetchModule, log: quiet });
  assert.equal(stored, false);
  assert.deepEqual(caches.storedURLs(), []);
});

test('a failed fetch stores nothing and does not throw', async () => {
  const store = new ModuleStore(new FakeCacheStorage(), { log: quiet });
  const offline = async () => { throw new TypeError('Failed to fetch'); };
  assert.equal(await downloadModule({ store, moduleURL: MODULE_URL, version: 'v1', fetch: offline, log: quiet }), false);
});

test('a stored module that no longer compiles is forgotten, and the visit is in server mode', async () => {
  const caches = new FakeCacheStorage();
  const store = new ModuleStore(caches, { log: quiet });
  assert.equal(await store.put(MODULE_URL, 'v1', NOT_A_MODULE), true);
  const choice = await chooseMode({ store, moduleURL: MODULE_URL, version: 'v1' });
  assert.equal(choice.mode, 'server');
  assert.equal(choice.download, true);
  assert.match(choice.reason, /does not compile/);
  assert.deepEqual(caches.storedURLs(), []);
});

test('without the Cache API every visit is in server mode, and nothing is downloaded', async () => {
  for (const storage of [undefined, {}]) {
    const store = new ModuleStore(storage, { log: quiet });
    assert.equal(store.available, false);
    const choice = await chooseMode({ store, moduleURL: MODULE_URL, version: 'v1' });
    assert.deepEqual([choice.mode, choice.download], ['server', false]);
    assert.equal(await store.put(MODULE_URL, 'v1', EMPTY_MODULE), false);
  }
});

test('a page without a module version (the module is not built) is in server mode and downloads nothing', async () => {
  const store = new ModuleStore(new FakeCacheStorage(), { log: quiet });
  for (const version of [null, '']) {
    const choice = await chooseMode({ store, moduleURL: MODULE_URL, version });
    assert.deepEqual([choice.mode, choice.download], ['server', false]);
  }
});

test('storage that refuses (quota, a private mode) reads as "not stored" rather than throwing', async () => {
  const refusing = { open: async () => { throw new DOMException('quota exceeded', 'QuotaExceededError'); } };
  const store = new ModuleStore(refusing, { log: quiet });
  assert.equal(store.available, true);
  assert.equal(await store.find(MODULE_URL, 'v1'), null);
  assert.equal(await store.put(MODULE_URL, 'v1', EMPTY_MODULE), false);
  const choice = await chooseMode({ store, moduleURL: MODULE_URL, version: 'v1' });
  assert.equal(choice.mode, 'server');
});

test('a version that failed to start is marked: later visits are in server mode and do not download it again', async () => {
  const caches = new FakeCacheStorage();
  const store = new ModuleStore(caches, { log: quiet });
  await downloadModule({ store, moduleURL: MODULE_URL, version: 'v1', fetch: serving('v1', EMPTY_MODULE).fetchModule, log: quiet });
  assert.equal((await chooseMode({ store, moduleURL: MODULE_URL, version: 'v1' })).mode, 'webAssembly');

  assert.equal(await store.markFailed(MODULE_URL, 'v1', "the module does not export 'memory'"), true);
  const choice = await chooseMode({ store, moduleURL: MODULE_URL, version: 'v1' });
  assert.deepEqual([choice.mode, choice.download], ['server', false]);
  assert.match(choice.reason, /failed to start here: the module does not export 'memory'/);
  assert.deepEqual(caches.storedURLs(), [`${MODULE_URL}?v=v1`], 'the mark replaces the bytes');

  // The next build gets its chance: its download replaces the mark.
  assert.equal((await chooseMode({ store, moduleURL: MODULE_URL, version: 'v2' })).download, true);
  await downloadModule({ store, moduleURL: MODULE_URL, version: 'v2', fetch: serving('v2', EMPTY_MODULE).fetchModule, log: quiet });
  assert.deepEqual(caches.storedURLs(), [`${MODULE_URL}?v=v2`]);
  assert.equal((await chooseMode({ store, moduleURL: MODULE_URL, version: 'v2' })).mode, 'webAssembly');
});

test('the reason a version failed is kept as one line of header text, whatever it was', async () => {
  const store = new ModuleStore(new FakeCacheStorage(), { log: quiet });
  for (const reason of ['line one\nline two', 'non-ASCII: ünïcødé ✓', '', { toString() { return 'an object'; } }, 'x'.repeat(1000)]) {
    assert.equal(await store.markFailed(MODULE_URL, 'v1', reason), true);
    const found = await store.find(MODULE_URL, 'v1');
    assert.equal(typeof found.failed, 'string');
    assert.match(found.failed, /^[\x20-\x7e]{1,200}$/);
  }
});
