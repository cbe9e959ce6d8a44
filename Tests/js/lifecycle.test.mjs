// The page's lifecycle: a page left hidden pauses its circuit unless something is under way, and
// resumes it when shown; a page shown again or back online retries a dropped circuit at once.
// Driven on a fake clock, so each delay is read exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionState as S } from '../../Sources/TetherServer/Resources/runtime/circuit.js';
import { FakeWebSocket, settle, started, stubGlobals, fakeClock, CFG } from './support/circuit-page.mjs';

const dispatched = (doc) => (doc.dispatched || []).map((e) => e.type);
const cfg = (extra = {}) => ['cfg', { ...CFG[1], secret: 's2', ...extra }];
const pauses = (ws) => ws.messages().filter((m) => m[0] === 'pause').length;

/** A started page on a fake clock, with a short auto-pause delay set after start. */
async function hiddenSoon(t, hiddenDelay = 300, startOptions = {}) {
  const p = await started(t, {}, startOptions);
  const clock = fakeClock(t);
  p.Tether.options.autoPause = { hiddenDelay };
  return { ...p, clock };
}

// --- auto-pause ------------------------------------------------------------------------------

test('a page hidden for the delay pauses its circuit, and resumes it when shown again', async (t) => {
  const { Tether, ws, doc, clock } = await hiddenSoon(t);
  doc.setVisibility('hidden');
  clock.advance(299);
  await settle();
  assert.equal(pauses(ws), 0, 'not before the delay');
  clock.advance(1);
  await settle();
  assert.deepEqual(ws.frames(), [[['pause']]]);
  ws.serverClose(4006, 'paused');
  await settle();
  assert.equal(Tether.circuit.state, S.paused);
  doc.setVisibility('visible');
  await settle();
  assert.equal(FakeWebSocket.instances.length, 2);
  const next = FakeWebSocket.instances[1];
  next.serverOpen();
  assert.deepEqual(next.frames(), [[['resume', 'c1', 's1', -1]]]);
  next.serverSend([cfg({ restored: true })]);
  await settle();
  assert.equal(Tether.circuit.state, S.open);
  assert.deepEqual(dispatched(doc), ['tether:paused', 'tether:reconnect-resuming', 'tether:reconnect-hide', 'tether:resumed']);
});

test('by default the delay is two minutes', async (t) => {
  const { ws, doc } = await started(t);
  const clock = fakeClock(t);
  doc.setVisibility('hidden');
  assert.deepEqual(clock.pending.map((p) => p.ms), [120_000]);
  clock.advance(119_999);
  await settle();
  assert.equal(pauses(ws), 0);
  clock.advance(1);
  await settle();
  assert.equal(pauses(ws), 1);
});

test('autoPause: false never pauses', async (t) => {
  const { Tether, ws, doc, clock } = await hiddenSoon(t);
  Tether.options.autoPause = false;
  doc.setVisibility('hidden');
  assert.deepEqual(clock.pending, []);
  clock.advance(600_000);
  await settle();
  assert.equal(pauses(ws), 0);
});

test('shown again before the delay, the page does not pause', async (t) => {
  const { ws, doc, clock } = await hiddenSoon(t);
  doc.setVisibility('hidden');
  clock.advance(200);
  doc.setVisibility('visible');
  assert.deepEqual(clock.pending, []);
  clock.advance(1000);
  await settle();
  assert.equal(pauses(ws), 0);
  assert.equal(FakeWebSocket.instances.length, 1);
});

test('a page the app paused is not resumed when shown', async (t) => {
  const { Tether, ws, doc } = await hiddenSoon(t);
  const pausing = Tether.pause();
  ws.serverClose(4006);
  await pausing;
  doc.setVisibility('hidden');
  doc.setVisibility('visible');
  await settle();
  assert.equal(FakeWebSocket.instances.length, 1);
  assert.equal(Tether.circuit.state, S.paused);
});

test('a call awaiting its result keeps the page from pausing; it pauses at the next check once idle', async (t) => {
  const { Tether, ws, doc, clock } = await hiddenSoon(t);
  const call = Tether.invokeMethodAsync('Demo', 'Slow');
  await settle();
  ws.sent.length = 0;
  doc.setVisibility('hidden');
  clock.advance(300);
  await settle();
  assert.equal(pauses(ws), 0, 'busy');
  assert.deepEqual(clock.pending.map((p) => p.ms), [300], 'checks again after min(delay, 5 s)');
  ws.serverSend([['res', 1, true, 'done']]);
  assert.equal(await call, 'done');
  clock.advance(300);
  await settle();
  assert.equal(pauses(ws), 1);
});

test('a busy page with a long delay checks again every 5 s', async (t) => {
  const { Tether, doc, clock } = await hiddenSoon(t, 60_000);
  Tether.invokeMethodAsync('Demo', 'Slow');
  await settle();
  doc.setVisibility('hidden');
  clock.advance(60_000);
  await settle();
  assert.deepEqual(clock.pending.map((p) => p.ms), [5000]);
});

