// The retry policy the README promises when the page passes no reconnectionOptions: 30 attempts,
// 0.5 s doubling to at most 2 s between them, then the failed state. Driven on a fake clock, so
// each wait is read exactly and no test waits for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeWebSocket, settle, started, fakeClock } from './support/circuit-page.mjs';

const states = (doc) => (doc.dispatched || []).map((e) => e.type.replace('tether:reconnect-', ''));

test('with no options the runtime makes 30 attempts, 500 ms doubling to 2 s apart, then fails', async (t) => {
  const { ws, doc } = await started(t);
  const clock = fakeClock(t);
  t.mock.method(console, 'warn', () => {});
  ws.serverClose(1006);
  await settle();
  const delays = [];
  for (let attempt = 1; attempt <= 30; attempt++) {
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
  assert.deepEqual(delays, [500, 1000, ...Array(28).fill(2000)]);
  assert.deepEqual(clock.pending, [], 'no 31st attempt is scheduled');
  clock.advance(60_000);
  await settle();
  assert.equal(FakeWebSocket.instances.length, 31, 'the first socket and 30 attempts');
  // Each attempt's socket opened, so each said it was resuming before it dropped.
  assert.deepEqual(states(doc), ['show', ...Array(30).fill(['retrying', 'resuming']).flat(), 'failed']);
  const retrying = doc.dispatched.filter((e) => e.type === 'tether:reconnect-retrying').map((e) => e.detail);
  assert.deepEqual(retrying.map((d) => [d.attempt, d.maxRetries]), Array.from({ length: 30 }, (_, i) => [i + 1, 30]));
  assert.deepEqual(doc.dispatched.at(-1).detail, { attempt: 30, maxRetries: 30 });
  assert.ok(doc.documentElement.classList.contains('tether-disconnected'));
});
