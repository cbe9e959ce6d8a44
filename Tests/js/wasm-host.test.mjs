// wasm.js without the app's module: the pure parts (results of synchronous JS calls, the first
// batch that repeats the prerender, the page URL), and WasmPage driven by a stand-in module
// written in JS against the same imports, so traps, re-entrancy and broken imports are tested
// exactly. wasm-module.test.mjs runs the real module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ResultSlot, WasmExit, WasmPage, WasmRuntime, argumentsJSON, callJS, encodeResult, pageURL, repeatsPrerender,
} from '../../Sources/TetherServer/Resources/runtime/wasm.js';
import { resolveFunction } from '../../Sources/TetherServer/Resources/runtime/interop.js';
import { WasmAttribute, WasmResultKind, WasmStatus } from '../../Sources/TetherServer/Resources/runtime/protocol.js';
import { inner, setup } from './support/fake-dom.mjs';

const text = (bytes) => new TextDecoder().decode(bytes);
const json = (result) => { assert.equal(result.kind, WasmResultKind.json, text(result.bytes)); return JSON.parse(text(result.bytes)); };
const error = (result) => { assert.equal(result.kind, WasmResultKind.error, `expected an error, got kind ${result.kind}`); return text(result.bytes); };

// --- identifier resolution: the one resolver of interop.js ---------------------------------------

test('callJS resolves a dotted identifier from the root and calls it on its owner', () => {
  const root = { app: { tally: { n: 40, add(k) { this.n += k; return this.n; } } } };
  assert.equal(json(callJS('app.tally.add', '[2]', null, root)), 42);
  assert.equal(root.app.tally.n, 42);
});

test('a missing identifier fails with the very message server mode gives', () => {
  const root = { a: {} };
  let expected;
  try { resolveFunction('a.b.c', root); } catch (err) { expected = err.message; }
  assert.equal(expected, "Could not find 'a.b.c' ('b' was undefined).");
  assert.equal(error(callJS('a.b.c', '[]', null, root)), expected);
  assert.equal(error(callJS('a', '[]', null, root)), "The value 'a' is not a function.");
  assert.equal(error(callJS('', '[]', null, root)), 'The function identifier must be a non-empty string.');
});

test('the arguments must be a JSON array', () => {
  const root = { f: () => 1 };
  assert.match(error(callJS('f', '{"a":1}', null, root)), /^The arguments for 'f' are not a JSON array\.$/);
  assert.match(error(callJS('f', '[1,', null, root)), /^The arguments for 'f' are not JSON: /);
});

test('invoke_js_bytes appends its bytes after the JSON arguments, as a Uint8Array', () => {
  let seen;
  const root = { take: (...args) => { seen = args; return args.length; } };
  assert.equal(json(callJS('take', '["a",2]', new Uint8Array([1, 2, 3]), root)), 3);
  assert.equal(seen[0], 'a');
  assert.equal(seen[1], 2);
  assert.ok(seen[2] instanceof Uint8Array);
  assert.deepEqual([...seen[2]], [1, 2, 3]);
});

test('what a JS function throws is the error result, Error or not', () => {
  const root = {
    fails: () => { throw new TypeError('bad input'); },
    throwsText: () => { throw 'plain text'; },
    throwsObject: () => { throw { toString() { return 'an object'; } }; },
    throwsUnprintable: () => { throw { toString() { throw new Error('no'); } }; },
  };
  assert.equal(error(callJS('fails', '[]', null, root)), 'bad input');
  assert.equal(error(callJS('throwsText', '[]', null, root)), 'plain text');
  assert.equal(error(callJS('throwsObject', '[]', null, root)), 'an object');
  assert.equal(error(callJS('throwsUnprintable', '[]', null, root)), 'a value that cannot be shown as text was thrown');
});

// --- result kinds ------------------------------------------------------------------------------

test('a JSON result is its JSON text; undefined is null', () => {
  assert.equal(text(encodeResult({ a: [1, 'x', null] }, 'f').bytes), '{"a":[1,"x",null]}');
  assert.equal(text(encodeResult(undefined, 'f').bytes), 'null');
  assert.equal(encodeResult(undefined, 'f').kind, WasmResultKind.json);
  assert.equal(text(encodeResult('é', 'f').bytes), '"é"');
});

