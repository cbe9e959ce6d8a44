// tether.js must load in a DOM-less JS runtime (node, SSR tooling, these tests) without touching
// window/document, and without starting anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import Tether, * as tether from '../../Sources/TetherServer/Resources/tether.js';
import { TETHER_URL } from './support/paths.mjs';

test('this process really has no DOM', () => {
  assert.equal(typeof window, 'undefined');
  assert.equal(typeof document, 'undefined');
});

test('the named exports are functions', () => {
  for (const name of ['resolveFunction', 'logicalChildren', 'applyEdits', 'eventArgs', 'parseBinding']) {
    assert.equal(typeof tether[name], 'function', name);
  }
  assert.ok('default' in tether);
});

test('the default export is the runtime, not installed globally and not started', () => {
  assert.equal(tether.default, Tether);
  assert.equal(typeof Tether.start, 'function');
  assert.equal(typeof Tether.invokeMethodAsync, 'function');
  assert.equal(typeof Tether.disconnect, 'function');
  assert.ok(Tether.ready instanceof Promise);
  assert.equal(Tether.circuit, null);
  assert.equal(globalThis.Tether, undefined);
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
  for (const name of ['applyEdits', 'default', 'eventArgs', 'logicalChildren', 'parseBinding', 'resolveFunction']) {
    assert.ok(out.keys.includes(name), name);
  }
  assert.deepEqual(out.added, []);
  assert.equal(out.hasWindow, false);
});
