// What the runtime does with the code a circuit socket closes with: transient closes resume the
// circuit with the retry policy, 4001 is the rejected state, and the final codes end the circuit
// with the error bar and no further socket. Also: the handshake's rejection text, a final close
// in the middle of a reconnect, and the secret the server rotates on every resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCode } from '../../Sources/TetherServer/Resources/runtime/protocol.js';
import { closeDisposition } from '../../Sources/TetherServer/Resources/runtime/circuit.js';
import { FakeWebSocket, settle, elapse, waitFor, started, page, CFG } from './support/circuit-page.mjs';

/** A retry loop with no delay and a few attempts, so a wrong retry shows up within milliseconds. */
const FAST = { reconnectionOptions: { maxRetries: 3, retryIntervalMilliseconds: 0 } };

/** Long enough for a zero-delay retry loop to have opened its next socket had it wanted to. */
const RETRY_WINDOW_MS = 30;

const FINAL = [
  [CloseCode.invalidData, 'a text frame was not valid UTF-8'],
  [CloseCode.policy, 'too many circuits for this client address'],
  [CloseCode.tooBig, 'the message exceeded 32768 bytes'],
  [CloseCode.fatal, 'an unhandled error ended the circuit'],
  [CloseCode.replaced, 'another socket resumed this circuit'],
  [CloseCode.handshakeTimeout, 'no start or resume within 10 s'],
  [CloseCode.descriptorRefused, 'the descriptor was already used'],
  [CloseCode.protocolError, 'the first message was not a valid start or resume'],
];

const cfg = (secret) => ['cfg', { ...CFG[1], secret }];
const states = (doc) => (doc.dispatched || []).map((e) => e.type.replace('tether:reconnect-', ''));
const bar = (doc) => doc.getElementById('tether-error-ui');
const warnings = (warn) => warn.mock.calls.map((c) => c.arguments.join(' '));

// --- the vocabulary --------------------------------------------------------------------------

/** Drops the circuit's socket as a network would, and returns the retry socket once it opened. */
async function droppedAndRetried(ws) {
  ws.serverClose(1006);
  await waitFor(() => FakeWebSocket.instances.length === 2, 'the retry socket');
  const next = FakeWebSocket.instances[1];
  next.serverOpen();
  return next;
}

test('CloseCode is the frozen table the server uses', () => {
  assert.ok(Object.isFrozen(CloseCode));
  assert.deepEqual({ ...CloseCode }, {
    normal: 1000, goingAway: 1001, invalidData: 1007, policy: 1008, tooBig: 1009, serviceRestart: 1012,
    fatal: 4000, rejected: 4001, replaced: 4002, handshakeTimeout: 4003, descriptorRefused: 4004,
    protocolError: 4005, paused: 4006, unauthorized: 4007,
  });
});

test('closeDisposition: final, rejected, paused, reload, and retry for everything else', () => {
  for (const [code] of FINAL) assert.equal(closeDisposition(code), 'final', String(code));
  assert.equal(closeDisposition(4001), 'rejected');
  assert.equal(closeDisposition(CloseCode.paused), 'paused');
  // Signed out, or another session's circuit: a full load lets the server decide.
  assert.equal(closeDisposition(CloseCode.unauthorized), 'reload');
  // A drained server saved its circuits: the next process resumes them.
  assert.equal(closeDisposition(CloseCode.serviceRestart), 'retry');
  for (const code of [1000, 1001, 1005, 1006, 1011, 1012, 1013, 1014, 3000, 4008, 4999, undefined]) {
    assert.equal(closeDisposition(code), 'retry', String(code));
  }
});

// --- transient closes resume the circuit -----------------------------------------------------

for (const [code, reason] of [[1001, 'server shutting down'], [1006, ''], [1011, 'internal error'], [1012, ''], [1013, ''], [1014, ''], [4999, 'a code nobody listed']]) {
  test(`${code} resumes the circuit with the retry policy`, async (t) => {
    const { ws, doc } = await started(t, {}, FAST);
    if (code === 1001) ws.serverSend([['bye', 'shutting down']]);
    t.mock.method(console, 'warn', () => {});
    ws.serverClose(code, reason);
    assert.ok(doc.documentElement.classList.contains('tether-disconnected'));
    await waitFor(() => FakeWebSocket.instances.length === 2, 'the retry socket');
    const next = FakeWebSocket.instances[1];
    next.serverOpen();
    assert.deepEqual(next.frames(), [[['resume', 'c1', 's1', -1]]]);
    next.serverSend([cfg('s2')]);
    await settle();
    assert.ok(!doc.documentElement.classList.contains('tether-disconnected'));
    assert.deepEqual(states(doc), ['show', 'retrying', 'resuming', 'hide']);
    assert.equal(bar(doc), null, 'a transient close shows no error bar');
  });
}

// --- final closes end the circuit ------------------------------------------------------------