test('a byte array is returned as raw bytes, with no Base64: Uint8Array, ArrayBuffer, and a view of part of a buffer', () => {
  const u8 = encodeResult(new Uint8Array([0, 255, 7]), 'f');
  assert.equal(u8.kind, WasmResultKind.bytes);
  assert.deepEqual([...u8.bytes], [0, 255, 7]);
  assert.deepEqual([...encodeResult(new Uint8Array([9, 8]).buffer, 'f').bytes], [9, 8]);
  const whole = new Uint8Array([1, 2, 3, 4, 5]);
  assert.deepEqual([...encodeResult(new DataView(whole.buffer, 1, 3), 'f').bytes], [2, 3, 4]);
  // A copy: the function may reuse its buffer after returning.
  const source = new Uint8Array([1]);
  const result = encodeResult(source, 'f');
  source[0] = 2;
  assert.equal(result.bytes[0], 1);
});

test('a value JSON cannot carry is a precise error, not a crash', () => {
  const cyclic = {}; cyclic.self = cyclic;
  assert.match(error(encodeResult(cyclic, 'make')), /^The result of 'make' is not JSON: .*circular/i);
  assert.match(error(encodeResult(10n, 'big')), /^The result of 'big' is not JSON: .*BigInt/);
  assert.equal(error(encodeResult(() => 1, 'fn')), "The result of 'fn' is a function, which JSON cannot carry.");
  assert.equal(error(encodeResult(Symbol('s'), 'sym')), "The result of 'sym' is a symbol, which JSON cannot carry.");
  assert.match(error(encodeResult({ data: new Uint8Array(2) }, 'nested')), /^The result of 'nested' is not JSON: it holds a byte array/);
  const hostile = { get boom() { throw new Error('getter says no'); } };
  assert.equal(error(encodeResult(hostile, 'h')), "The result of 'h' is not JSON: getter says no.");
});

