// The runtime's one logger: every line goes through a Logger whose level the page sets with
// Tether.start({ logLevel }), an initializer's beforeStart may change it, and each line carries the
// "[tether]" prefix on the console method its level calls for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogLevel, Logger } from '../../Sources/TetherServer/Resources/runtime/log.js';
import { FakeWebSocket, settle, page, started, stubGlobals, waitFor } from './support/circuit-page.mjs';

const LEVELS = ['trace', 'debug', 'info', 'warning', 'error'];

/** The console's three methods, mocked; `lines()` is what each printed, as one string per call. */
function consoleSpy(t) {
  const spies = {
    log: t.mock.method(console, 'log', () => {}),
    warn: t.mock.method(console, 'warn', () => {}),
    error: t.mock.method(console, 'error', () => {}),
  };
  const lines = (method) => spies[method].mock.calls.map((c) => c.arguments.join(' '));
  return { spies, lines };
}

test('LogLevel orders the levels, none above them all', () => {
  assert.ok(Object.isFrozen(LogLevel));
  assert.deepEqual(Object.keys(LogLevel), [...LEVELS, 'none']);
  const values = Object.values(LogLevel);
  assert.deepEqual(values, [...values].sort((a, b) => a - b));
});

test('the default level is warning: warnings and errors print, with the [tether] prefix', (t) => {
  const { spies, lines } = consoleSpy(t);
  const log = new Logger();
  assert.equal(log.level, 'warning');
  log.trace('t');
  log.debug('d');
  log.info('i');
  log.warning('w', 42);
  log.error('e', { x: 1 });
  assert.equal(spies.log.mock.callCount(), 0);
  assert.deepEqual(spies.warn.mock.calls.map((c) => c.arguments), [['[tether]', 'w', 42]]);
  assert.deepEqual(spies.error.mock.calls.map((c) => c.arguments), [['[tether]', 'e', { x: 1 }]]);
  assert.deepEqual(lines('warn'), ['[tether] w 42']);
});

for (const level of [...LEVELS, 'none']) {
  test(`at level ${level}, exactly the levels from ${level} up print`, (t) => {
    const { spies } = consoleSpy(t);
    const log = new Logger(level);
    for (const name of LEVELS) log[name](name);
    const printed = [...spies.log.mock.calls, ...spies.warn.mock.calls, ...spies.error.mock.calls].map((c) => c.arguments[1]);
    const expected = LEVELS.filter((name) => LogLevel[name] >= LogLevel[level]);
    assert.deepEqual(printed.sort(), expected.sort());
  });
}

test('trace, debug and info go to console.log, warning to console.warn, error to console.error', (t) => {
  const { lines } = consoleSpy(t);
  const log = new Logger('trace');
  for (const name of LEVELS) log[name](name);
  assert.deepEqual(lines('log'), ['[tether] trace', '[tether] debug', '[tether] info']);
  assert.deepEqual(lines('warn'), ['[tether] warning']);
  assert.deepEqual(lines('error'), ['[tether] error']);
});

test('an unknown level is reported and the default kept, rather than silencing everything', (t) => {
  const { lines } = consoleSpy(t);
  const log = new Logger('verbose');
  assert.equal(log.level, 'warning');
  assert.equal(lines('warn').length, 1);
  assert.match(lines('warn')[0], /^\[tether\] unknown logLevel 'verbose'; using 'warning'/);
  log.error('still heard');
  assert.deepEqual(lines('error'), ['[tether] still heard']);
});

test('no level (undefined or null) is the default, silently', (t) => {
  const { spies } = consoleSpy(t);
  assert.equal(new Logger(undefined).level, 'warning');
  const log = new Logger('error');
  log.setLevel(null);
  assert.equal(log.level, 'warning');
  assert.equal(spies.warn.mock.callCount(), 0);
});

test('the logger looks console up on every line, so a console replaced later still hears it', (t) => {
  const log = new Logger();
  const { lines } = consoleSpy(t);
  log.warning('after the swap');
  assert.deepEqual(lines('warn'), ['[tether] after the swap']);
});

