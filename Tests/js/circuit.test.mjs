// The runtime and its Circuit, driven through the default export with a fake WebSocket, a fake
// document and a fake location. Each test imports a fresh copy of the entry module, tether.js
// (a distinct query string is a distinct module instance), so no runtime state leaks between tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, inner } from './support/fake-dom.mjs';
import { TETHER_URL } from './support/paths.mjs';
import { FakeWebSocket, settle, elapse, stubGlobals, fakeLocation, page, CFG, started, nextInstance, fakeClock } from './support/circuit-page.mjs';

// --- connecting ------------------------------------------------------------------------------

test('invokeMethodAsync rejects before start', async (t) => {
  const { Tether } = await page(t);
  await assert.rejects(Tether.invokeMethodAsync('Demo', 'Add', 1, 2), { message: 'Tether has not started.' });
  assert.equal(FakeWebSocket.instances.length, 0);
});

test('start connects to /_tether/circuit over ws:, relative to the page; without data-tether-circuit the URL names none', async (t) => {
  const { Tether } = await page(t);
  Tether.start();
  await settle();
  assert.equal(FakeWebSocket.instances.length, 1);
  const ws = FakeWebSocket.instances[0];
  assert.equal(ws.url, 'ws://example.test/_tether/circuit');
  assert.equal(ws.binaryType, 'arraybuffer');
});

test('https pages use wss:, and circuitPath is honoured', async (t) => {
  const { Tether } = await page(t, { href: 'https://secure.test:8443/x/y' });
  Tether.start({ circuitPath: '/custom/socket' });
  await settle();
  assert.equal(FakeWebSocket.instances[0].url, 'wss://secure.test:8443/custom/socket');
});

test('the socket URL names the prerendered circuit on start, and the configured circuit on every resume', async (t) => {
  // A proxy in front of several servers routes by this query (nginx: hash $arg_circuit), so the
  // start and each resume must reach the server holding the circuit.
  const { Tether } = await page(t, { circuit: 'c1' });
  Tether.start({ reconnectionHandler: { onConnectionDown() {} } });
  await settle();
  const first = FakeWebSocket.instances[0];
  assert.equal(first.url, 'ws://example.test/_tether/circuit?circuit=c1');
  first.serverOpen();
  first.serverSend([CFG]);
  await settle();
  for (const attempt of [1, 2]) {
    FakeWebSocket.instances[attempt - 1].serverClose(1006);
    const resumed = Tether.circuit.resume();
    const next = FakeWebSocket.instances[attempt];
    assert.equal(next.url, 'ws://example.test/_tether/circuit?circuit=c1', `resume ${attempt}`);
    next.serverOpen();
    assert.deepEqual(next.frames()[0], [['resume', 'c1', 's1', -1]]);
    next.serverSend([CFG]);
    assert.equal(await resumed, true);
  }
});

test('the circuit query joins a circuitPath of its own, and configureConnection sees it', async (t) => {
  const { Tether } = await page(t, { circuit: 'abc 1/2' });
  const seen = [];
  Tether.start({ circuitPath: '/custom/socket?tenant=7', configureConnection: (url) => seen.push(url.searchParams.get('circuit')) });
  await settle();
  assert.equal(FakeWebSocket.instances[0].url, 'ws://example.test/custom/socket?tenant=7&circuit=abc+1%2F2');
  assert.deepEqual(seen, ['abc 1/2']);
});

test('a page started by hand takes its descriptor and circuit from /_tether/prerender', async (t) => {
  const { Tether, root } = await page(t, { descriptor: null });
  const asked = [];
  stubGlobals(t, {
    fetch: async (url) => {
      asked.push(String(url));
      if (String(url).startsWith('/_tether/prerender')) {
        return { ok: true, json: async () => ({ html: '<p>hi</p>', descriptor: 'signed', circuit: 'k9' }) };
      }
      return { ok: true, json: async () => [] };
    },
  });
  Tether.start({ url: '/counter' });
  await elapse(5);
  assert.ok(asked.includes('/_tether/prerender?url=%2Fcounter'), asked.join());
  assert.equal(root.getAttribute('data-tether-circuit'), 'k9');
  const ws = FakeWebSocket.instances[0];
  assert.equal(ws.url, 'ws://example.test/_tether/circuit?circuit=k9');
  ws.serverOpen();
  assert.deepEqual(ws.frames()[0], [['start', 'signed', 'http://example.test/app/page?q=1']]);
});