test('a Promise is an error that says the call is synchronous, and its rejection stays handled', async () => {
  let unhandled = 0;
  const onUnhandled = () => { unhandled++; };
  process.on('unhandledRejection', onUnhandled);
  try {
    const root = { later: () => Promise.reject(new Error('too late')) };
    assert.match(error(callJS('later', '[]', null, root)), /^'later' returned a Promise, which a synchronous call cannot wait for/);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(unhandled, 0);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('the result slot returns its length, copies into memory at the pointer, and keeps its kind', () => {
  const slot = new ResultSlot();
  const memory = new ArrayBuffer(64);
  assert.equal(slot.set(encodeResult([1, 2], 'f')), 5);
  slot.take(memory, 10);
  assert.equal(text(new Uint8Array(memory, 10, 5)), '[1,2]');
  assert.equal(slot.kind, WasmResultKind.json);
  assert.equal(slot.set(encodeResult(new Uint8Array([7]), 'f')), 1);
  assert.equal(slot.kind, WasmResultKind.bytes);
  // A pointer past the end of memory is the module's bug: it throws, and WasmPage breaks the page.
  slot.set(encodeResult('abc', 'f'));
  assert.throws(() => slot.take(memory, 62), RangeError);
});

test('JS→Swift arguments are JSON, and say precisely why not', () => {
  assert.equal(argumentsJSON('M.m', [1, 'a', { b: null }]), '[1,"a",{"b":null}]');
  const cyclic = []; cyclic.push(cyclic);
  assert.throws(() => argumentsJSON('M.m', [cyclic]), /^Error: M\.m: the arguments are not JSON: .*circular/i);
  assert.throws(() => argumentsJSON('M.m', [new Uint8Array(1)]), { message: 'M.m: the arguments are not JSON: a byte array cannot be an argument in WebAssembly mode' });
});

// --- the first batch ---------------------------------------------------------------------------

test('the first batch is skipped when the root already shows its markup, even spelled differently', (t) => {
  const { root, restore } = setup('<h1>Counter</h1><p class="x">Current count: <span id="count">0</span></p>');
  t.after(restore);
  assert.ok(repeatsPrerender(root, [[7, [], "<h1>Counter</h1><p class=x>Current count: <span id='count'>0</span></p>"]]));
  assert.ok(!repeatsPrerender(root, [[7, [], '<h1>Counter</h1><p class="x">Current count: <span id="count">1</span></p>']]));
  assert.ok(!repeatsPrerender(root, [[7, [0], '<h1>Counter</h1>']]), 'not at the root');
  assert.ok(!repeatsPrerender(root, [[3, [], 'x']]), 'not replaceChildren');
  assert.ok(!repeatsPrerender(root, []), 'no edit');
  assert.ok(!repeatsPrerender(root, [[7, [], inner(root)], [7, [], inner(root)]]), 'two edits');
  assert.ok(!repeatsPrerender(root, 'not an array'));
});

test('the page URL is the browser path without the mount path, with the query', () => {
  assert.equal(pageURL('/wasm/counter', ''), '/wasm/counter');
  assert.equal(pageURL('/wasm/counter', '?x=1'), '/wasm/counter?x=1');
  assert.equal(pageURL('/app/wasm/counter', '?x=1', '/app'), '/wasm/counter?x=1');
  assert.equal(pageURL('/app', '', '/app'), '/');
  assert.equal(pageURL('/application', '', '/app'), '/application', 'a prefix of a segment is not the mount');
});

// --- WasmPage against a stand-in module ----------------------------------------------------------

/** A log that keeps its lines. */
function recordingLog() {
  const lines = [];
  const log = {};
  for (const level of ['trace', 'debug', 'info', 'warning', 'error']) log[level] = (...args) => lines.push([level, args.join(' ')]);
  return { log, lines };
}

/**
 * A stand-in for the app's module, in JS: linear memory with a bump allocator, and exports that
 * call the page's imports as the Swift module does. `behaviour` supplies start/dispatch/invoke,
 * each given (module, ...decoded strings).
 */
function standIn(page, behaviour) {
  const memory = new WebAssembly.Memory({ initial: 4 });
  const imports = page.imports(realModule([
    ['tether', 'apply_edits'], ['tether', 'return_value'], ['tether', 'log'], ['tether', 'invoke_js'],
    ['tether', 'invoke_js_bytes'], ['tether', 'take_result'], ['tether', 'result_kind'], ['tether', 'set_head'],
    ['wasi_snapshot_preview1', 'fd_write'], ['wasi_snapshot_preview1', 'proc_exit'],
  ]));
  let next = 1024;
  const freed = [];
  const mod = {
    imports,
    freed,
    alloc(len) { const p = next; next += len + 8; return p; },
    write(s) {
      const bytes = new TextEncoder().encode(s);
      const p = mod.alloc(bytes.length);
      new Uint8Array(memory.buffer, p, bytes.length).set(bytes);
      return [p, bytes.length];
    },
    read(p, n) { return new TextDecoder().decode(new Uint8Array(memory.buffer, p, n)); },
    applyEdits(edits) { imports.tether.apply_edits(...mod.write(JSON.stringify(edits))); },
    returnValue(s) { imports.tether.return_value(...mod.write(s)); },
    /** Calls a JS function as Swift's invokeSync does: the result's kind and text. */
    invokeJS(identifier, args, bytes = null) {
      const n = bytes
        ? imports.tether.invoke_js_bytes(...mod.write(identifier), ...mod.write(JSON.stringify(args)), ...mod.writeBytes(bytes))
        : imports.tether.invoke_js(...mod.write(identifier), ...mod.write(JSON.stringify(args)));
      const p = mod.alloc(n);
      imports.tether.take_result(p);
      return { kind: imports.tether.result_kind(), text: mod.read(p, n) };
    },
    writeBytes(bytes) {
      const p = mod.alloc(bytes.length);
      new Uint8Array(memory.buffer, p, bytes.length).set(bytes);
      return [p, bytes.length];
    },
  };
  page.exports = {
    memory,
    tether_alloc: (len) => mod.alloc(len),
    tether_free: (p) => { freed.push(p); },
    tether_start: (p, n) => behaviour.start(mod, mod.read(p, n)),
    tether_dispatch: (ip, il, ap, al) => behaviour.dispatch(mod, mod.read(ip, il), JSON.parse(mod.read(ap, al))),
    tether_invoke: (np, nl, ap, al) => behaviour.invoke(mod, mod.read(np, nl), JSON.parse(mod.read(ap, al))),
  };
  return mod;
}

/** The bytes of a real wasm module that imports `imports` ([module, name] pairs, each a
 * function of no parameters) and exports nothing. */
function moduleBytes(imports) {
  const leb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
  const name = (s) => { const b = [...new TextEncoder().encode(s)]; return [...leb(b.length), ...b]; };
  const section = (id, content) => [id, ...leb(content.length), ...content];
  const entries = imports.flatMap(([m, n]) => [...name(m), ...name(n), 0x00, 0x00]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x00, 0x00]),
    ...section(2, [...leb(imports.length), ...entries]),
  ]);
}

