// References that round-trip, as Blazor's do: a Swift object proxy JS passes back travels as its
// handle; JS makes references to its own objects for Swift; reading a missing property fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settle, started, stubGlobals } from './support/circuit-page.mjs';

test('a Swift object proxy passed back to Swift, whole or nested, travels as its handle', async (t) => {
  const { ws, Tether } = await started(t);
  let proxy;
  stubGlobals(t, { testLib: { keep(p) { proxy = p; return { again: p, list: [p] }; } } });
  ws.serverSend([['c', 1, 'testLib.keep', [{ __tetherObject: 4 }], 0]]);
  await settle();
  assert.deepEqual(ws.messages(), [['done', 1, true, { again: { __tetherObject: 4 }, list: [{ __tetherObject: 4 }] }]]);
  Tether.invokeMethodAsync('Demo', 'Take', proxy, { nested: proxy });
  await settle();
  const inv = ws.messages().find((m) => m[0] === 'inv');
  assert.deepEqual(inv.slice(2), ['Demo', 'Take', [{ __tetherObject: 4 }, { nested: { __tetherObject: 4 } }]]);
});

test('createJSObjectReference gives Swift a handle to a JS object; dispose forgets it', async (t) => {
  const { ws, Tether } = await started(t);
  const chart = { title: 'Sales', rename(name) { this.title = name; return this.title; } };
  const reference = Tether.createJSObjectReference(chart);
  assert.equal(typeof reference.__tetherJSObject, 'number');
  Tether.invokeMethodAsync('Charts', 'Use', { chart: reference });
  await settle();
  const inv = ws.messages().find((m) => m[0] === 'inv');
  assert.deepEqual(inv[4], [{ chart: reference }]);
  // Swift calls a method on the handle; the call runs on the object itself.
  ws.serverSend([['c', 7, 'rename', ['Costs'], 0, reference.__tetherJSObject, 0]]);
  await settle();
  assert.deepEqual(ws.messages().find((m) => m[0] === 'done' && m[1] === 7), ['done', 7, true, 'Costs']);
  assert.equal(chart.title, 'Costs');
  Tether.disposeJSObjectReference(reference);
  ws.serverSend([['c', 8, 'rename', ['x'], 0, reference.__tetherJSObject, 0]]);
  await settle();
  const refused = ws.messages().find((m) => m[0] === 'done' && m[1] === 8);
  assert.equal(refused[2], false);
  assert.match(refused[3].message, /no JS object with id/);
  assert.throws(() => Tether.createJSObjectReference(3), /Only objects and functions/);
});

test('reading a property that is missing or has no getter fails, as Blazor does', async (t) => {
  const { ws } = await started(t);
  stubGlobals(t, { testLib: { present: 0, set writeOnly(v) {} } });
  ws.serverSend([['c', 1, 'testLib.present', [], 0, 0, 1], ['c', 2, 'testLib.absent', [], 0, 0, 1], ['c', 3, 'testLib.writeOnly', [], 0, 0, 1]]);
  await settle();
  const done = new Map(ws.messages().map((m) => [m[1], m]));
  assert.deepEqual(done.get(1), ['done', 1, true, 0]);
  assert.equal(done.get(2)[2], false);
  assert.equal(done.get(2)[3].message, "The property 'testLib.absent' is not defined or cannot be read.");
  assert.equal(done.get(3)[2], false);
});