test('the first frame is [["start", descriptor, url]], sent on open', async (t) => {
  const { Tether } = await page(t, { descriptor: 'page-42' });
  Tether.start();
  await settle();
  const ws = FakeWebSocket.instances[0];
  await settle();
  assert.equal(ws.sent.length, 0, 'nothing is sent before the socket opens');
  ws.serverOpen();
  await settle();
  assert.deepEqual(ws.frames(), [[['start', 'page-42', 'http://example.test/app/page?q=1']]]);
});

test('a missing descriptor is sent as the empty string', async (t) => {
  const { Tether } = await page(t, { descriptor: null });
  Tether.start();
  await settle();
  FakeWebSocket.instances[0].serverOpen();
  assert.deepEqual(FakeWebSocket.instances[0].frames()[0], [['start', '', 'http://example.test/app/page?q=1']]);
});

test('start twice connects once', async (t) => {
  const { Tether } = await page(t);
  Tether.start();
  await settle();
  Tether.start();
  await settle();
  assert.equal(FakeWebSocket.instances.length, 1);
});

test('start without #tether-root warns and does not connect', async (t) => {
  const { Tether, root } = await page(t);
  root.setAttribute('id', 'elsewhere');
  const warn = t.mock.method(console, 'warn', () => {});
  assert.equal(await Tether.start(), undefined);
  assert.equal(FakeWebSocket.instances.length, 0);
  assert.equal(warn.mock.callCount(), 1);
  assert.match(String(warn.mock.calls[0].arguments.join(' ')), /no #tether-root/);
  await assert.rejects(Tether.invokeMethodAsync('M', 'x'), { message: 'Tether has not started.' });
});

// --- batching --------------------------------------------------------------------------------

test('calls made before the circuit is configured go out right after the server cfg, in one frame', async (t) => {
  const { Tether } = await page(t);
  Tether.start();
  await settle();
  const ws = FakeWebSocket.instances[0];
  Tether.invokeMethodAsync('Demo', 'A', 1);
  await settle();
  Tether.invokeMethodAsync('Demo', 'B', 2);
  await settle();
  assert.equal(ws.sent.length, 0);
  ws.serverOpen();
  assert.deepEqual(ws.frames(), [[['start', 'desc-1', 'http://example.test/app/page?q=1']]], 'nothing but start before cfg');
  ws.serverSend([CFG]);
  assert.deepEqual(ws.frames(), [
    [['start', 'desc-1', 'http://example.test/app/page?q=1']],
    [['inv', 1, 'Demo', 'A', [1]], ['inv', 2, 'Demo', 'B', [2]]],
  ]);
});

test('everything posted in one turn travels in one frame', async (t) => {
  const { Tether, ws } = await started(t);
  Tether.invokeMethodAsync('Demo', 'Add', 2, 3);
  Tether.invokeMethodAsync('Demo', 'Neg', -1);
  Tether.invokeMethodAsync('Other', 'None');
  assert.equal(ws.sent.length, 0, 'not sent synchronously');
  await settle();
  assert.deepEqual(ws.frames(), [[
    ['inv', 1, 'Demo', 'Add', [2, 3]],
    ['inv', 2, 'Demo', 'Neg', [-1]],
    ['inv', 3, 'Other', 'None', []],
  ]]);
});

test('separate turns travel in separate frames', async (t) => {
  const { Tether, ws } = await started(t);
  Tether.invokeMethodAsync('Demo', 'A');
  await settle();
  Tether.invokeMethodAsync('Demo', 'B');
  await settle();
  assert.deepEqual(ws.frames(), [[['inv', 1, 'Demo', 'A', []]], [['inv', 2, 'Demo', 'B', []]]]);
});

test('arguments that are not JSON reject without sending anything', async (t) => {
  const { Tether, ws } = await started(t);
  const cyclic = {};
  cyclic.self = cyclic;
  await assert.rejects(Tether.invokeMethodAsync('Demo', 'Big', 1n), /^Error: The arguments of 'Big' could not be serialized as JSON: /);
  await assert.rejects(Tether.invokeMethodAsync('Demo', 'Cyc', cyclic), /could not be serialized as JSON/);
  await settle();
  assert.equal(ws.sent.length, 0);
});

// --- results of JS→Swift calls ---------------------------------------------------------------

test('"res" resolves or rejects the matching call', async (t) => {
  const { Tether, ws } = await started(t);
  const a = Tether.invokeMethodAsync('Demo', 'Add', 2, 3);
  const b = Tether.invokeMethodAsync('Demo', 'Fail');
  await settle();
  ws.serverSend([['res', 2, false, 'Swift said no'], ['res', 1, true, 5], ['res', 99, true, 'nobody asked']]);
  assert.equal(await a, 5);
  await assert.rejects(b, (err) => err instanceof Error && err.message === 'Swift said no');
});

test('a result resolves once; a repeated "res" is ignored', async (t) => {
  const { Tether, ws } = await started(t);
  const a = Tether.invokeMethodAsync('Demo', 'X');
  await settle();
  ws.serverSend([['res', 1, true, 'first'], ['res', 1, false, 'second']]);
  assert.equal(await a, 'first');
});

test('Swift object references come back as proxies that call and release', async (t) => {
  const { Tether, ws } = await started(t);
  const p = Tether.invokeMethodAsync('Demo', 'MakeCounter');
  await settle();
  ws.serverSend([['res', 1, true, { counter: { __tetherObject: 7 }, list: [{ __tetherObject: 8 }, 3] }]]);
  const value = await p;
  assert.deepEqual(value.list[1], 3);
  const counter = value.counter;
  assert.equal(typeof counter.invokeMethodAsync, 'function');
  ws.sent.length = 0;
  const inc = counter.invokeMethodAsync('Increment', 2);
  await settle();
  assert.deepEqual(ws.frames(), [[['inv', 2, 7, 'Increment', [2]]]]);
  ws.serverSend([['res', 2, true, 3]]);
  assert.equal(await inc, 3);
  ws.sent.length = 0;
  counter.dispose();
  counter.dispose();
  await settle();
  assert.deepEqual(ws.frames(), [[['rel', 7]]], 'released exactly once');
  await assert.rejects(counter.invokeMethodAsync('Increment'), {
    message: 'There is no tracked object with id 7. It may have been disposed.',
  });
});

// --- rendering -------------------------------------------------------------------------------

test('"r" applies the edits to the root and acks the batch', async (t) => {
  const { ws, root } = await started(t, { html: '<p>0</p>' });
  ws.serverSend([['r', 1, [[3, [0, 0], '1'], [1, [], 1, '<p>new</p>']]]]);
  assert.equal(inner(root), '<p>1</p><p>new</p>');
  await settle();
  assert.deepEqual(ws.frames(), [[['ack', 1]]]);
});

test('several batches in one frame are applied in order and acked in one frame', async (t) => {
  const { ws, root } = await started(t, { html: '<p>0</p>' });
  ws.serverSend([['r', 4, [[3, [0, 0], 'a']]], ['r', 5, [[3, [0, 0], 'b']]]]);
  assert.equal(inner(root), '<p>b</p>');
  await settle();
  assert.deepEqual(ws.frames(), [[['ack', 4], ['ack', 5]]]);
});

test('a batch that changes the head sets the title; one without a head, or replayed, leaves it', async (t) => {
  const { ws, root } = await started(t, { html: '<p>0</p>' });
  ws.serverSend([['r', 1, [[3, [0, 0], '1']], ['Counter (1)', '']]]);
  assert.equal(inner(root), '<p>1</p>');
  assert.equal(globalThis.document.title, 'Counter (1)');
  ws.serverSend([['r', 2, [[3, [0, 0], '2']]]]);
  assert.equal(globalThis.document.title, 'Counter (1)', 'no head: unchanged');
  ws.serverSend([['r', 2, [], ['Replayed', '']]]);
  assert.equal(globalThis.document.title, 'Counter (1)', 'a batch already applied is only acked again');
  ws.serverSend([['r', 3, [], 'not an array']]);
  assert.equal(globalThis.document.title, 'Counter (1)', 'a malformed head is ignored');
  await settle();
  assert.deepEqual(ws.frames().flat(), [['ack', 1], ['ack', 2], ['ack', 2], ['ack', 3]]);
});

test('ready resolves with the runtime after the first render', async (t) => {
  const { Tether, ws, ready } = await started(t, { html: '<p>0</p>' });
  const pending = Symbol('pending');
  const race = () => Promise.race([ready, new Promise((r) => setImmediate(() => r(pending)))]);
  assert.equal(await race(), pending);
  ws.serverSend([['r', 1, []]]);
  assert.equal(await race(), Tether);
  assert.equal(await Tether.ready, Tether);
});

test('a batch that fails is logged and still acked', async (t) => {
  const { ws, root } = await started(t, { html: '<p>0</p>' });
  const error = t.mock.method(console, 'error', () => {});
  ws.serverSend([['r', 3, [[2, [9]]]], ['r', 4, [[3, [0, 0], 'ok']]]]);
  assert.equal(error.mock.callCount(), 1);
  assert.match(error.mock.calls[0].arguments.join(' '), /render batch 3 failed/);
  assert.equal(inner(root), '<p>ok</p>');
  await settle();
  assert.deepEqual(ws.frames(), [[['ack', 3], ['ack', 4]]]);
});

// --- Swift→JS calls --------------------------------------------------------------------------

test('"c" calls a global function with its owner as this, and sends "done"', async (t) => {
  const { ws } = await started(t);
  const lib = { base: 10, add(a, b) { return this.base + a + b; }, async later(x) { await null; return { x }; } };
  stubGlobals(t, { testLib: lib });
  ws.serverSend([['c', 1, 'testLib.add', [1, 2], 0], ['c', 2, 'testLib.later', ['y'], 0], ['c', 3, 'testLib.add', [1, 2], 1]]);
  await settle();
  const done = ws.messages().sort((a, b) => a[1] - b[1]);
  assert.deepEqual(done, [['done', 1, true, 13], ['done', 2, true, { x: 'y' }], ['done', 3, true, null]]);
});

test('"c": undefined results are sent as null', async (t) => {
  const { ws } = await started(t);
  stubGlobals(t, { testLib: { nothing() {} } });
  ws.serverSend([['c', 1, 'testLib.nothing', [], 0]]);
  await settle();
  assert.deepEqual(ws.messages(), [['done', 1, true, null]]);
});

test('"c": failures come back as {message, stack}', async (t) => {
  const { ws } = await started(t);
  stubGlobals(t, {
    testLib: {
      boom() { throw new TypeError('bad input'); },
      rejects() { return Promise.reject(new Error('async bad')); },
      throwsString() { throw 'plain string'; }, // eslint-disable-line no-throw-literal
      big() { return 10n; },
    },
  });
  ws.serverSend([
    ['c', 1, 'testLib.boom', [], 0],
    ['c', 2, 'testLib.rejects', [], 0],
    ['c', 3, 'testLib.throwsString', [], 0],
    ['c', 4, 'testLib.missing', [], 0],
    ['c', 5, 'testLib.big', [], 0],
  ]);
  await settle();
  const done = new Map(ws.messages().map((m) => [m[1], m]));
  assert.equal(done.size, 5);
  for (const m of done.values()) {
    assert.equal(m[0], 'done');
    assert.equal(m[2], false);
  }
  assert.equal(done.get(1)[3].message, 'bad input');
  assert.match(done.get(1)[3].stack, /TypeError: bad input/);
  assert.equal(done.get(2)[3].message, 'async bad');
  assert.deepEqual(done.get(3)[3], { message: 'plain string', stack: null });
  assert.equal(done.get(4)[3].message, "Could not find 'testLib.missing' ('missing' was undefined).");
  assert.match(done.get(5)[3].message, /BigInt/);
});

test('"c": arguments are revived (Swift object references, element references)', async (t) => {
  const { ws, root } = await started(t, { html: '<input data-t-ref="r1">' });
  let received;
  stubGlobals(t, { testLib: { take(...args) { received = args; } } });
  ws.serverSend([['c', 1, 'testLib.take', [{ __tetherObject: 4 }, { __tetherElement: 'r1' }, { n: [1] }], 1]]);
  await settle();
  assert.equal(typeof received[0].invokeMethodAsync, 'function');
  assert.equal(received[1], root.firstChild);
  assert.deepEqual(received[2], { n: [1] });
  assert.deepEqual(ws.messages(), [['done', 1, true, null]]);
});

// --- other server messages -------------------------------------------------------------------

test('"go" navigates, replacing history when asked', async (t) => {
  const { ws, location } = await started(t);
  ws.serverSend([['go', '/a', false], ['go', '/b', true]]);
  assert.deepEqual(location.assigned, ['/a']);
  assert.deepEqual(location.replaced, ['/b']);
});

test('"fatal" shows the error bar, reusing it', async (t) => {
  const { ws, doc } = await started(t);
  ws.serverSend([['fatal', 'The circuit failed.']]);
  const bar = doc.getElementById('tether-error-ui');
  assert.ok(bar);
  assert.equal(bar.getAttribute('role'), 'alert');
  assert.equal(bar.style.display, 'block');
  assert.equal(bar.textContent, 'The circuit failed. Reload');
  ws.serverSend([['fatal', '']]);
  assert.equal(doc.getElementById('tether-error-ui'), bar);
  assert.equal(bar.textContent, 'An error has occurred.  Reload');
});

test('"err" and unknown messages are logged; one bad message does not stop the frame', async (t) => {
  const { Tether, ws, location } = await started(t);
  const error = t.mock.method(console, 'error', () => {});
  const warn = t.mock.method(console, 'warn', () => {});
  location.assign = () => { throw new Error('navigation blocked'); };
  const call = Tether.invokeMethodAsync('Demo', 'X');
  await settle();
  ws.serverSend([['err', 'malformed ev'], ['zzz'], ['go', '/x', false], ['res', 1, true, 'still handled']]);
  assert.equal(await call, 'still handled');
  const errors = error.mock.calls.map((c) => c.arguments.join(' '));
  assert.deepEqual(errors.map((e) => e.split(' ').slice(0, 4).join(' ')), ['[tether] server refused a', "[tether] failed to handle"]);
  assert.match(errors[0], /malformed ev/);
  assert.match(errors[1], /'go'/);
  assert.equal(warn.mock.callCount(), 1);
  assert.match(warn.mock.calls[0].arguments.join(' '), /unknown message 'zzz'/);
});

test('a malformed frame is logged and dropped', async (t) => {
  const { ws } = await started(t);
  const error = t.mock.method(console, 'error', () => {});
  assert.doesNotThrow(() => ws.serverSend('not json ['));
  assert.equal(error.mock.callCount(), 1);
  assert.match(error.mock.calls[0].arguments.join(' '), /malformed frame/);
});

test('logLevel "none" silences errors', async (t) => {
  const { ws } = await started(t, {}, { logLevel: 'none' });
  const error = t.mock.method(console, 'error', () => {});
  ws.serverSend('nope');
  ws.serverSend([['err', 'x']]);
  assert.equal(error.mock.callCount(), 0);
});

// --- closing ---------------------------------------------------------------------------------

test('closing rejects pending calls and every later call, and marks the page', async (t) => {
  // A custom reconnection handler keeps the default retry loop and overlay out of this test.
  const down = [];
  const { Tether, ws, doc } = await started(t, {}, { reconnectionHandler: { onConnectionDown: (o, e) => down.push(e.code) } });
  const a = Tether.invokeMethodAsync('Demo', 'Slow');
  await settle();
  ws.serverClose(1006);
  await assert.rejects(a, { message: 'The circuit is disconnected.' });
  await assert.rejects(Tether.invokeMethodAsync('Demo', 'Later'), { message: 'The circuit is disconnected.' });
  assert.ok(doc.documentElement.classList.contains('tether-disconnected'));
  const before = ws.sent.length;
  await settle();
  assert.equal(ws.sent.length, before, 'nothing is sent on a closed socket');
  assert.deepEqual(down, [1006], 'the custom handler hears of the drop');
});

test('logLevel "info" reports the close code and reason', async (t) => {
  const { ws } = await started(t, {}, { logLevel: 'info', reconnectionHandler: { onConnectionDown() {} } });
  const log = t.mock.method(console, 'log', () => {});
  ws.serverClose(1001, 'going away');
  assert.match(log.mock.calls.map((c) => c.arguments.join(' ')).join('\n'), /circuit closed \(1001: going away\)/);
});

test('disconnect closes the socket normally', async (t) => {
  const { Tether, ws } = await started(t);
  Tether.disconnect();
  assert.deepEqual(ws.closeCalls, [[1000, 'closed by the page']]);
});

// --- DOM events ------------------------------------------------------------------------------

const EVENTS_HTML = '<div data-t-click="outer"><button data-t-click="inner;pd"><span>x</span></button>'
  + '<a data-t-click="stop;sp"><i>y</i></a><input data-t-focus="f1" data-t-input="in;db=300"></div>';

function fakeEvent(type, target, extra = {}) {
  return { type, target, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; }, ...extra };
}