function realModule(imports) { return new WebAssembly.Module(moduleBytes(imports)); }

/** A page whose stand-in module renders a counter: start sends `first`, a click on handler "h1"
 * counts up and sends the setText edit. */
function counterPage(t, prerendered, first) {
  const { root, doc, restore } = setup(prerendered);
  t.after(restore);
  const { log, lines } = recordingLog();
  const broken = [];
  const page = new WasmPage(root, { log, globals: {}, onBroken: (m) => broken.push(m) });
  let count = 0;
  const calls = [];
  const mod = standIn(page, {
    start(m, url) { calls.push(['start', url]); m.applyEdits([[7, [], first]]); return WasmStatus.ok; },
    dispatch(m, id, args) {
      calls.push(['dispatch', id, args]);
      if (id !== 'h1') return WasmStatus.notFound;
      count += 1;
      m.applyEdits([[3, [0, 0, 0], String(count)]]);
      return WasmStatus.ok;
    },
    invoke(m, name, args) {
      calls.push(['invoke', name, args]);
      if (name === 'Demo.Add') { m.returnValue(JSON.stringify(args[0] + args[1])); return WasmStatus.ok; }
      m.returnValue(`No method ${name}.`);
      return WasmStatus.notFound;
    },
  });
  return { root, doc, page, mod, calls, lines, broken };
}

const COUNTER = '<p><span id="count">0</span></p><button data-t-click="h1">+</button>';

test('start: a first batch that repeats the prerender keeps the prerendered nodes', (t) => {
  const { root, page, calls } = counterPage(t, COUNTER, COUNTER);
  const span = root.firstChild.firstChild;
  page.start('/wasm/counter');
  assert.deepEqual(calls, [['start', '/wasm/counter']]);
  assert.equal(root.firstChild.firstChild, span, 'the same node');
  assert.equal(inner(root), COUNTER);
  assert.ok(page.started);
});

test('start: a first batch that differs from the prerender replaces it', (t) => {
  const { root, page } = counterPage(t, '<p>stale</p>', COUNTER);
  page.start('/wasm/counter');
  assert.equal(inner(root), COUNTER);
});

test('start: only the first batch may be skipped', (t) => {
  const { root, page, mod } = counterPage(t, COUNTER, COUNTER);
  page.start('/wasm/counter');
  root.firstChild.firstChild.firstChild.data = 'edited by hand';
  page.exports.tether_dispatch = () => { mod.applyEdits([[7, [], COUNTER]]); return WasmStatus.ok; };
  page.dispatch('h1', {});
  assert.equal(inner(root), COUNTER);
});

test('dispatch passes the handler id and the event args, and applies the edits the module sends', (t) => {
  const { root, page, calls, mod } = counterPage(t, COUNTER, COUNTER);
  page.start('/wasm/counter');
  page.dispatch('h1', { type: 'click', button: 0 });
  page.dispatch('h1', { type: 'click', button: 0 });
  assert.deepEqual(calls.slice(1), [['dispatch', 'h1', { type: 'click', button: 0 }], ['dispatch', 'h1', { type: 'click', button: 0 }]]);
  assert.equal(root.firstChild.textContent, '2');
  assert.equal(mod.freed.length, 0, 'the strings JS passes in go through one scratch buffer, kept between calls');
});

test('an unknown handler is logged, and the page goes on', (t) => {
  const { root, page, lines } = counterPage(t, COUNTER, COUNTER);
  page.start('/wasm/counter');
  page.dispatch('gone', {});
  assert.ok(lines.some(([level, line]) => level === 'debug' && line.includes('no handler gone')), JSON.stringify(lines));
  page.dispatch('h1', {});
  assert.equal(root.firstChild.textContent, '1');
  assert.equal(page.broken, null);
});