for (const [code, reason] of FINAL) {
  test(`${code} is final: the error bar shows its reason and no socket follows`, async (t) => {
    const { ws, doc, Tether } = await started(t, {}, FAST);
    const warn = t.mock.method(console, 'warn', () => {});
    ws.serverClose(code, reason);
    await elapse(RETRY_WINDOW_MS);
    assert.equal(FakeWebSocket.instances.length, 1, 'no reconnect attempt');
    assert.equal(bar(doc)?.textContent, `${reason} Reload`);
    assert.equal(bar(doc).style.display, 'block');
    assert.ok(doc.documentElement.classList.contains('tether-disconnected'));
    assert.deepEqual(states(doc), [], 'no reconnect overlay');
    assert.deepEqual(warnings(warn), [`[tether] circuit closed (${code}: ${reason})`]);
    // Checked before awaiting it: an attempt would wait forever on a socket nobody opens.
    const again = Tether.reconnect();
    await elapse(RETRY_WINDOW_MS);
    assert.equal(FakeWebSocket.instances.length, 1, 'Tether.reconnect() opened no socket');
    assert.equal(await again, false, 'Tether.reconnect() cannot revive it');
  });
}

test('a final close without a reason shows a sentence of its own for each code', async (t) => {
  const about = {
    [CloseCode.invalidData]: /not valid UTF-8/,
    [CloseCode.policy]: /limits/,
    [CloseCode.tooBig]: /too big/,
    [CloseCode.fatal]: /unhandled error/,
    [CloseCode.replaced]: /another connection/,
    [CloseCode.handshakeTimeout]: /in time/,
    [CloseCode.descriptorRefused]: /descriptor/,
    [CloseCode.protocolError]: /did not start the session/,
  };
  const shown = new Map();
  for (const [code] of FINAL) {
    const { ws, doc } = await started(t, {}, FAST);
    const warn = t.mock.method(console, 'warn', () => {});
    ws.serverClose(code, '');
    warn.mock.restore();
    assert.match(warnings(warn)[0], new RegExp(`circuit closed \\(${code}\\)$`));
    const text = bar(doc)?.textContent;
    assert.ok(text && text.endsWith('. Reload'), `${code}: ${text}`);
    assert.match(text, about[code], `${code}`);
    shown.set(code, text);
  }
  assert.equal(new Set(shown.values()).size, FINAL.length, [...shown.values()].join('\n'));
});

test('a final close while the circuit starts (before cfg) shows its reason and does not retry', async (t) => {
  const { Tether, doc } = await page(t);
  Tether.start(FAST);
  await settle();
  const ws = FakeWebSocket.instances[0];
  ws.serverOpen();
  t.mock.method(console, 'warn', () => {});
  ws.serverClose(4004, 'the descriptor was already used');
  await elapse(RETRY_WINDOW_MS);
  assert.equal(FakeWebSocket.instances.length, 1);
  assert.equal(bar(doc)?.textContent, 'the descriptor was already used Reload');
  assert.deepEqual(states(doc), []);
});

test('fatal then 4000: one bar, and the fatal text stays', async (t) => {
  const { ws, doc } = await started(t, {}, FAST);
  const warn = t.mock.method(console, 'warn', () => {});
  ws.serverSend([['fatal', 'Index out of range in Counter.increment()']]);
  ws.serverClose(4000, 'an unhandled error ended the circuit');
  await elapse(RETRY_WINDOW_MS);
  const bars = doc.body.childNodes.filter((n) => n.id === 'tether-error-ui');
  assert.equal(bars.length, 1);
  assert.equal(bars[0].textContent, 'Index out of range in Counter.increment() Reload');
  assert.deepEqual(warnings(warn), ['[tether] circuit closed (4000: an unhandled error ended the circuit)'],
    'the close reason is still reported');
  assert.equal(FakeWebSocket.instances.length, 1);
});

// --- 4001: rejected --------------------------------------------------------------------------

test('4001 on an open circuit is the rejected state, without retry or error bar', async (t) => {
  const { ws, doc } = await started(t, {}, FAST);
  t.mock.method(console, 'warn', () => {});
  ws.serverClose(4001, 'circuit unknown or expired');
  await elapse(RETRY_WINDOW_MS);
  assert.equal(FakeWebSocket.instances.length, 1);
  assert.deepEqual(states(doc), ['rejected']);
  assert.ok(doc.getElementById('tether-reconnect-modal').classList.contains('tether-reconnect-rejected'));
  assert.equal(bar(doc), null);
  assert.ok(doc.documentElement.classList.contains('tether-disconnected'));
});

test('4001 ending a resume attempt, with no rejected message, stops the loop in the rejected state', async (t) => {
  const { ws, doc } = await started(t, {}, FAST);
  t.mock.method(console, 'warn', () => {});
  const next = await droppedAndRetried(ws);
  next.serverClose(4001, 'wrong secret');
  await elapse(RETRY_WINDOW_MS);
  assert.equal(FakeWebSocket.instances.length, 2, 'no attempt after 4001');
  assert.deepEqual(states(doc), ['show', 'retrying', 'resuming', 'rejected']);
});

