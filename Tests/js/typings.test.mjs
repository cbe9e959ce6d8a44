// tether.d.ts, the typings of the runtime for TypeScript users, declares exactly what the runtime
// has: every member of the Tether global and of the references it hands out, every start option it
// reads, every connection state, log level, initializer hook and document event. A member added to
// the runtime without its declaration, or a declaration left behind by a removed member, fails
// here. The .d.ts is read with plain regular expressions (one member a line, two-space indent),
// which is how it is written; tsc, when installed, type-checks a usage sample against it too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Tether from '../../Sources/TetherServer/Resources/runtime/tether.js';
import { JSInterop } from '../../Sources/TetherServer/Resources/runtime/interop.js';
import { Marker } from '../../Sources/TetherServer/Resources/runtime/protocol.js';
import { ConnectionState } from '../../Sources/TetherServer/Resources/runtime/circuit.js';
import { LogLevel } from '../../Sources/TetherServer/Resources/runtime/log.js';
import { WasmRuntime } from '../../Sources/TetherServer/Resources/runtime/wasm.js';
import { ReconnectState } from '../../Sources/TetherServer/Resources/runtime/reconnect.js';
import { RUNTIME_DIR, TETHER_URL } from './support/paths.mjs';

const TYPINGS_URL = new URL('tether.d.ts', RUNTIME_DIR);
const TYPINGS = readFileSync(TYPINGS_URL, 'utf8');
const SOURCES = readdirSync(new URL(RUNTIME_DIR))
  .filter((name) => name.endsWith('.js'))
  .map((name) => readFileSync(new URL(name, RUNTIME_DIR), 'utf8')
    // Comments mention options and events too; only code counts as reading them.
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1'))
  .join('\n');

/** The body of `interface NAME { … }` (exported or inside `declare global`). */
function interfaceBody(name) {
  const match = TYPINGS.match(new RegExp(`^( *)(?:export )?interface ${name} \\{\\n([\\s\\S]*?)^\\1\\}`, 'm'));
  assert.ok(match, `tether.d.ts declares no interface ${name}`);
  return { indent: match[1].length + 2, body: match[2] };
}

/** The member names an interface declares, sorted; its index signature is not a name. */
function declared(name) {
  const { indent, body } = interfaceBody(name);
  const member = new RegExp(`^ {${indent}}(?:readonly )?(?:'([^']+)'|(\\w+))\\??\\s*[(:<]`, 'gm');
  return [...body.matchAll(member)].map((m) => m[1] ?? m[2]).sort();
}

/** The string literals of `type NAME = 'a' | 'b' …;`, sorted. */
function unionOf(name) {
  const match = TYPINGS.match(new RegExp(`^export type ${name} =([^;]*);`, 'm'));
  assert.ok(match, `tether.d.ts declares no type ${name}`);
  return [...match[1].matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
}

/** What a page can reach on an object: own and inherited properties, methods and getters, without
 * the constructor and the underscored fields the runtime keeps for itself. */
function members(object) {
  const names = new Set();
  for (let o = object; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) names.add(name);
  }
  return [...names].filter((name) => name !== 'constructor' && !name.startsWith('_')).sort();
}

test('the typings declare tether.js\'s exports: the default export, Tether, and nothing else', async () => {
  const exported = Object.keys(await import(TETHER_URL)).sort();
  const values = [...TYPINGS.matchAll(/^export (?:declare )?(?:const|let|var|function|class) (\w+)/gm)].map((m) => m[1]);
  if (/^export default Tether;$/m.test(TYPINGS)) values.push('default');
  assert.deepEqual(values.sort(), exported);
  assert.match(TYPINGS, /^declare const Tether: TetherRuntime;$/m, 'the default export is the runtime');
});

test('the typings make Tether a global, as the browser sees it', () => {
  assert.match(interfaceBody('Window').body, /^ {4}Tether: TetherRuntime;$/m);
  assert.match(TYPINGS, /^ {2}var Tether: TetherRuntime;$/m);
});

test('TetherRuntime declares every member of the Tether global, and no more', () => {
  assert.deepEqual(declared('TetherRuntime'), members(Tether));
});

test('TetherWasmRuntime declares every member of a WebAssembly page\'s Tether global, and no more', () => {
  assert.deepEqual(declared('TetherWasmRuntime'), members(new WasmRuntime()));
});

test('TetherFiles declares Tether.files', () => {
  assert.deepEqual(declared('TetherFiles'), members(Tether.files));
});

test('the references JS makes for Swift have the declared fields', () => {
  assert.deepEqual(declared('TetherJSObjectReference'), Object.keys(Tether.createJSObjectReference({})).sort());
  assert.deepEqual(declared('TetherJSStreamReference'), Object.keys(Tether.createJSStreamReference(new Uint8Array(3))).sort());
  assert.deepEqual(declared('TetherJSObjectReference'), [Marker.jsObject]);
  assert.deepEqual(declared('TetherJSStreamReference'), [Marker.jsStream, 'length'].sort());
});

test('the Swift objects and streams JS receives have the declared members', () => {
  const interop = new JSInterop();
  const circuit = { invokeSwift: () => Promise.resolve(null), post: () => {}, openStreams: 0 };
  const object = interop.revive({ [Marker.swiftObject]: 1 }, circuit);
  const stream = interop.revive({ [Marker.swiftStream]: 2, length: 3 }, circuit);
  // toJSON is how the proxy travels back to Swift inside JSON.stringify, not a method to call.
  assert.deepEqual(declared('TetherSwiftObjectReference'), members(object).filter((name) => name !== 'toJSON'));
  assert.deepEqual(declared('TetherSwiftStreamReference'), members(stream));
});

test('TetherStartOptions declares every option the runtime reads, and no more', () => {
  const read = new Set([...SOURCES.matchAll(/\boptions\??\.(\w+)/g)].map((m) => m[1]));
  assert.deepEqual(declared('TetherStartOptions'), [...read].sort());
});

test('every nested option the typings declare is read by the runtime', () => {
  for (const name of ['TetherReconnectionOptions', 'TetherReconnectionHandler', 'TetherAutoPauseOptions']) {
    for (const option of declared(name)) {
      assert.match(SOURCES, new RegExp(`\\.${option}\\b`), `${name}.${option} is declared but the runtime never reads it`);
    }
  }
});

test('the connection states and log levels are the runtime\'s', () => {
  assert.deepEqual(unionOf('TetherConnectionState'), Object.values(ConnectionState).sort());
  assert.deepEqual(unionOf('TetherLogLevel'), Object.keys(LogLevel).sort());
});

test('TetherInitializer declares the hooks the runtime calls', () => {
  const hooks = [...SOURCES.matchAll(/\brunHook\([^,]+,\s*'(\w+)'/g)].map((m) => m[1]);
  assert.deepEqual(declared('TetherInitializer'), hooks.sort());
});

test('DocumentEventMap declares every event the runtime dispatches on document', () => {
  const literal = [...SOURCES.matchAll(/new CustomEvent\('(tether:[\w-]*\w)'/g)].map((m) => m[1]);
  // The overlay's events are named from its states: 'tether:reconnect-' + state.
  assert.match(SOURCES, /new CustomEvent\('tether:reconnect-' \+ state\b/);
  const dispatched = [...literal, ...Object.values(ReconnectState).map((state) => `tether:reconnect-${state}`)];
  assert.deepEqual(declared('DocumentEventMap'), [...new Set(dispatched)].sort());
});

test('the typings are no module the server serves or preloads: it serves .js files only', () => {
  assert.ok(!TYPINGS_URL.pathname.endsWith('.js'));
  const asset = readFileSync(new URL('../../Sources/TetherServer/Pages/RuntimeAsset.swift', import.meta.url), 'utf8');
  assert.match(asset, /hasSuffix\("\.js"\)/,
    'RuntimeAsset no longer picks the runtime\'s files by their .js suffix: make sure tether.d.ts is not served and preloaded as a module');
});

test('a TypeScript page and initializer type-check against the typings, and its mistakes do not', (t) => {
  const tsc = spawnSync('tsc', ['--version'], { encoding: 'utf8' });
  if (tsc.error) {
    // scripts/test installs tsc (Debian's node-typescript) and sets TETHER_REQUIRE_TSC=1.
    assert.ok(!process.env.TETHER_REQUIRE_TSC, 'tsc is not installed (apt-get install node-typescript)');
    t.skip('tsc is not installed; scripts/test installs it');
    return;
  }
  const usage = fileURLToPath(new URL('typings/usage.ts', import.meta.url));
  const result = spawnSync('tsc', [
    '--noEmit', '--strict', '--target', 'es2020', '--module', 'es2020', '--moduleResolution', 'node',
    '--lib', 'es2020,dom', usage,
  ], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `tsc (${tsc.stdout.trim()}) refused the usage sample:\n${result.stdout}${result.stderr}`);
});
