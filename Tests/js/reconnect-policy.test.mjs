// The retry policy the README promises when the page passes no reconnectionOptions: 8 attempts,
// 0.5 s doubling to at most 5 s between them, then the failed state. Driven on a fake clock, so
// each wait is read exactly and no test waits for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeWebSocket, settle, started, fakeClock } from './support/circuit-page.mjs';

const states = (doc) => (doc.dispatched || []).map((e) => e.type.replace('tether:reconnect-', ''));

test('with no options the runtime makes 8 attempts, 500 ms doubling to 5 s apart, then fails', async (t) => {
  const { ws, doc } = await started(t);
  const clock = fakeClock(t);
  t.mock.method(console, 'warn', () => {});
  ws.serverClose(1006);
  await settle();
  const delays = [];
  for (let attempt = 1; attempt <= 8; attempt++) {
    const [wait, ...others] = clock.pending;
    assert.ok(wait, `attempt ${attempt} has a timer`);
    assert.deepEqual(others, [], 'one timer at a time');
    delays.push(wait.ms);
    clock.advance(wait.ms - 1);
    await settle();
    assert.equal(FakeWebSocket.instances.length, attempt, `attempt ${attempt} waits its full delay`);
    clock.advance(1);
    await settle();
    assert.equal(FakeWebSocket.instances.length, attempt + 1, `attempt ${attempt} opens a socket`);
    const socket = FakeWebSocket.instances[attempt];
    socket.serverOpen();
    assert.deepEqual(socket.frames(), [[['resume', 'c1', 's1', -1]]]);
    socket.serverClose(1006);
    await settle();
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
  assert.deepEqual(clock.pending, [], 'no ninth attempt is scheduled');
  clock.advance(60_000);
  await settle();
  assert.equal(FakeWebSocket.instances.length, 9, 'the first socket and 8 attempts');
  // Each attempt's socket opened, so each said it was resuming before it dropped.
  assert.deepEqual(states(doc), ['show', ...Array(8).fill(['retrying', 'resuming']).flat(), 'failed']);
  const retrying = doc.dispatched.filter((e) => e.type === 'tether:reconnect-retrying').map((e) => e.detail);
  assert.deepEqual(retrying.map((d) => [d.attempt, d.maxRetries]), [1, 2, 3, 4, 5, 6, 7, 8].map((a) => [a, 8]));
  assert.deepEqual(doc.dispatched.at(-1).detail, { attempt: 8, maxRetries: 8 });
  assert.ok(doc.documentElement.classList.contains('tether-disconnected'));
});