test('the root listens for every delegated event, focus/blur in the capture phase', async (t) => {
  const { root } = await started(t);
  const byType = new Map(root._listeners.map((l) => [l.type, l.capture]));
  for (const type of ['click', 'input', 'change', 'submit', 'keydown', 'keyup', 'focus', 'blur']) {
    assert.ok(byType.has(type), type);
  }
  assert.equal(byType.get('focus'), true);
  assert.equal(byType.get('blur'), true);
  assert.equal(byType.get('click'), false);
});

test('a click bubbles through every handler up to the root, in one frame', async (t) => {
  const { ws, root } = await started(t, { html: EVENTS_HTML });
  const span = root.firstChild.firstChild.firstChild;
  const e = fakeEvent('click', span, { button: 0, clientX: 1, clientY: 2, offsetX: 0, offsetY: 0, altKey: false, ctrlKey: false, shiftKey: false, metaKey: false, detail: 1 });
  root.fire(e);
  assert.equal(e.defaultPrevented, true, 'pd on the button');
  await settle();
  const args = { type: 'click', button: 0, clientX: 1, clientY: 2, offsetX: 0, offsetY: 0, altKey: false, ctrlKey: false, shiftKey: false, metaKey: false, detail: 1 };
  assert.deepEqual(ws.frames(), [[['ev', 'inner', args, 1], ['ev', 'outer', args, 2]]], 'each event numbered, in order');
});

