// Pausing a circuit: Tether.pause() asks the server to save it and close the socket with 4006,
// after which nothing retries and no overlay shows, and Tether.resume() brings it back. Also the
// beacon that ends a circuit with no open socket when the page goes away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionState as S } from '../../Sources/TetherServer/Resources/runtime/circuit.js';
import { FakeWebSocket, settle, elapse, waitFor, started, page, stubGlobals, fakeClock, CFG } from './support/circuit-page.mjs';

const PAUSED = 'The circuit is paused. Tether.resume() brings it back.';
const dispatched = (doc) => (doc.dispatched || []).map((e) => e.type);
const states = (doc) => dispatched(doc).filter((t) => t.startsWith('tether:reconnect-')).map((t) => t.replace('tether:reconnect-', ''));
const cfg = (extra = {}) => ['cfg', { ...CFG[1], secret: 's2', ...extra }];

/** A started page whose circuit the server has paused at the page's request. */
async function paused(t, startOptions = {}) {
  const p = await started(t, {}, startOptions);
  const pausing = p.Tether.pause();
  p.ws.serverClose(4006, 'paused');
  assert.equal(await pausing, true);
  return p;
}

// --- pause -----------------------------------------------------------------------------------

test('Tether.pause() says pause, and resolves true once the server closed with 4006', async (t) => {
  const { Tether, ws, doc } = await started(t, {}, { reconnectionOptions: { maxRetries: 3, retryIntervalMilliseconds: 0 } });
  const pausing = Tether.pause();
  assert.deepEqual(ws.frames(), [[['pause']]]);
  assert.equal(Tether.circuit.state, S.leaving, 'on its way out, so its close is no drop');
  let result = null;
  pausing.then((v) => { result = v; });
  await settle();
  assert.equal(result, null, 'not paused until the server closed the socket');
  ws.serverClose(4006, 'paused');
  assert.equal(await pausing, true);
  assert.equal(Tether.circuit.state, S.paused);
  assert.deepEqual(dispatched(doc), ['tether:paused']);
  assert.ok(!doc.documentElement.classList.contains('tether-disconnected'), 'a paused page does not look broken');
  await elapse(20);
  assert.equal(FakeWebSocket.instances.length, 1, 'a pause is not retried');
  assert.equal(doc.getElementById('tether-reconnect-modal'), null, 'and shows no overlay');
});

test('Tether.pause() resolves false when the circuit is not open, and sends nothing', async (t) => {
  const { Tether } = await page(t);
  assert.equal(await Tether.pause(), false, 'not started');
  Tether.start();
  await settle();
  const ws = FakeWebSocket.instances[0];
  ws.serverOpen();
  assert.equal(await Tether.pause(), false, 'still connecting');
  ws.serverSend([CFG]);
  Tether.disconnect();
  ws.serverClose(1000, 'closed by the page');
  assert.equal(await Tether.pause(), false, 'disconnected');
  assert.deepEqual(ws.messages(), []);
});

test('what was posted before the pause goes out ahead of it; a call awaiting its result fails as paused', async (t) => {
  const { Tether, ws } = await started(t);
  const call = Tether.invokeMethodAsync('Demo', 'Slow');
  const pausing = Tether.pause();
  assert.deepEqual(ws.frames(), [[['inv', 1, 'Demo', 'Slow', []]], [['pause']]]);
  ws.serverClose(4006);
  await assert.rejects(call, { message: PAUSED });
  assert.equal(await pausing, true);
});

test('calls made while paused fail at once, saying how to come back', async (t) => {
  const { Tether } = await paused(t);
  await assert.rejects(Tether.invokeMethodAsync('Demo', 'Add', 1, 2), { message: PAUSED });
});

test('a 4006 the page did not ask for pauses the circuit too', async (t) => {
  const { Tether, ws, doc } = await started(t, {}, { reconnectionOptions: { maxRetries: 3, retryIntervalMilliseconds: 0 } });
  ws.serverClose(4006, 'paused by the server');
  assert.equal(Tether.circuit.state, S.paused);
  assert.deepEqual(dispatched(doc), ['tether:paused']);
  await elapse(20);
  assert.equal(FakeWebSocket.instances.length, 1);
});

test('a server that never closes: the page closes the socket itself after 10 s, and the circuit can still be resumed', async (t) => {
  const { Tether, ws, doc } = await started(t);
  const clock = fakeClock(t);
  const pausing = Tether.pause();
  assert.deepEqual(clock.pending.map((p) => p.ms), [10_000]);
  clock.advance(10_000);
  assert.deepEqual(ws.closeCalls, [[1000, 'the pause timed out']]);
  ws.serverClose(1000, 'the pause timed out');
  assert.equal(await pausing, false);
  assert.equal(Tether.circuit.state, S.disconnected);
  assert.deepEqual(states(doc), [], 'a close the page made is no drop');
  const back = Tether.resume();
  const next = FakeWebSocket.instances[1];
  next.serverOpen();
  next.serverSend([cfg()]);
  assert.equal(await back, true);
});

// --- resume ----------------------------------------------------------------------------------

