// The runtime must load in a DOM-less JS runtime (node, SSR tooling, these tests) without
// touching window/document, and without starting anything. Its modules import one another by
// relative URL, as the browser loads them from /_tether/, so the folder must be closed under
// its own imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import Tether from '../../Sources/TetherServer/Resources/runtime/tether.js';
import { RUNTIME_DIR, TETHER_URL } from './support/paths.mjs';

const MODULES = readdirSync(new URL(RUNTIME_DIR)).filter((name) => name.endsWith('.js')).sort();

test('this process really has no DOM', () => {
  assert.equal(typeof window, 'undefined');
  assert.equal(typeof document, 'undefined');
});

test('the runtime is the modules the server serves', () => {
  assert.deepEqual(MODULES, [
    'auto.js', 'bytes.js', 'circuit.js', 'client-effects.js', 'commands.js', 'dom-edits.js', 'error-bar.js', 'events.js', 'head.js',
    'initializers.js', 'interop.js', 'latency.js', 'lifecycle.js', 'log.js', 'navigation.js', 'paths.js', 'protocol.js',
    'reconnect.js', 'states.js', 'streams.js', 'tether.js', 'wasm.js',
  ]);
});

test('every module imports only modules of the runtime folder, by relative URL', () => {
  for (const name of MODULES) {
    const source = readFileSync(new URL(name, RUNTIME_DIR), 'utf8');
    for (const [, specifier] of source.matchAll(/^import\b[^'"]*['"]([^'"]+)['"]/gm)) {
      assert.match(specifier, /^\.\/[a-z-]+\.js$/, `${name} imports ${specifier}`);
      assert.ok(MODULES.includes(specifier.slice(2)), `${name} imports ${specifier}, which is not in the folder`);
    }
  }
});

test('no module evaluates a string as code, so the runtime runs under script-src \'self\'', () => {
  for (const name of MODULES) {
    const code = readFileSync(new URL(name, RUNTIME_DIR), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:])\/\/.*$/gm, '$1');
    assert.doesNotMatch(code, /\beval\b|\bFunction\s*\(|set(Timeout|Interval)\(\s*['"`]/, name);
  }
});

test('every module loads without a DOM', async () => {
  for (const name of MODULES) {
    const mod = await import(new URL(name, RUNTIME_DIR).href);
    assert.ok(Object.keys(mod).length > 0, `${name} exports something`);
  }
});

test('the entry exports only the runtime, not installed globally and not started', async () => {
  const entry = await import(TETHER_URL);
  assert.deepEqual(Object.keys(entry), ['default']);
  assert.equal(entry.default, Tether);
  assert.equal(typeof Tether.start, 'function');
  assert.equal(typeof Tether.invokeMethodAsync, 'function');
  assert.equal(typeof Tether.disconnect, 'function');
  assert.ok(Tether.ready instanceof Promise);
  assert.equal(Tether.circuit, null);
  assert.equal(globalThis.Tether, undefined);
});

test('the runtime has the public members the README lists', () => {
  for (const name of ['start', 'invokeMethodAsync', 'reconnect', 'disconnect', 'navigateTo',
    'createJSStreamReference', 'createJSObjectReference', 'disposeJSObjectReference']) {
    assert.equal(typeof Tether[name], 'function', name);
  }
  assert.equal(typeof Tether.files.open, 'function');
  assert.equal(typeof Tether.files.list, 'function');
  assert.ok(Tether.jsObjects instanceof Map);
});

test('invokeMethodAsync rejects before start', async () => {
  const p = Tether.invokeMethodAsync('Demo', 'Add', 2, 3);
  assert.ok(p instanceof Promise);
  await assert.rejects(p, (err) => {
    assert.ok(err instanceof Error);
    assert.equal(err.message, 'Tether has not started.');
    return true;
  });
});

test('ready stays pending before start', async () => {
  const pending = Symbol('pending');
  const winner = await Promise.race([Tether.ready, new Promise((r) => setImmediate(() => r(pending)))]);
  assert.equal(winner, pending);
});

test('disconnect before start is a no-op', () => {
  assert.doesNotThrow(() => Tether.disconnect());
});

test('importing in a fresh node process prints nothing and sets no globals', () => {
  const script = `
    const before = new Set(Object.getOwnPropertyNames(globalThis));
    const m = await import(${JSON.stringify(TETHER_URL)});
    const added = Object.getOwnPropertyNames(globalThis).filter((k) => !before.has(k));
    console.log(JSON.stringify({ keys: Object.keys(m).sort(), added, hasWindow: typeof window !== 'undefined' }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.keys, ['default']);
  assert.deepEqual(out.added, []);
  assert.equal(out.hasWindow, false);
});