test('sp stops at the handler that asked', async (t) => {
  const { ws, root } = await started(t, { html: EVENTS_HTML });
  const i = root.firstChild.childNodes[1].firstChild;
  const e = fakeEvent('click', i);
  root.fire(e);
  assert.equal(e.defaultPrevented, false);
  await settle();
  assert.deepEqual(ws.messages().map((m) => m[1]), ['stop']);
});

test('non-bubbling events only reach the innermost handler', async (t) => {
  const { ws, root } = await started(t, { html: '<div data-t-focus="outer"><input data-t-focus="f1"></div>' });
  root.fire(fakeEvent('focus', root.firstChild.firstChild));
  await settle();
  assert.deepEqual(ws.messages(), [['ev', 'f1', { type: 'focus', value: '' }, 1]]);
});

test('elements without a binding for the event type are skipped; nothing above the root is seen', async (t) => {
  const { ws, root, doc } = await started(t, { html: '<p data-t-input="x"><b>t</b></p>' });
  doc.body.setAttribute('data-t-click', 'body-handler');
  root.setAttribute('data-t-click', 'root-handler');
  root.fire(fakeEvent('click', root.firstChild.firstChild));
  await settle();
  assert.deepEqual(ws.messages().map((m) => m[1]), ['root-handler']);
});

