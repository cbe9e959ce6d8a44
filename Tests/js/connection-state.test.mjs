// The circuit's connection lifecycle: one `state` field, moved only by transition(), which
// refuses every move ConnectionTransitions does not list. First the table itself, then the
// Circuit's transition() on its own, then the states the runtime really passes through, driven
// with the fake WebSocket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Circuit, ConnectionState, ConnectionTransitions, canTransition,
} from '../../Sources/TetherServer/Resources/runtime/circuit.js';
import { Logger } from '../../Sources/TetherServer/Resources/runtime/log.js';
import { JSInterop } from '../../Sources/TetherServer/Resources/runtime/interop.js';
import { FakeWebSocket, settle, page, started, stubGlobals, fakeLocation, CFG } from './support/circuit-page.mjs';

const S = ConnectionState;
const STATES = Object.values(S);

/** The moves the lifecycle allows, as "from → to" lines, for readable diffs. */
const ALLOWED = [
  'idle → connecting',
  'connecting → open', 'connecting → leaving', 'connecting → failed', 'connecting → disconnected',
  'connecting → paused', 'connecting → rejected', 'connecting → ended',
  'open → leaving', 'open → failed', 'open → disconnected', 'open → paused', 'open → rejected', 'open → ended',
  'leaving → failed', 'leaving → disconnected', 'leaving → paused', 'leaving → rejected', 'leaving → ended',
  'failed → leaving', 'failed → disconnected', 'failed → rejected', 'failed → ended',
  'disconnected → connecting',
  'paused → connecting', 'paused → ended',
  'rejected → ended',
];

/** A Circuit on its own, with a host that records what it is told. */
function bareCircuit(t) {
  stubGlobals(t, { location: fakeLocation('http://example.test/'), WebSocket: FakeWebSocket });
  FakeWebSocket.instances = [];
  const told = [];
  const circuit = new Circuit({}, {
    log: new Logger('none'),
    interop: new JSInterop(),
    rendered: () => told.push(['rendered']),
    navigated: (...args) => told.push(['navigated', ...args]),
    failed: (message) => told.push(['failed', message]),
    closed: (e, disposition, previous) => told.push(['closed', e.code, disposition, previous]),
  });
  return { circuit, told };
}

const states = (doc) => (doc.dispatched || []).map((e) => e.type.replace('tether:reconnect-', ''));

// --- the table -------------------------------------------------------------------------------

test('the states are a frozen table of names', () => {
  assert.ok(Object.isFrozen(S));
  assert.deepEqual(STATES, ['idle', 'connecting', 'open', 'leaving', 'failed', 'disconnected', 'paused', 'rejected', 'ended']);
  for (const [name, value] of Object.entries(S)) assert.equal(name, value);
});

test('every state has its list of next states, frozen, naming only states', () => {
  assert.ok(Object.isFrozen(ConnectionTransitions));
  assert.deepEqual(Object.keys(ConnectionTransitions), STATES);
  for (const [from, next] of Object.entries(ConnectionTransitions)) {
    assert.ok(Object.isFrozen(next), from);
    for (const to of next) assert.ok(STATES.includes(to), `${from} → ${to}`);
    assert.ok(!next.includes(from), `${from} does not move to itself`);
  }
});

test('canTransition allows exactly the listed moves, for every pair of states', () => {
  const allowed = [];
  for (const from of STATES) {
    for (const to of STATES) if (canTransition(from, to)) allowed.push(`${from} → ${to}`);
  }
  assert.deepEqual(allowed, ALLOWED);
  assert.equal(canTransition('nonsense', S.open), false);
  assert.equal(canTransition(S.idle, 'nonsense'), false);
  assert.equal(canTransition('toString', S.open), false, 'an inherited property is not a state');
});

test('ended is the only state with no way out, and every state can be reached from idle', () => {
  const reached = new Set([S.idle]);
  for (let grew = true; grew;) {
    grew = false;
    for (const from of reached) {
      for (const to of ConnectionTransitions[from]) if (!reached.has(to)) { reached.add(to); grew = true; }
    }
  }
  assert.deepEqual([...reached].sort(), [...STATES].sort());
  assert.deepEqual(STATES.filter((s) => ConnectionTransitions[s].length === 0), [S.ended]);
});

// --- transition() ----------------------------------------------------------------------------

