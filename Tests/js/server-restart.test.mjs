// The `resuming` overlay: shown while a resume's socket is open and its handshake pending, and
// at once when the server says `bye` with resumes = true (it drained and saved every circuit, so
// its next process resumes them). After such a bye the page keeps retrying for at least two
// minutes, past the policy's maxRetries, instead of showing `failed` while the server restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESTART_BUDGET_MS } from '../../Sources/TetherServer/Resources/runtime/reconnect.js';
import { FakeWebSocket, settle, waitFor, started, fakeClock, CFG } from './support/circuit-page.mjs';

const states = (doc) => (doc.dispatched || []).filter((e) => e.type.startsWith('tether:reconnect-')).map((e) => e.type.replace('tether:reconnect-', ''));
const fakeEvent = (type, target, extra = {}) => ({ type, target, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; }, ...extra });
const cfg = (extra = {}) => ['cfg', { ...CFG[1], secret: 's2', ...extra }];

function modal(doc) {
  const el = doc.getElementById('tether-reconnect-modal');
  const { message, retry, reload } = el._tetherParts;
  return {
    classes: (el.getAttribute('class') || '').split(' ').filter((c) => c.startsWith('tether-reconnect-')),
    text: message.textContent,
    buttons: [retry, reload].filter((b) => b.style.display !== 'none').map((b) => b.textContent),
    visible: el.style.display !== 'none',
  };
}

test('an attempt whose socket opened shows resuming until its handshake settles', async (t) => {
  const { ws, doc } = await started(t, {}, { reconnectionOptions: { maxRetries: 3, retryIntervalMilliseconds: 0 } });
  ws.serverClose(1006);
  await waitFor(() => FakeWebSocket.instances.length === 2, 'the retry socket');
  assert.deepEqual(states(doc), ['show', 'retrying']);
  const next = FakeWebSocket.instances[1];
  next.serverOpen();
  assert.deepEqual(states(doc), ['show', 'retrying', 'resuming']);
  assert.deepEqual(doc.dispatched.at(-1).detail, { attempt: 1, maxRetries: 3 });
  assert.deepEqual(modal(doc), { classes: ['tether-reconnect-resuming'], text: 'Resuming your session…', buttons: [], visible: true });
  next.serverSend([cfg()]);
  await settle();
  assert.deepEqual(states(doc), ['show', 'retrying', 'resuming', 'hide']);
});

test('a bye that resumes shows resuming at once, and the restart is retried past maxRetries for two minutes', async (t) => {
  const { Tether, ws, doc } = await started(t, {}, { reconnectionOptions: { maxRetries: 2, retryIntervalMilliseconds: 10_000 } });
  const clock = fakeClock(t);
  t.mock.method(console, 'warn', () => {});
  ws.serverSend([['bye', 'draining for a restart', true]]);
  assert.deepEqual(states(doc), ['resuming']);
  assert.deepEqual(modal(doc), { classes: ['tether-reconnect-resuming'], text: 'Resuming your session…', buttons: [], visible: true });
  const call = Tether.invokeMethodAsync('Demo', 'Slow');
  const lost = assert.rejects(call, { message: 'The circuit was resumed on a new server; the result of this call was lost. Call it again.' });
  await settle();
  ws.serverClose(1012, 'service restart');
  await settle();
  // The next process is not up yet: each attempt's socket is refused.
  let attempts = 0;
  while (clock.now < RESTART_BUDGET_MS - 10_000) {
    clock.advance(10_000);
    await settle();
    attempts++;
    assert.equal(FakeWebSocket.instances.length, attempts + 1, `attempt ${attempts} at ${clock.now} ms`);
    FakeWebSocket.instances[attempts].serverClose(1006);
    await settle();
  }
  assert.ok(attempts > 2, `${attempts} attempts, more than maxRetries`);
  assert.deepEqual(states(doc), ['resuming'], 'one announcement, no failed, no attempt numbers past maxRetries');
  // The next process is up, and rebuilt the circuit from the store.
  clock.advance(10_000);
  await settle();
  const back = FakeWebSocket.instances.at(-1);
  back.serverOpen();
  back.serverSend([cfg({ restored: true })]);
  await settle();
  assert.deepEqual(states(doc), ['resuming', 'hide']);
  await lost;
});