test('debounce: only the last event of a burst is sent, after the quiet period', async (t) => {
  const { ws, root } = await started(t, { html: '<input data-t-input="in;db=300"><input data-t-input="other;db=100">' });
  const clock = fakeClock(t);
  const [input, other] = root.childNodes;
  for (const v of ['h', 'he', 'hel']) {
    input.value = v;
    root.fire(fakeEvent('input', input));
    clock.advance(100);
  }
  other.value = 'o';
  root.fire(fakeEvent('input', other));
  input.value = 'changed after the last event';
  await settle();
  assert.equal(ws.sent.length, 0, 'nothing yet');
  clock.advance(100); // t=400: 'other' has been quiet for 100ms, 'in' for 200ms
  await settle();
  assert.deepEqual(ws.messages(), [['ev', 'other', { type: 'input', value: 'o' }, 1]]);
  clock.advance(99);
  await settle();
  assert.equal(ws.messages().length, 1);
  clock.advance(1); // t=500: 300ms after the last 'in' event
  await settle();
  assert.deepEqual(ws.messages().slice(1), [['ev', 'in', { type: 'input', value: 'hel' }, 2]],
    'the args are captured when the event fires');
  clock.advance(1000);
  await settle();
  assert.equal(ws.messages().length, 2);
});

test('throttle: the first event of a quiet period goes at once, then at most one per period', async (t) => {
  const { ws, root } = await started(t, { html: '<div data-t-mousemove="mv;th=100"></div>' });
  const clock = fakeClock(t, 1000);
  const div = root.firstChild;
  const firedAt = new Set([1000, 1050, 1099, 1120, 1150, 1260, 1261]);
  const sent = []; // [when it went, the detail of the event it carried]
  for (let now = 1000; now <= 1500; now++) {
    assert.equal(clock.now, now);
    if (firedAt.has(now)) root.fire(fakeEvent('mousemove', div, { detail: now }));
    await settle();
    for (const m of ws.messages().slice(sent.length)) sent.push([now, m[2].detail]);
    clock.advance(1);
  }
  // 1000 goes at once; the rest of each burst waits for its period to end and sends its last
  // event: 1099 at 1100, 1150 at 1200, 1261 at 1300. Never two within 100 ms.
  assert.deepEqual(sent, [[1000, 1000], [1100, 1099], [1200, 1150], [1300, 1261]]);
});