test('a trap marks the root broken, shows the error bar once, and stops dispatch without throwing', (t) => {
  const { root, page, calls, lines, broken } = counterPage(t, COUNTER, COUNTER);
  page.start('/wasm/counter');
  page.exports.tether_dispatch = () => { calls.push(['trapping']); throw new WebAssembly.RuntimeError('unreachable'); };
  assert.doesNotThrow(() => page.dispatch('h1', {}));
  assert.equal(root.getAttribute(WasmAttribute.broken), 'it trapped: unreachable');
  assert.ok(lines.some(([level, line]) => level === 'error' && line.includes('stopped: it trapped: unreachable')));
  assert.equal(broken.length, 1);
  for (let i = 0; i < 5; i++) page.dispatch('h1', {});
  assert.equal(calls.filter(([c]) => c === 'trapping').length, 1, 'never called again');
  assert.throws(() => page.invoke('Demo.Add', '[1,2]'), /has stopped \(it trapped: unreachable\); reload the page/);
  assert.equal(broken.length, 1);
});

test('proc_exit ends the page like a trap', (t) => {
  const { root, page, mod } = counterPage(t, COUNTER, COUNTER);
  page.start('/wasm/counter');
  page.exports.tether_dispatch = () => mod.imports.wasi_snapshot_preview1.proc_exit(3);
  page.dispatch('h1', {});
  assert.equal(root.getAttribute(WasmAttribute.broken), 'the module exited with status 3');
  assert.ok(new WasmExit(3) instanceof Error);
});

test('an edit that cannot be applied breaks the page after the call, without unwinding the module', (t) => {
  const { root, page, mod } = counterPage(t, COUNTER, COUNTER);
  page.start('/wasm/counter');
  let returnedNormally = false;
  page.exports.tether_dispatch = () => {
    mod.applyEdits([[3, [9, 9], 'x']]);
    returnedNormally = true;
    return WasmStatus.ok;
  };
  page.dispatch('h1', {});
  assert.ok(returnedNormally, 'the import did not throw into the module');
  assert.match(root.getAttribute(WasmAttribute.broken), /render path \[9,9\] does not exist/);
});

test('a batch that is not JSON breaks the page too', (t) => {
  const { root, page, mod } = counterPage(t, COUNTER, COUNTER);
  page.start('/wasm/counter');
  page.exports.tether_dispatch = () => { mod.imports.tether.apply_edits(...mod.write('[[3,')); return WasmStatus.ok; };
  page.dispatch('h1', {});
  assert.match(root.getAttribute(WasmAttribute.broken), /^SyntaxError: /);
});

test('an event during a call into the module waits for it, then runs', (t) => {
  const { root, page, calls, mod } = counterPage(t, COUNTER, COUNTER);
  page.start('/wasm/counter');
  const original = page.exports.tether_dispatch;
  let depth = 0;
  let deepest = 0;
  page.exports.tether_dispatch = (...args) => {
    depth += 1;
    deepest = Math.max(deepest, depth);
    // As a blur would, fired by an edit while the module is inside this call.
    if (calls.length === 1) page.dispatch('h1', { type: 'blur' });
    const status = original(...args);
    depth -= 1;
    return status;
  };
  page.dispatch('h1', { type: 'click' });
  assert.equal(deepest, 1, 'never re-entered');
  assert.deepEqual(calls.slice(1).map((c) => c[2].type), ['click', 'blur']);
  assert.equal(root.firstChild.textContent, '2');
  void mod;
});

test('Swift calling JS that calls Swift back is refused with a precise error, and the module goes on', (t) => {
  const { page, mod } = counterPage(t, COUNTER, COUNTER);
  page.start('/wasm/counter');
  page.globals.callBack = () => page.invoke('Demo.Add', '[1,2]');
  let seen;
  page.exports.tether_dispatch = () => { seen = mod.invokeJS('callBack', []); return WasmStatus.ok; };
  page.dispatch('h1', {});
  assert.equal(seen.kind, WasmResultKind.error);
  assert.match(seen.text, /already running: Swift cannot be called from a JS function it is calling/);
  assert.equal(page.broken, null);
});