test('a server that does not come back within two minutes ends in failed', async (t) => {
  const { ws, doc } = await started(t, {}, { reconnectionOptions: { maxRetries: 2, retryIntervalMilliseconds: 10_000 } });
  const clock = fakeClock(t);
  t.mock.method(console, 'warn', () => {});
  ws.serverSend([['bye', 'draining for a restart', true]]);
  ws.serverClose(1012);
  await settle();
  while (!states(doc).includes('failed')) {
    assert.ok(clock.now <= RESTART_BUDGET_MS + 10_000, `still retrying at ${clock.now} ms`);
    clock.advance(10_000);
    await settle();
    FakeWebSocket.instances.at(-1).serverClose(1006);
    await settle();
  }
  assert.ok(clock.now >= RESTART_BUDGET_MS, `failed at ${clock.now} ms`);
  assert.deepEqual(states(doc), ['resuming', 'failed']);
  assert.deepEqual(modal(doc).buttons, ['Retry', 'Reload']);
});

test('after a restart that resumed, a later drop has the normal budget again', async (t) => {
  const { ws, doc } = await started(t, {}, { reconnectionOptions: { maxRetries: 1, retryIntervalMilliseconds: 10_000 } });
  const clock = fakeClock(t);
  t.mock.method(console, 'warn', () => {});
  ws.serverSend([['bye', 'draining', true]]);
  ws.serverClose(1012);
  await settle();
  clock.advance(10_000);
  await settle();
  const second = FakeWebSocket.instances[1];
  second.serverOpen();
  second.serverSend([cfg({ restored: true })]);
  await settle();
  second.serverClose(1006);
  await settle();
  clock.advance(10_000);
  await settle();
  FakeWebSocket.instances[2].serverClose(1006);
  await settle();
  assert.deepEqual(states(doc), ['resuming', 'hide', 'show', 'retrying', 'failed']);
});

test('a bye that does not resume shows nothing until the close, and the normal policy follows', async (t) => {
  const { ws, doc } = await started(t, {}, { reconnectionOptions: { maxRetries: 1, retryIntervalMilliseconds: 10_000 } });
  const clock = fakeClock(t);
  const warn = t.mock.method(console, 'warn', () => {});
  ws.serverSend([['bye', 'shutting down']]);
  assert.deepEqual(states(doc), []);
  assert.match(warn.mock.calls[0].arguments.join(' '), /the server is going away: shutting down/);
  ws.serverClose(1001);
  await settle();
  clock.advance(10_000);
  await settle();
  FakeWebSocket.instances[1].serverClose(1006);
  await settle();
  assert.deepEqual(states(doc), ['show', 'retrying', 'failed']);
});

test('with a reconnectionHandler, a resuming bye is an event only, and the handler still hears of the drop', async (t) => {
  const down = [];
  const { ws, doc } = await started(t, {}, { reconnectionHandler: { onConnectionDown: (o, e) => down.push(e.code) } });
  t.mock.method(console, 'warn', () => {});
  ws.serverSend([['bye', 'draining', true]]);
  assert.deepEqual(states(doc), ['resuming']);
  assert.equal(doc.getElementById('tether-reconnect-modal'), null);
  ws.serverClose(1012);
  assert.deepEqual(down, [1012]);
});

test('drain: delayed events go at once, then drained; later events wait for the socket that resumes', async (t) => {
  const { ws, root } = await started(t, { html: '<input data-t-input="draft;db=300"><button data-t-click="inc"></button>' });
  const clock = fakeClock(t);
  t.mock.method(console, 'warn', () => {});
  const [input, button] = root.childNodes;
  input.value = 'typed just before the deploy';
  root.fire(fakeEvent('input', input));
  await settle();
  assert.equal(ws.sent.length, 0, 'the debounced event is still waiting');
  ws.serverSend([['drain']]);
  assert.deepEqual(ws.messages(), [['ev', 'draft', { type: 'input', value: 'typed just before the deploy' }, 1], ['drained']],
    'the waiting event goes ahead of the answer, in the same turn');
  clock.advance(1000);
  root.fire(fakeEvent('click', button));
  await settle();
  assert.equal(ws.messages().length, 2, 'nothing more on the drained socket: the debounce fired nothing twice, the click waits');
  ws.serverSend([['bye', 'restarting', true]]);
  ws.serverClose(1012, 'service restart');
  await settle();
  clock.advance(10_000);
  await settle();
  assert.equal(FakeWebSocket.instances.length, 2, 'the resume socket');
  const next = FakeWebSocket.instances[1];
  next.serverOpen();
  next.serverSend([cfg({ restored: true })]);
  await settle();
  assert.deepEqual(next.messages().filter((m) => m[0] === 'ev'), [['ev', 'inc', { type: 'click' }, 2]],
    'the click made after the drain reaches the next process');
});