test("throttle: a burst's trailing event carries the burst's last value, captured when it fired", async (t) => {
  const { ws, root } = await started(t, { html: '<input data-t-input="in;th=100">' });
  const clock = fakeClock(t, 1000);
  const input = root.firstChild;
  const type = async (value) => {
    input.value = value;
    root.fire(fakeEvent('input', input));
    await settle();
  };
  const values = () => ws.messages().map((m) => [m[0], m[1], m[2].value]);
  await type('a'); // t=1000: the first of a quiet period goes at once
  assert.deepEqual(values(), [['ev', 'in', 'a']]);
  clock.advance(30);
  await type('ab'); // t=1030
  clock.advance(30);
  await type('abc'); // t=1060
  input.value = 'abcd, typed but not fired';
  assert.deepEqual(values(), [['ev', 'in', 'a']], 'nothing more inside the period');
  assert.deepEqual(clock.pending.map((x) => x.at), [1100], 'one trailing timer, due when the period ends');
  clock.advance(39); // t=1099
  await settle();
  assert.equal(ws.messages().length, 1);
  clock.advance(1); // t=1100
  await settle();
  assert.deepEqual(values(), [['ev', 'in', 'a'], ['ev', 'in', 'abc']]);
  clock.advance(1000);
  await settle();
  assert.equal(ws.messages().length, 2, "'ab' is never sent");
});

