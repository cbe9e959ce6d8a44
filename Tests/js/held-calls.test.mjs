// JS→Swift calls in flight when the socket drops wait for the resume that follows, whose cfg
// says whether the circuit was rebuilt on a new server (restored) or found where it was; either
// way a call sent on the lost socket fails then, with a message that says which. A call still in
// the outbox goes out on the resumed socket instead. Whatever ends the retrying, no call is left
// hanging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeWebSocket, settle, waitFor, started, fakeClock, CFG } from './support/circuit-page.mjs';

const LOST = 'The circuit was resumed on a new server; the result of this call was lost. Call it again.';
const DISCONNECTED = 'The circuit is disconnected.';
const FAST = { reconnectionOptions: { maxRetries: 3, retryIntervalMilliseconds: 0 } };
const cfg = (extra = {}) => ['cfg', { ...CFG[1], secret: 's2', ...extra }];

/** Records how `promise` settles, so a test can check it has not yet. */
function track(promise) {
  const state = { settled: false, value: undefined, error: undefined };
  promise.then((v) => { state.settled = true; state.value = v; }, (e) => { state.settled = true; state.error = e; });
  return state;
}

/** A started page with one call sent and awaiting its result. */
async function withCallInFlight(t, startOptions = FAST) {
  const p = await started(t, {}, startOptions);
  const call = p.Tether.invokeMethodAsync('Demo', 'Slow');
  await settle();
  assert.deepEqual(p.ws.messages(), [['inv', 1, 'Demo', 'Slow', []]]);
  return { ...p, call, outcome: track(call) };
}

async function nextSocket(n) {
  await waitFor(() => FakeWebSocket.instances.length === n, `socket ${n}`);
  return FakeWebSocket.instances[n - 1];
}

test('a call in flight across a drop waits, and fails as lost when the circuit was restored on a new server', async (t) => {
  const { ws, call, outcome } = await withCallInFlight(t);
  ws.serverClose(1006);
  const next = await nextSocket(2);
  next.serverOpen();
  await settle();
  assert.equal(outcome.settled, false, 'held until the resume says what became of it');
  next.serverSend([cfg({ restored: true })]);
  await assert.rejects(call, { message: LOST });
});

test('resumed on the same server, a held call fails as disconnected', async (t) => {
  for (const extra of [{ restored: false }, {}]) {
    const { ws, call } = await withCallInFlight(t);
    ws.serverClose(1006);
    const next = await nextSocket(2);
    next.serverOpen();
    next.serverSend([cfg(extra)]);
    await assert.rejects(call, { message: DISCONNECTED }, JSON.stringify(extra));
  }
});

test('a call made while disconnected fails at once', async (t) => {
  const { Tether, ws } = await started(t, {}, FAST);
  // On a clock that never moves, the loop stays in its wait and outlives no test.
  fakeClock(t);
  ws.serverClose(1006);
  await assert.rejects(Tether.invokeMethodAsync('Demo', 'Later'), { message: DISCONNECTED });
});

test('a call made during a resume attempt, still in the outbox when it drops, goes out on the next socket and is answered', async (t) => {
  const { Tether, ws } = await started(t, {}, FAST);
  ws.serverClose(1006);
  const second = await nextSocket(2);
  const call = Tether.invokeMethodAsync('Demo', 'Add', 2, 3);
  await settle();
  second.serverOpen();
  second.serverClose(1006);
  const third = await nextSocket(3);
  third.serverOpen();
  third.serverSend([cfg({ restored: true })]);
  assert.deepEqual(third.messages().filter((m) => m[0] === 'inv'), [['inv', 1, 'Demo', 'Add', [2, 3]]]);
  third.serverSend([['res', 1, true, 5]]);
  assert.equal(await call, 5);
});

test('a held call fails as disconnected when the server refuses the resume', async (t) => {
  const { ws, doc, call } = await withCallInFlight(t);
  t.mock.method(console, 'warn', () => {});
  ws.serverClose(1006);
  const next = await nextSocket(2);
  next.serverOpen();
  next.serverSend([['rejected', 'the circuit expired']]);
  await assert.rejects(call, { message: DISCONNECTED });
  assert.equal(doc.dispatched.at(-1).type, 'tether:reconnect-rejected');
  assert.deepEqual(doc.dispatched.at(-1).detail, { attempt: 1, maxRetries: 3 }, 'the attempt that was refused');
});

test('a held call fails as disconnected when the policy gives up', async (t) => {
  const { ws, call, outcome } = await withCallInFlight(t, { reconnectionOptions: { maxRetries: 2, retryIntervalMilliseconds: 0 } });
  ws.serverClose(1006);
  (await nextSocket(2)).serverClose(1006);
  await settle();
  assert.equal(outcome.settled, false, 'one attempt is left');
  (await nextSocket(3)).serverClose(1006);
  await assert.rejects(call, { message: DISCONNECTED });
});

test('a held call fails as disconnected when a final close ends the circuit', async (t) => {
  const { ws, call } = await withCallInFlight(t);
  t.mock.method(console, 'warn', () => {});
  ws.serverClose(1006);
  const next = await nextSocket(2);
  next.serverOpen();
  next.serverClose(4002, 'another socket resumed this circuit');
  await assert.rejects(call, { message: DISCONNECTED });
});

test('Tether.disconnect() fails calls in flight at once, as before', async (t) => {
  const { Tether, ws, call } = await withCallInFlight(t);
  Tether.disconnect();
  ws.serverClose(1000, 'closed by the page');
  await assert.rejects(call, { message: DISCONNECTED });
});

test('Tether.disconnect() while the loop waits fails the held calls at once', async (t) => {
  const { Tether, ws, call } = await withCallInFlight(t);
  const clock = fakeClock(t);
  ws.serverClose(1006);
  assert.equal(clock.pending.length, 1, 'the loop waits');
  Tether.disconnect();
  await assert.rejects(call, { message: DISCONNECTED });
});

test('a call the page was told failed never runs: it leaves the outbox with it', async (t) => {
  const { Tether, ws } = await started(t, {}, { reconnectionOptions: { maxRetries: 1, retryIntervalMilliseconds: 0 } });
  ws.serverClose(1006);
  const second = await nextSocket(2);
  const call = Tether.invokeMethodAsync('Demo', 'Charge', 100);
  await settle();
  second.serverClose(1006);
  await assert.rejects(call, { message: DISCONNECTED });
  const back = Tether.reconnect();
  const third = await nextSocket(3);
  third.serverOpen();
  third.serverSend([cfg()]);
  assert.equal(await back, true);
  await settle();
  assert.deepEqual(third.messages().filter((m) => m[0] === 'inv'), []);
});

test('a custom reconnectionHandler decides retries itself, so calls fail at the drop, as before', async (t) => {
  const { ws, call } = await withCallInFlight(t, { reconnectionHandler: { onConnectionDown() {} } });
  ws.serverClose(1006);
  await assert.rejects(call, { message: DISCONNECTED });
});