test('invoke_js and invoke_js_bytes through the imports: result in the slot, read back with take_result and result_kind', (t) => {
  const { page, mod } = counterPage(t, COUNTER, COUNTER);
  page.globals.lib = { join: (a, b) => `${a}${b}`, reverse: (tag, bytes) => new Uint8Array([...bytes].reverse().concat([tag])), nothing: () => undefined };
  const results = [];
  page.exports.tether_dispatch = () => {
    results.push(mod.invokeJS('lib.join', ['a', 'é']));
    results.push(mod.invokeJS('lib.nothing', []));
    results.push(mod.invokeJS('lib.missing', []));
    const bytes = mod.invokeJS('lib.reverse', [9], new Uint8Array([1, 2, 3]));
    results.push({ kind: bytes.kind, bytes: [...new TextEncoder().encode(bytes.text)] });
    return WasmStatus.ok;
  };
  page.start = () => {};
  page.dispatch('x', {});
  assert.deepEqual(results, [
    { kind: WasmResultKind.json, text: '"aé"' },
    { kind: WasmResultKind.json, text: 'null' },
    { kind: WasmResultKind.error, text: "Could not find 'lib.missing' ('missing' was undefined)." },
    { kind: WasmResultKind.bytes, bytes: [3, 2, 1, 9] },
  ]);
});

test('invoke returns the decoded result, and throws the module\'s message otherwise', (t) => {
  const { page, mod } = counterPage(t, COUNTER, COUNTER);
  page.start('/wasm/counter');
  assert.equal(page.invoke('Demo.Add', '[2,3]'), 5);
  assert.throws(() => page.invoke('Demo.Nope', '[]'), { message: 'No method Demo.Nope.' });
  page.exports.tether_invoke = () => WasmStatus.ok;
  assert.throws(() => page.invoke('Demo.Silent', '[]'), /did not call return_value/);
  page.exports.tether_invoke = () => { mod.returnValue('{not json'); return WasmStatus.ok; };
  assert.throws(() => page.invoke('Demo.Bad', '[]'), /returned text that is not JSON/);
  page.exports.tether_invoke = () => WasmStatus.failed;
  assert.throws(() => page.invoke('Demo.Quiet', '[]'), { message: 'Demo.Quiet failed: failed' });
  assert.equal(page.broken, null, 'a failed method does not break the page');
});

test('Tether.invokeMethod and invokeMethodAsync', async (t) => {
  const { page } = counterPage(t, COUNTER, COUNTER);
  const runtime = new WasmRuntime();
  assert.throws(() => runtime.invokeMethod('Demo', 'Add', 1, 2), /has not started; await Tether.ready first/);
  page.start('/wasm/counter');
  runtime.page = page;
  assert.equal(runtime.invokeMethod('Demo', 'Add', 1, 2), 3);
  assert.equal(await runtime.invokeMethodAsync('Demo', 'Add', 4, 5), 9);
  await assert.rejects(runtime.invokeMethodAsync('Demo', 'Nope'), { message: 'No method Demo.Nope.' });
  assert.throws(() => runtime.invokeMethod('Demo', ''), /needs a module name and a method name/);
  assert.throws(() => runtime.invokeMethod('Demo', 'Add', 10n), /Demo\.Add: the arguments are not JSON: .*BigInt/);
});

test('a start the module refuses breaks the page and says which URL', (t) => {
  const { root, page } = counterPage(t, COUNTER, COUNTER);
  page.exports.tether_start = () => WasmStatus.notFound;
  assert.throws(() => page.start('/wasm/nothing'), { message: 'the module has no page at /wasm/nothing' });
  assert.equal(root.getAttribute(WasmAttribute.broken), 'Error: the module has no page at /wasm/nothing');
});

// --- imports and loading -----------------------------------------------------------------------