// --- autostart -------------------------------------------------------------------------------

test('with a window, the module installs window.Tether and starts itself', async (t) => {
  const { Tether } = await page(t, { window: true });
  assert.equal(globalThis.Tether, Tether);
  assert.equal(FakeWebSocket.instances.length, 1);
  t.after(() => { delete globalThis.Tether; });
});

test('autostart="false" on its script tag leaves starting to the page', async (t) => {
  const s = setup('');
  t.after(s.restore);
  const url = `${TETHER_URL}?instance=${nextInstance()}`;
  s.doc.querySelectorAll = (sel) => (sel === 'script[src]' ? [{ src: url, getAttribute: (n) => (n === 'autostart' ? 'false' : null) }] : []);
  FakeWebSocket.instances = [];
  stubGlobals(t, { document: s.doc, window: globalThis, location: fakeLocation('http://example.test/'), WebSocket: FakeWebSocket });
  t.after(() => { delete globalThis.Tether; });
  const mod = await import(url);
  assert.equal(globalThis.Tether, mod.default);
  assert.equal(FakeWebSocket.instances.length, 0);
  mod.default.start();
  await settle();
  assert.equal(FakeWebSocket.instances.length, 1);
});

test('while the document is loading, the start waits for DOMContentLoaded', async (t) => {
  const s = setup('');
  t.after(s.restore);
  const listeners = [];
  s.doc.readyState = 'loading';
  s.doc.addEventListener = (type, fn) => listeners.push([type, fn]);
  FakeWebSocket.instances = [];
  stubGlobals(t, { document: s.doc, window: globalThis, location: fakeLocation('http://example.test/'), WebSocket: FakeWebSocket, fetch: undefined });
  t.after(() => { delete globalThis.Tether; });
  await import(`${TETHER_URL}?instance=${nextInstance()}`);
  await settle();
  assert.equal(FakeWebSocket.instances.length, 0);
  assert.deepEqual(listeners.map((l) => l[0]), ['DOMContentLoaded']);
  listeners[0][1]();
  await settle();
  assert.equal(FakeWebSocket.instances.length, 1);
});