test('a Swift→JS call being answered keeps the page from pausing', async (t) => {
  const { ws, doc, clock } = await hiddenSoon(t);
  let finish;
  stubGlobals(t, { testLib: { wait: () => new Promise((r) => { finish = r; }) } });
  ws.serverSend([['c', 1, 'testLib.wait', [], 0]]);
  await settle();
  doc.setVisibility('hidden');
  clock.advance(300);
  await settle();
  assert.equal(pauses(ws), 0, 'busy answering');
  finish(7);
  await settle();
  assert.deepEqual(ws.messages(), [['done', 1, true, 7]]);
  clock.advance(300);
  await settle();
  assert.equal(pauses(ws), 1);
});

test('a JS stream Swift is part way through reading keeps the page from pausing', async (t) => {
  const { Tether, ws, doc, clock } = await hiddenSoon(t);
  const ref = Tether.createJSStreamReference(new Uint8Array([1, 2, 3]));
  const id = ref.__tetherJSStream;
  const read = (callId) => ws.serverSend([['c', callId, 'read', [2], 0, id, 0]]);
  read(1);
  await settle();
  assert.equal(Tether.circuit.busy, true, 'between chunks');
  doc.setVisibility('hidden');
  clock.advance(300);
  await settle();
  assert.equal(pauses(ws), 0);
  read(2);
  await settle();
  read(3);
  await settle();
  assert.deepEqual(ws.messages().at(-1), ['done', 3, true, null], 'the end of the stream');
  assert.equal(Tether.circuit.busy, false);
  clock.advance(300);
  await settle();
  assert.equal(pauses(ws), 1);
});

test('a Swift stream the page is reading keeps it busy until the stream ends', async (t) => {
  const { Tether, ws } = await hiddenSoon(t);
  const made = Tether.invokeMethodAsync('Demo', 'Download');
  await settle();
  ws.serverSend([['res', 1, true, { __tetherStream: 5, length: 0 }]]);
  const reader = (await made).stream().getReader();
  await settle();
  assert.equal(Tether.circuit.busy, true);
  ws.serverSend([['res', 2, true, null]]);
  assert.deepEqual(await reader.read(), { value: undefined, done: true });
  await settle();
  assert.equal(Tether.circuit.busy, false);
  assert.deepEqual(ws.messages().filter((m) => m[0] === 'rel'), [['rel', 5]]);
});

// --- back to the page, back online -----------------------------------------------------------

test('back online, a dropped circuit skips the rest of the policy\'s wait', async (t) => {
  const { ws, win } = await started(t);
  const clock = fakeClock(t);
  ws.serverClose(1006);
  await settle();
  assert.deepEqual(clock.pending.map((p) => p.ms), [500]);
  win.fire('online');
  await settle();
  assert.equal(FakeWebSocket.instances.length, 2, 'the first attempt at once');
  assert.deepEqual(clock.pending, [], 'its wait is over');
});

test('shown again, a dropped circuit skips the wait too', async (t) => {
  const { Tether, ws, doc } = await started(t);
  const clock = fakeClock(t);
  doc.visibilityState = 'hidden';
  ws.serverClose(1006);
  await settle();
  clock.advance(500);
  await settle();
  FakeWebSocket.instances[1].serverClose(1006);
  await settle();
  assert.deepEqual(clock.pending.map((p) => p.ms), [1000]);
  doc.setVisibility('visible');
  await settle();
  assert.equal(FakeWebSocket.instances.length, 3);
  FakeWebSocket.instances[2].serverOpen();
  FakeWebSocket.instances[2].serverSend([cfg()]);
  await settle();
  assert.equal(Tether.circuit.state, S.open);
});

test('after the policy gave up, going online tries again at once', async (t) => {
  const { Tether, ws, doc, win } = await started(t, {}, { reconnectionOptions: { maxRetries: 1, retryIntervalMilliseconds: 100 } });
  const clock = fakeClock(t);
  ws.serverClose(1006);
  await settle();
  clock.advance(100);
  await settle();
  FakeWebSocket.instances[1].serverClose(1006);
  await settle();
  assert.equal(dispatched(doc).at(-1), 'tether:reconnect-failed');
  win.fire('online');
  await settle();
  assert.equal(FakeWebSocket.instances.length, 3);
  FakeWebSocket.instances[2].serverOpen();
  FakeWebSocket.instances[2].serverSend([cfg()]);
  await settle();
  assert.equal(Tether.circuit.state, S.open);
  assert.equal(dispatched(doc).at(-1), 'tether:reconnect-hide');
});

test('a circuit the page disconnected stays disconnected when the page is shown or back online', async (t) => {
  const { Tether, ws, doc, win } = await started(t);
  Tether.disconnect();
  ws.serverClose(1000, 'closed by the page');
  win.fire('online');
  doc.setVisibility('hidden');
  doc.setVisibility('visible');
  await settle();
  assert.equal(FakeWebSocket.instances.length, 1);
});

test('with a reconnectionHandler, retrying stays the app\'s business', async (t) => {
  const down = [];
  const { ws, win } = await started(t, {}, { reconnectionHandler: { onConnectionDown: (o, e) => down.push(e.code) } });
  ws.serverClose(1006);
  win.fire('online');
  await settle();
  assert.equal(FakeWebSocket.instances.length, 1);
  assert.deepEqual(down, [1006]);
});