test('imports: every ABI function is provided; an unknown WASI function links and throws when called; anything else is refused at load', (t) => {
  const { root, restore } = setup('');
  t.after(restore);
  const page = new WasmPage(root, { log: recordingLog().log });
  const imports = page.imports(realModule([['tether', 'apply_edits'], ['wasi_snapshot_preview1', 'path_open']]));
  for (const name of ['apply_edits', 'return_value', 'log', 'invoke_js', 'invoke_js_bytes', 'take_result', 'result_kind', 'set_head']) {
    assert.equal(typeof imports.tether[name], 'function', name);
  }
  assert.throws(() => imports.wasi_snapshot_preview1.path_open(), { message: 'the module called wasi_snapshot_preview1.path_open, which wasm.js does not provide' });
  assert.throws(() => page.imports(realModule([['tether', 'set_title']])), /imports tether\.set_title, which this runtime does not provide/);
  assert.throws(() => page.imports(realModule([['env', 'memcpy']])), /imports env\.memcpy \(function\); a Tether module imports only from 'tether' and 'wasi_snapshot_preview1'/);
});

test('load: a module without the ABI exports is refused, naming the first one missing', async (t) => {
  const { root, restore } = setup('');
  t.after(restore);
  const page = new WasmPage(root, { log: recordingLog().log });
  await assert.rejects(page.load(moduleBytes([])), { message: "the module does not export 'memory'" });
  await assert.rejects(
    page.load(Promise.resolve(new Response('no wasm module at /_tether/wasm/X.wasm', { status: 404 }))),
    /could not load the WebAssembly module .*: 404 \(no wasm module at \/_tether\/wasm\/X\.wasm\)/);
});

test('WASI: fd_write prints whole lines, stderr as errors; random_get fills memory', (t) => {
  const { page, mod, lines } = counterPage(t, COUNTER, COUNTER);
  const wasi = page.wasiImports();
  const memory = page.memory.buffer;
  const write = (fd, parts) => {
    const view = new DataView(memory);
    const iovs = mod.alloc(parts.length * 8);
    parts.forEach((s, i) => { const [p, n] = mod.write(s); view.setUint32(iovs + i * 8, p, true); view.setUint32(iovs + i * 8 + 4, n, true); });
    const written = mod.alloc(4);
    assert.equal(wasi.fd_write(fd, iovs, parts.length, written), 0);
    return view.getUint32(written, true);
  };
  assert.equal(write(1, ['hel', 'lo\nwor']), 9);
  // "é" split between two writes is still one character.
  const view = new DataView(memory);
  const iov = mod.alloc(8); const written = mod.alloc(4);
  for (const byte of [0xc3, 0xa9]) {
    const p = mod.writeBytes(new Uint8Array([byte]));
    view.setUint32(iov, p[0], true); view.setUint32(iov + 4, 1, true);
    wasi.fd_write(1, iov, 1, written);
  }
  assert.deepEqual(lines, [['info', 'hello']]);
  write(2, ['Fatal error: x\n']);
  assert.deepEqual(lines.at(-1), ['error', 'Fatal error: x']);
  page.console.flush();
  assert.deepEqual(lines.at(-1), ['info', 'woré']);
  assert.equal(wasi.fd_write(5, 0, 0, 0), 8, 'EBADF for any other descriptor');
  const p = mod.alloc(100_000);
  assert.equal(wasi.random_get(p, 100_000), 0);
  assert.ok(new Uint8Array(memory, p, 100_000).some((b) => b !== 0));
  assert.equal(wasi.fd_seek(1, 0n, 0, 0), 70, 'ESPIPE');
  assert.equal(wasi.fd_close(1), 0);
});

test('set_head: the title and the marked head elements, as a render batch carries them in server mode', (t) => {
  const { page, mod, doc } = counterPage(t, COUNTER, COUNTER);
  doc.title = 'Counter (0)';
  doc.head = doc.createElement('head');
  doc.documentElement.insertBefore(doc.head, doc.body);
  page.exports.tether_dispatch = () => {
    mod.imports.tether.set_head(...mod.write('Counter (1)'), ...mod.write('<meta name="x" content="1" data-tether-head>'));
    return WasmStatus.ok;
  };
  page.dispatch('h1', {});
  assert.equal(doc.title, 'Counter (1)');
  assert.equal(inner(doc.head), '<meta name="x" content="1" data-tether-head>');
  page.exports.tether_dispatch = () => { mod.imports.tether.set_head(0, 0, ...mod.write('')); return WasmStatus.ok; };
  page.dispatch('h1', {});
  assert.equal(doc.title, 'Counter (1)', 'a title of (0, 0) is left alone');
  assert.equal(inner(doc.head), '');
  assert.equal(page.broken, null);
});
