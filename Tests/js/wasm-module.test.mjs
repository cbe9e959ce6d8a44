// The demo's real module, .build/wasm/TetherDemo.wasm (scripts/build-wasm; scripts/test builds it
// before this tier), run by wasm.js in node with no browser: its pages mount, render into a fake
// DOM, handle events and call JS synchronously. A missing module fails every test here, saying
// how to build it: this tier is not optional.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { WasmPage } from '../../Sources/TetherServer/Resources/runtime/wasm.js';
import { parseBinding } from '../../Sources/TetherServer/Resources/runtime/events.js';
import { EditCode, WasmAttribute } from '../../Sources/TetherServer/Resources/runtime/protocol.js';
import { inner, setup } from './support/fake-dom.mjs';

const MODULE_PATH = new URL('../../.build/wasm/TetherDemo.wasm', import.meta.url);
const QUOTE = "Can't stop the signal, Mal.";

/** Compiled once; each test instantiates its own, so no state leaks between them. */
const compiled = existsSync(MODULE_PATH) ? new WebAssembly.Module(readFileSync(MODULE_PATH)) : null;

function requireModule() {
  assert.ok(compiled, `no ${MODULE_PATH.pathname}: build the module with scripts/build-wasm first`);
  return compiled;
}

/** A log that keeps its lines. */
function recordingLog() {
  const lines = [];
  const log = {};
  for (const level of ['trace', 'debug', 'info', 'warning', 'error']) log[level] = (...args) => lines.push([level, args.join(' ')]);
  return { log, lines };
}

/** The module started at `url` in a root holding `prerendered`; every batch it sends is kept. */
async function started(url, { prerendered = '', globals = {}, beforeStart = () => {} } = {}) {
  // Not installed as the global document: wasm.js works on the root's own document.
  const { root, doc } = setup(prerendered, { install: false });
  const { log, lines } = recordingLog();
  const batches = [];
  const page = new WasmPage(root, { log, globals, onBroken: () => {} });
  const applyBatch = page.applyBatch.bind(page);
  // An empty batch changes nothing: only the others are counted.
  page.applyBatch = (edits) => { if (edits.length > 0) batches.push(edits); applyBatch(edits); };
  await page.load(requireModule());
  beforeStart(root, doc);
  page.start(url);
  assert.equal(page.broken, null, `the module stopped: ${page.broken}; log: ${JSON.stringify(lines)}`);
  return { root, doc, page, batches, lines };
}

/** Fires `event` at the element: what events.js's delegation does for its binding. */
function fire(page, el, event, args = {}) {
  assert.ok(el, `no element to fire ${event} at`);
  const attr = el.getAttribute(`data-t-${event}`);
  assert.ok(attr, `the element has no data-t-${event} binding`);
  page.dispatch(parseBinding(attr).id, { type: event, ...args });
  assert.equal(page.broken, null, `the module stopped: ${page.broken}`);
}

const byClass = (root, tag, cls) => root.querySelectorAll(`${tag}.${cls}`);

test('/wasm/counter: the first batch is one replaceChildren at the root, and a click counts', async () => {
  const { root, doc, page, batches } = await started('/wasm/counter');
  assert.equal(batches.length, 1);
  assert.equal(batches[0].length, 1);
  assert.equal(batches[0][0][0], EditCode.replaceChildren);
  assert.deepEqual(batches[0][0][1], []);
  assert.equal(doc.getElementById('count').textContent, '0');
  fire(page, doc.getElementById('increment'), 'click', { button: 0 });
  assert.equal(doc.getElementById('count').textContent, '1');
  fire(page, doc.getElementById('increment'), 'click', { button: 0 });
  assert.equal(doc.getElementById('count').textContent, '2');
  assert.ok(batches.length >= 3, 'each click sends a batch');
  assert.equal(root.getAttribute(WasmAttribute.broken), null);
});

test('/auto/counter, the demo auto page, is in the module too, as the same Counter: a visit in WebAssembly mode runs it', async () => {
  const wasm = await started('/wasm/counter');
  const { root, doc, page } = await started('/auto/counter');
  assert.equal(inner(root), inner(wasm.root), 'the same first render as /wasm/counter');
  fire(page, doc.getElementById('increment'), 'click', { button: 0 });
  assert.equal(doc.getElementById('count').textContent, '1');
});

test('/wasm/counter: a root that already shows the first render keeps its nodes', async () => {
  const first = await started('/wasm/counter');
  const html = inner(first.root);
  let prerenderedButton;
  const again = await started('/wasm/counter', { prerendered: html, beforeStart: (root, doc) => { prerenderedButton = doc.getElementById('increment'); } });
  assert.ok(prerenderedButton);
  assert.equal(again.doc.getElementById('increment'), prerenderedButton, 'the first render kept the prerendered button');
  assert.equal(inner(again.root), html);
  fire(again.page, again.doc.getElementById('increment'), 'click', { button: 0 });
  assert.equal(again.doc.getElementById('count').textContent, '1');
});

test('/wasm/todos: add a row, remove one', async () => {
  const { root, doc, page } = await started('/wasm/todos');
  const rows = () => byClass(root, 'input', 'todo-text').map((i) => i.value);
  assert.deepEqual(rows(), ['Write the diff', 'Ship the runtime']);
  fire(page, doc.getElementById('new-todo'), 'input', { value: 'Test the rows' });
  fire(page, doc.getElementById('add'), 'click', { button: 0 });
  assert.deepEqual(rows(), ['Write the diff', 'Ship the runtime', 'Test the rows']);
  assert.equal(doc.getElementById('todo-count').textContent, '3');
  fire(page, byClass(root, 'button', 'remove')[0], 'click', { button: 0 });
  assert.deepEqual(rows(), ['Ship the runtime', 'Test the rows']);
  assert.equal(doc.getElementById('todo-count').textContent, '2');
});

test('/wasm/call-js-example-1: the quote comes from convertArray through synchronous interop', async () => {
  // The demo's own script, which sets window.convertArray; `window` is there only while it loads.
  const window = {};
  globalThis.window = window;
  try {
    await import('../../Sources/DemoApp/wwwroot/js/convert-array.js');
  } finally {
    delete globalThis.window;
  }
  assert.equal(typeof window.convertArray, 'function');
  const { root, page } = await started('/wasm/call-js-example-1', { globals: window });
  assert.ok(!root.textContent.includes(QUOTE));
  const button = root.querySelectorAll('button').find((b) => b.textContent.includes('Convert Array'));
  fire(page, button, 'click', { button: 0 });
  assert.ok(root.textContent.includes(QUOTE), root.textContent);
  assert.ok(root.querySelectorAll('em').some((e) => e.textContent === QUOTE), 'the quote is markup: an <em>');
});

test('an unknown method throws the module\'s message and leaves the page working', async () => {
  const { doc, page } = await started('/wasm/counter');
  assert.throws(() => page.invoke('NoSuchModule.Nothing', '[]'), (err) => err instanceof Error && err.message.length > 0);
  fire(page, doc.getElementById('increment'), 'click', { button: 0 });
  assert.equal(doc.getElementById('count').textContent, '1');
});

test('a URL the module has no page for is refused, and the page is marked broken', async () => {
  const { root } = setup('', { install: false });
  const page = new WasmPage(root, { log: recordingLog().log, onBroken: () => {} });
  await page.load(requireModule());
  assert.throws(() => page.start('/wasm/no-such-page'), { message: 'the module has no page at /wasm/no-such-page' });
  assert.equal(root.getAttribute(WasmAttribute.broken), 'Error: the module has no page at /wasm/no-such-page');
});