test('a new circuit is idle, and transition() makes every listed move', (t) => {
  for (const line of ALLOWED) {
    const [from, to] = line.split(' → ');
    const { circuit } = bareCircuit(t);
    assert.equal(circuit.state, S.idle);
    circuit.state = from;
    circuit.transition(to);
    assert.equal(circuit.state, to, line);
  }
});

test('transition() refuses every move not listed, naming both states, and leaves the state as it was', (t) => {
  let refused = 0;
  for (const from of STATES) {
    for (const to of STATES) {
      if (canTransition(from, to)) continue;
      const { circuit } = bareCircuit(t);
      circuit.state = from;
      assert.throws(() => circuit.transition(to), { message: `the circuit cannot go from '${from}' to '${to}'` });
      assert.equal(circuit.state, from);
      refused++;
    }
  }
  assert.equal(refused, STATES.length ** 2 - ALLOWED.length);
});

test('isClosed holds exactly in the states where nothing sent can reach the server', (t) => {
  const { circuit } = bareCircuit(t);
  const closed = STATES.filter((s) => { circuit.state = s; return circuit.isClosed; });
  assert.deepEqual(closed, [S.disconnected, S.paused, S.rejected, S.ended]);
});

test('a bare circuit connects, opens on cfg, and reports a drop with the state it dropped from', async (t) => {
  const { circuit, told } = bareCircuit(t);
  const handshake = circuit.connect({ querySelector: () => null }, 'd');
  assert.equal(circuit.state, S.connecting);
  const ws = FakeWebSocket.instances[0];
  ws.serverOpen();
  ws.serverSend([CFG]);
  assert.equal(circuit.state, S.open);
  assert.equal(await handshake, true);
  ws.serverClose(1006);
  assert.equal(circuit.state, S.disconnected);
  assert.deepEqual(told, [['closed', 1006, 'retry', S.open]]);
});

test('resume() from a state other than disconnected rejects, and opens no socket', async (t) => {
  const { circuit } = bareCircuit(t);
  circuit.connect({}, 'd');
  FakeWebSocket.instances[0].serverOpen();
  FakeWebSocket.instances[0].serverSend([CFG]);
  await assert.rejects(circuit.resume(), { message: "the circuit cannot go from 'open' to 'connecting'" });
  assert.equal(FakeWebSocket.instances.length, 1);
  assert.equal(circuit.state, S.open);
});

// --- the states the runtime passes through ---------------------------------------------------

test('start: idle, then connecting, then open once the server sends cfg', async (t) => {
  const { Tether } = await page(t);
  Tether.start();
  await settle();
  assert.equal(Tether.circuit.state, S.connecting);
  const ws = FakeWebSocket.instances[0];
  ws.serverOpen();
  assert.equal(Tether.circuit.state, S.connecting, 'an open socket is not yet an open circuit');
  ws.serverSend([CFG]);
  assert.equal(Tether.circuit.state, S.open);
});

test('a drop: open, disconnected, connecting again for the resume, then open', async (t) => {
  const { Tether, ws } = await started(t, {}, { reconnectionOptions: { maxRetries: 1, retryIntervalMilliseconds: 0 } });
  t.mock.method(console, 'warn', () => {});
  ws.serverClose(1006);
  assert.equal(Tether.circuit.state, S.disconnected);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(Tether.circuit.state, S.connecting);
  const next = FakeWebSocket.instances[1];
  next.serverOpen();
  next.serverSend([CFG]);
  assert.equal(Tether.circuit.state, S.open);
});

test('Tether.disconnect(): leaving until the socket closes, then disconnected, with no retry', async (t) => {
  const { Tether, ws, doc } = await started(t, {}, { reconnectionOptions: { maxRetries: 3, retryIntervalMilliseconds: 0 } });
  const closing = Tether.circuit.close();
  assert.equal(Tether.circuit.state, S.leaving);
  assert.equal(Tether.circuit.close(), closing, 'a second close waits for the same socket');
  ws.serverClose(1000, 'closed by the page');
  await closing;
  assert.equal(Tether.circuit.state, S.disconnected);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(FakeWebSocket.instances.length, 1);
  assert.deepEqual(states(doc), []);
});