test('Tether.resume() reopens a paused circuit, says it is resuming meanwhile, and resolves true', async (t) => {
  const { Tether, doc } = await paused(t);
  const back = Tether.resume();
  assert.equal(Tether.circuit.state, S.connecting);
  const next = FakeWebSocket.instances[1];
  assert.deepEqual(states(doc), [], 'nothing shows before the socket opens');
  next.serverOpen();
  assert.deepEqual(next.frames(), [[['resume', 'c1', 's1', -1]]]);
  assert.deepEqual(states(doc), ['resuming']);
  const modal = doc.getElementById('tether-reconnect-modal');
  const { message, retry, reload } = modal._tetherParts;
  assert.ok(modal.classList.contains('tether-reconnect-resuming'));
  assert.equal(message.textContent, 'Resuming your session…');
  assert.equal(retry.style.display, 'none');
  assert.equal(reload.style.display, 'none');
  next.serverSend([cfg({ restored: true })]);
  assert.equal(await back, true);
  assert.equal(Tether.circuit.state, S.open);
  assert.deepEqual(dispatched(doc), ['tether:paused', 'tether:reconnect-resuming', 'tether:reconnect-hide', 'tether:resumed']);
  assert.equal(modal.style.display, 'none');
});

test('a click made while paused is kept and delivered after the resume', async (t) => {
  const { Tether } = await paused(t);
  Tether.circuit.post(['ev', 'h1', { type: 'click' }]);
  const back = Tether.resume();
  const next = FakeWebSocket.instances[1];
  next.serverOpen();
  next.serverSend([cfg()]);
  assert.equal(await back, true);
  assert.deepEqual(next.messages().filter((m) => m[0] === 'ev'), [['ev', 'h1', { type: 'click' }]]);
});

test('Tether.resume() on an open circuit is true and opens nothing; on a refused one it shows rejected', async (t) => {
  const { Tether, ws, doc } = await started(t);
  assert.equal(await Tether.resume(), true);
  assert.equal(FakeWebSocket.instances.length, 1);
  const pausing = Tether.pause();
  ws.serverClose(4006);
  await pausing;
  t.mock.method(console, 'warn', () => {});
  const back = Tether.resume();
  FakeWebSocket.instances[1].serverOpen();
  FakeWebSocket.instances[1].serverSend([['rejected', 'the saved circuit expired']]);
  assert.equal(await back, false);
  assert.deepEqual(states(doc), ['resuming', 'rejected']);
  assert.ok(!dispatched(doc).includes('tether:resumed'));
});

test('Tether.resume() right after Tether.pause() waits for the pause to finish', async (t) => {
  const { Tether, ws } = await started(t);
  Tether.pause();
  const back = Tether.resume();
  await settle();
  assert.equal(FakeWebSocket.instances.length, 1, 'no socket while the pause is under way');
  ws.serverClose(4006);
  await waitFor(() => FakeWebSocket.instances.length === 2, 'the resume socket');
  FakeWebSocket.instances[1].serverOpen();
  FakeWebSocket.instances[1].serverSend([cfg()]);
  assert.equal(await back, true);
});

test('a resume that cannot reach the server goes on with the retry policy, and resolves when it is back', async (t) => {
  const { Tether, doc } = await paused(t, { reconnectionOptions: { maxRetries: 3, retryIntervalMilliseconds: 0 } });
  const back = Tether.resume();
  FakeWebSocket.instances[1].serverClose(1006);
  await waitFor(() => FakeWebSocket.instances.length === 3, 'the policy\'s first attempt');
  FakeWebSocket.instances[2].serverOpen();
  FakeWebSocket.instances[2].serverSend([cfg()]);
  assert.equal(await back, true);
  assert.deepEqual(states(doc), ['show', 'retrying', 'resuming', 'hide']);
  assert.equal(dispatched(doc).at(-1), 'tether:resumed');
});

test('Tether.resume() while the retry loop runs leaves it to the loop', async (t) => {
  const { Tether, ws } = await started(t);
  const clock = fakeClock(t);
  ws.serverClose(1006);
  assert.equal(await Tether.resume(), false);
  assert.equal(FakeWebSocket.instances.length, 1);
  assert.equal(clock.pending.length, 1, 'the loop still waits');
});

// --- the beacon on pagehide ------------------------------------------------------------------

test('pagehide on a paused circuit ends it by beacon, a text body with its id and secret', async (t) => {
  const { Tether, win } = await paused(t);
  win.fire('pagehide');
  assert.deepEqual(win.beacons, [['http://example.test/_tether/circuit/end', '{"id":"c1","secret":"s1"}']]);
  assert.equal(typeof win.beacons[0][1], 'string', 'a string, so text/plain and no preflight');
  assert.equal(Tether.circuit.state, S.ended);
});

test('pagehide on an open circuit says end on its socket and sends no beacon', async (t) => {
  const { Tether, ws, win } = await started(t);
  win.fire('pagehide');
  assert.deepEqual(ws.frames(), [[['end']]]);
  assert.deepEqual(win.beacons, []);
  assert.equal(Tether.circuit.state, S.leaving);
});

test('pagehide on a disconnected circuit sends the beacon to the circuitPath', async (t) => {
  const { Tether, ws, win } = await started(t, {}, { circuitPath: '/custom/socket' });
  Tether.disconnect();
  ws.serverClose(1000, 'closed by the page');
  win.fire('pagehide');
  assert.deepEqual(win.beacons, [['http://example.test/custom/socket/end', '{"id":"c1","secret":"s1"}']]);
});

test('pagehide before the circuit has an id sends no beacon', async (t) => {
  const { Tether, win } = await page(t);
  Tether.start();
  await settle();
  FakeWebSocket.instances[0].serverClose(4004, 'the descriptor was already used');
  t.mock.method(console, 'warn', () => {});
  win.fire('pagehide');
  assert.deepEqual(win.beacons, []);
});

test('without navigator.sendBeacon, pagehide on a paused circuit does nothing and throws nothing', async (t) => {
  const { Tether, win } = await paused(t);
  stubGlobals(t, { navigator: {} });
  win.fire('pagehide');
  assert.equal(Tether.circuit.state, S.paused);
});