test('a rejected message followed by 4001 shows the rejected state once', async (t) => {
  const { ws, doc } = await started(t, {}, FAST);
  t.mock.method(console, 'warn', () => {});
  const next = await droppedAndRetried(ws);
  next.serverSend([['rejected', 'the circuit expired']]);
  await settle();
  next.serverClose(4001, 'the circuit expired');
  await elapse(RETRY_WINDOW_MS);
  assert.equal(FakeWebSocket.instances.length, 2);
  assert.deepEqual(states(doc), ['show', 'retrying', 'resuming', 'rejected']);
});

// --- the handshake and the reconnect loop ----------------------------------------------------

test('a close during the handshake rejects with its code and reason', async (t) => {
  const { ws, Tether } = await started(t, {}, { reconnectionHandler: { onConnectionDown() {} } });
  t.mock.method(console, 'warn', () => {});
  ws.serverClose(1006);
  const transient = Tether.circuit.resume();
  FakeWebSocket.instances[1].serverOpen();
  FakeWebSocket.instances[1].serverClose(1006, '');
  await assert.rejects(transient, { message: 'the circuit socket closed (1006)', closeCode: 1006, disposition: 'retry' });
  const final = Tether.circuit.resume();
  FakeWebSocket.instances[2].serverOpen();
  FakeWebSocket.instances[2].serverClose(4004, 'the descriptor was already used');
  await assert.rejects(final, {
    message: 'the circuit socket closed (4004: the descriptor was already used)',
    closeCode: 4004, closeReason: 'the descriptor was already used', disposition: 'final',
  });
});

test('a final close during a reconnect attempt ends the retry loop and shows the bar, not the overlay', async (t) => {
  const { ws, doc } = await started(t, {}, { reconnectionOptions: { maxRetries: 5, retryIntervalMilliseconds: 0 } });
  t.mock.method(console, 'warn', () => {});
  const next = await droppedAndRetried(ws);
  next.serverClose(4002, 'another socket resumed this circuit');
  await elapse(RETRY_WINDOW_MS);
  assert.equal(FakeWebSocket.instances.length, 2, 'the loop made no further attempt');
  assert.deepEqual(states(doc), ['show', 'retrying', 'resuming', 'hide'], 'no failed state after a final close');
  const modal = doc.getElementById('tether-reconnect-modal');
  assert.equal(modal.style.display, 'none', 'the overlay does not cover the bar');
  assert.equal(bar(doc)?.textContent, 'another socket resumed this circuit Reload');
  assert.ok(doc.documentElement.classList.contains('tether-disconnected'));
});

test('a final close during Tether.reconnect() resolves false and leaves the bar, not the failed state', async (t) => {
  const { ws, doc, Tether } = await started(t, {}, { reconnectionHandler: { onConnectionDown() {} } });
  t.mock.method(console, 'warn', () => {});
  ws.serverClose(1006);
  const attempt = Tether.reconnect();
  await settle();
  FakeWebSocket.instances[1].serverOpen();
  FakeWebSocket.instances[1].serverClose(1008, 'the client memory budget was exceeded');
  assert.equal(await attempt, false);
  assert.deepEqual(states(doc), ['resuming', 'hide'], 'the overlay that said so gives way to the bar');
  assert.equal(bar(doc)?.textContent, 'the client memory budget was exceeded Reload');
  const again = Tether.reconnect();
  await elapse(RETRY_WINDOW_MS);
  assert.equal(FakeWebSocket.instances.length, 2, 'no attempt after the final close');
  assert.equal(await again, false);
});

// --- the secret rotates on every resume ------------------------------------------------------

test('each resume sends the secret from the latest cfg', async (t) => {
  const { ws, doc, Tether } = await started(t, {}, FAST);
  ws.serverSend([['r', 1, []]]);
  ws.serverClose(1006);
  await waitFor(() => FakeWebSocket.instances.length === 2, 'the first retry socket');
  const second = FakeWebSocket.instances[1];
  second.serverOpen();
  assert.deepEqual(second.frames(), [[['resume', 'c1', 's1', 1]]]);
  second.serverSend([cfg('s2')]);
  await settle();
  assert.deepEqual(states(doc), ['show', 'retrying', 'resuming', 'hide']);
  second.serverClose(1006);
  await waitFor(() => FakeWebSocket.instances.length === 3, 'the second retry socket');
  const third = FakeWebSocket.instances[2];
  third.serverOpen();
  assert.deepEqual(third.frames(), [[['resume', 'c1', 's2', 1]]], 'the rotated secret, not the first one');
  third.serverSend([cfg('s3')]);
  await settle();
  // Tether.reconnect() resumes the same way.
  Tether.disconnect();
  third.serverClose(1000, 'closed by the page');
  const back = Tether.reconnect();
  await settle();
  const fourth = FakeWebSocket.instances[3];
  fourth.serverOpen();
  assert.deepEqual(fourth.frames(), [[['resume', 'c1', 's3', 1]]]);
  fourth.serverSend([cfg('s4')]);
  assert.equal(await back, true);
});