// --- the runtime's logging, through Tether.start -------------------------------------------------

test('Tether.start({ logLevel: "error" }) keeps the runtime\'s warnings out of the console', async (t) => {
  const { ws } = await started(t, {}, { logLevel: 'error' });
  const { lines } = consoleSpy(t);
  ws.serverSend([['zzz'], ['err', 'refused']]);
  assert.deepEqual(lines('warn'), [], 'the unknown message is a warning');
  assert.deepEqual(lines('error'), ['[tether] server refused a message: refused']);
});

test('Tether.start({ logLevel: "debug" }) shows each step of the connection lifecycle', async (t) => {
  const { Tether } = await page(t);
  const { lines } = consoleSpy(t);
  Tether.start({ logLevel: 'debug' });
  await settle();
  const ws = FakeWebSocket.instances[0];
  ws.serverOpen();
  ws.serverSend([['cfg', { maxMessageBytes: 32768, maxChunkBytes: 262144, circuitId: 'c1', secret: 's1' }]]);
  assert.deepEqual(lines('log'), ['[tether] circuit idle → connecting', '[tether] circuit connecting → open']);
});

test('a failure to list the JS initializers is reported as a warning', async (t) => {
  // This warning once went to a method that did not exist, and was lost.
  const { Tether } = await page(t);
  stubGlobals(t, { fetch: async () => { throw new TypeError('Failed to fetch'); } });
  const { lines } = consoleSpy(t);
  Tether.start();
  await settle();
  assert.equal(lines('warn').length, 1);
  assert.match(lines('warn')[0], /^\[tether\] could not list JS initializers TypeError: Failed to fetch/);
  assert.equal(FakeWebSocket.instances.length, 1, 'the runtime starts without them');
});

test('an initializer that fails is reported through the logger, and honours logLevel "none"', async (t) => {
  const failing = 'data:text/javascript,export function beforeStart() { throw new Error("on purpose"); }';
  for (const [logLevel, expected] of [['warning', 1], ['none', 0]]) {
    const { Tether, doc } = await page(t);
    doc.baseURI = 'http://example.test/';
    stubGlobals(t, { fetch: async () => ({ ok: true, json: async () => [failing] }) });
    const { spies, lines } = consoleSpy(t);
    Tether.start({ logLevel });
    await waitFor(() => FakeWebSocket.instances.length === 1, 'the circuit, which connects after beforeStart');
    assert.equal(spies.error.mock.callCount(), expected, logLevel);
    if (expected) assert.match(lines('error')[0], /^\[tether\] the initializer data:.* failed in beforeStart Error: on purpose/);
    for (const spy of Object.values(spies)) spy.mock.restore();
  }
});

test("a beforeStart that changes options.logLevel changes the runtime's level", async (t) => {
  const quieting = "data:text/javascript,export function beforeStart(options) { options.logLevel = 'error'; }";
  const { Tether, doc } = await page(t);
  doc.baseURI = 'http://example.test/';
  stubGlobals(t, { fetch: async () => ({ ok: true, json: async () => [quieting] }) });
  Tether.start({ logLevel: 'warning' });
  await waitFor(() => FakeWebSocket.instances.length === 1, 'the circuit, which connects after beforeStart');
  const ws = FakeWebSocket.instances[0];
  const { lines } = consoleSpy(t);
  ws.serverOpen();
  ws.serverSend([['zzz']]);
  assert.equal(Tether.options.logLevel, 'error');
  assert.deepEqual(lines('warn'), []);
});

test('Tether.start with an unknown logLevel reports it once and keeps warning', async (t) => {
  const { Tether } = await page(t);
  const { lines } = consoleSpy(t);
  Tether.start({ logLevel: 'loud' });
  await settle();
  assert.equal(lines('warn').length, 1);
  assert.match(lines('warn')[0], /unknown logLevel 'loud'/);
  const ws = FakeWebSocket.instances[0];
  ws.serverOpen();
  ws.serverSend([['zzz']]);
  assert.equal(lines('warn').length, 2, 'warnings still print');
});