test('pagehide: the circuit says end and is leaving, so the close that follows is no drop', async (t) => {
  const { Tether, ws, doc } = await started(t, {}, { reconnectionOptions: { maxRetries: 3, retryIntervalMilliseconds: 0 } });
  Tether.circuit.end();
  assert.equal(Tether.circuit.state, S.leaving);
  assert.deepEqual(ws.frames(), [[['end']]]);
  Tether.circuit.end();
  assert.deepEqual(ws.frames(), [[['end']]], 'said once');
  ws.serverClose(1000);
  assert.equal(Tether.circuit.state, S.disconnected);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(FakeWebSocket.instances.length, 1);
  assert.deepEqual(states(doc), []);
});

test('a cfg that arrives while the page is leaving keeps the new secret but not the socket', async (t) => {
  const { Tether } = await page(t);
  Tether.start();
  await settle();
  const ws = FakeWebSocket.instances[0];
  ws.serverOpen();
  Tether.disconnect();
  assert.equal(Tether.circuit.state, S.leaving);
  ws.serverSend([['cfg', { ...CFG[1], secret: 's9' }]]);
  assert.equal(Tether.circuit.state, S.leaving);
  assert.equal(Tether.circuit.secret, 's9');
  ws.serverClose(1000);
  assert.equal(Tether.circuit.state, S.disconnected);
});

test('a rejected resume: rejected, and still rejected after the 4001 close; resume() opens nothing', async (t) => {
  const { Tether, ws } = await started(t, {}, { reconnectionHandler: { onConnectionDown() {} } });
  t.mock.method(console, 'warn', () => {});
  ws.serverClose(1006);
  const attempt = Tether.circuit.resume();
  const next = FakeWebSocket.instances[1];
  next.serverOpen();
  next.serverSend([['rejected', 'the circuit expired']]);
  assert.equal(Tether.circuit.state, S.rejected);
  assert.equal(await attempt, false);
  next.serverClose(4001, 'the circuit expired');
  assert.equal(Tether.circuit.state, S.rejected);
  assert.equal(await Tether.circuit.resume(), false);
  assert.equal(FakeWebSocket.instances.length, 2);
});

test('a rejected circuit whose socket then closes with a final code has ended', async (t) => {
  const { Tether, ws } = await started(t, {}, { reconnectionHandler: { onConnectionDown() {} } });
  t.mock.method(console, 'warn', () => {});
  ws.serverSend([['rejected', 'no such circuit']]);
  ws.serverClose(4005, 'protocol');
  assert.equal(Tether.circuit.state, S.ended);
});

test('fatal: failed, then ended by the 4000 close; a second fatal only changes the text', async (t) => {
  const { Tether, ws, doc } = await started(t);
  t.mock.method(console, 'warn', () => {});
  ws.serverSend([['fatal', 'first']]);
  assert.equal(Tether.circuit.state, S.failed);
  ws.serverSend([['fatal', 'second']]);
  assert.equal(Tether.circuit.state, S.failed);
  assert.equal(doc.getElementById('tether-error-ui').textContent, 'second Reload');
  ws.serverClose(4000, 'an unhandled error ended the circuit');
  assert.equal(Tether.circuit.state, S.ended);
  assert.equal(doc.getElementById('tether-error-ui').textContent, 'second Reload', 'the server\'s text stays');
});

test('a final close ends the circuit: no resume, no reconnect', async (t) => {
  const { Tether, ws } = await started(t, {}, { reconnectionHandler: { onConnectionDown() {} } });
  t.mock.method(console, 'warn', () => {});
  ws.serverClose(4002, 'replaced');
  assert.equal(Tether.circuit.state, S.ended);
  await assert.rejects(Tether.circuit.resume(), { message: "the circuit cannot go from 'ended' to 'connecting'" });
  assert.equal(await Tether.reconnect(), false);
  assert.equal(FakeWebSocket.instances.length, 1);
});

test('a message the state does not allow is refused and reported, and the state stays', async (t) => {
  const { Tether, ws } = await started(t);
  const error = t.mock.method(console, 'error', () => {});
  ws.serverSend([CFG]);
  assert.equal(Tether.circuit.state, S.open);
  assert.equal(error.mock.callCount(), 1);
  assert.match(error.mock.calls[0].arguments.join(' '), /failed to handle 'cfg' Error: the circuit cannot go from 'open' to 'open'/);
});
