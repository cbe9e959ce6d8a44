// protocol.js is the one home of the wire vocabulary on the JS side. These tests hold it to its
// format rule (each entry `name: value,` on a line of its own, which a Swift test parses with a
// regular expression), and hold every other module to using it rather than spelling a wire value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as protocol from '../../Sources/TetherServer/Resources/runtime/protocol.js';
import { RUNTIME_DIR } from './support/paths.mjs';

const SOURCE = readFileSync(new URL('protocol.js', RUNTIME_DIR), 'utf8');
const TABLES = [
  'MessageKind', 'EditCode', 'ResultMode', 'ObjectOperation', 'CallTarget', 'Marker', 'CloseCode',
  'BehaviourAttribute', 'ClientCommandName', 'StateEffectKind', 'ConnectionClass',
  'WasmStatus', 'WasmResultKind', 'WasmLogLevel', 'WasmExport', 'WasmImport', 'WasmImportModule', 'WasmAttribute', 'WasmQuery',
];

/** The lines between `export const NAME = Object.freeze(` and the `);` that ends it. */
function body(name) {
  const m = new RegExp(`^export const ${name} = Object\\.freeze\\([\\[{]\\n([\\s\\S]*?)^[\\]}]\\);$`, 'm').exec(SOURCE);
  assert.ok(m, `protocol.js declares ${name} as Object.freeze({ … }) or Object.freeze([ … ])`);
  return m[1].split('\n').filter((line) => line.trim() !== '');
}

test('protocol.js exports exactly the vocabulary tables, each frozen', () => {
  assert.deepEqual(Object.keys(protocol).sort(), [...TABLES, 'EventNames'].sort());
  for (const [name, table] of Object.entries(protocol)) assert.ok(Object.isFrozen(table), name);
});

for (const name of TABLES) {
  test(`${name}: every line is "name: value," and the lines are the table`, () => {
    const parsed = {};
    for (const line of body(name)) {
      const m = /^\s+([A-Za-z]\w*): ('([^'\\]*)'|\d+),$/.exec(line);
      assert.ok(m, `${name}: a line a regular expression cannot read: ${JSON.stringify(line)}`);
      parsed[m[1]] = m[3] !== undefined ? m[3] : Number(m[2]);
    }
    assert.deepEqual(parsed, { ...protocol[name] });
  });
}

test('EventNames: every line is one quoted name, and the lines are the list', () => {
  const parsed = body('EventNames').map((line) => {
    const m = /^\s+'([a-z]+)',$/.exec(line);
    assert.ok(m, `EventNames: a line a regular expression cannot read: ${JSON.stringify(line)}`);
    return m[1];
  });
  assert.deepEqual(parsed, [...protocol.EventNames]);
});

test('no two names in a table share a value', () => {
  for (const name of [...TABLES, 'EventNames']) {
    const values = Object.values(protocol[name]);
    assert.equal(new Set(values).size, values.length, name);
  }
});

test('the names and values are the ones the server speaks today', () => {
  assert.deepEqual({ ...protocol.MessageKind }, {
    start: 'start', resume: 'resume', end: 'end', event: 'ev', callCompleted: 'done', invoke: 'inv',
    acknowledge: 'ack', releaseObject: 'rel', navigate: 'nav', pause: 'pause', drained: 'drained', render: 'r', call: 'c',
    invocationResult: 'res', protocolError: 'err', navigateTo: 'go', disposeJSObject: 'djs',
    fatal: 'fatal', rejected: 'rejected', shutdown: 'bye', configure: 'cfg', drain: 'drain', eventHandled: 'evd',
  });
  assert.deepEqual({ ...protocol.BehaviourAttribute }, {
    clientCommandsPrefix: 'data-t-js-', loading: 'data-t-loading', offline: 'data-t-offline', dirty: 'data-t-dirty',
  });
  assert.deepEqual(Object.keys(protocol.ClientCommandName), [
    'show', 'hide', 'toggle', 'addClass', 'removeClass', 'toggleClass', 'setAttribute', 'removeAttribute', 'dispatch', 'focus',
  ]);
  assert.deepEqual({ ...protocol.StateEffectKind }, { addClass: 'class', setAttribute: 'attr', show: 'show', hide: 'hide' });
  assert.deepEqual({ ...protocol.ConnectionClass }, { connected: 'tether-connected', disconnected: 'tether-disconnected' });
  assert.deepEqual({ ...protocol.EditCode }, {
    replaceNode: 0, insertNode: 1, removeNode: 2, setText: 3, setAttribute: 4, removeAttribute: 5,
    moveChild: 6, replaceChildren: 7,
  });
  assert.deepEqual({ ...protocol.ResultMode }, { json: 0, void: 1, objectReference: 2, stream: 3 });
  assert.deepEqual({ ...protocol.ObjectOperation }, { call: 0, get: 1, set: 2, construct: 3, importModule: 4 });
  assert.deepEqual({ ...protocol.WasmStatus }, { ok: 0, notFound: 1, badArguments: 2, failed: 3 });
  assert.deepEqual({ ...protocol.WasmResultKind }, { json: 0, bytes: 1, error: 2 });
  assert.deepEqual({ ...protocol.WasmLogLevel }, { debug: 0, info: 1, warning: 2, error: 3 });
  assert.deepEqual(Object.values(protocol.WasmExport), ['memory', 'tether_alloc', 'tether_free', 'tether_start', 'tether_dispatch', 'tether_invoke']);
  assert.deepEqual(Object.values(protocol.WasmImport), ['apply_edits', 'return_value', 'log', 'invoke_js', 'invoke_js_bytes', 'take_result', 'result_kind', 'set_head']);
  assert.deepEqual({ ...protocol.WasmImportModule }, { tether: 'tether', wasi: 'wasi_snapshot_preview1' });
  assert.deepEqual({ ...protocol.WasmAttribute }, { module: 'data-tether-wasm', moduleVersion: 'data-tether-wasm-version', broken: 'data-tether-broken' });
  assert.deepEqual({ ...protocol.WasmQuery }, { version: 'v' });
  assert.deepEqual({ ...protocol.Marker }, {
    swiftObject: '__tetherObject', jsObject: '__tetherJSObject', bytes: '__tetherBytes',
    swiftStream: '__tetherStream', jsStream: '__tetherJSStream', element: '__tetherElement',
  });
});

// --- the other modules use the names ---------------------------------------------------------

/** A module's code without its comments, which may name wire values to explain them. */
function code(name) {
  return readFileSync(new URL(name, RUNTIME_DIR), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
}

const OTHERS = readdirSync(new URL(RUNTIME_DIR)).filter((n) => n.endsWith('.js') && n !== 'protocol.js');

test('no other module spells a marker key', () => {
  for (const name of OTHERS) assert.doesNotMatch(code(name), /__tether/, name);
});

test('no other module switches on a bare number', () => {
  for (const name of OTHERS) assert.doesNotMatch(code(name), /\bcase\s+-?\d+\s*:/, name);
});

test('no other module starts a message with a bare kind', () => {
  const kinds = Object.values(protocol.MessageKind).join('|');
  const bareHead = new RegExp(`\\[\\s*\\[?\\s*['"](${kinds})['"]`);
  const bareCase = new RegExp(`\\bcase\\s+['"](${kinds})['"]`);
  for (const name of OTHERS) {
    assert.doesNotMatch(code(name), bareHead, name);
    assert.doesNotMatch(code(name), bareCase, name);
  }
});
