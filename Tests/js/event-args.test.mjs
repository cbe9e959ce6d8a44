import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventArgs } from '../../Sources/TetherServer/Resources/runtime/events.js';

// Plain fake events and targets. Targets carry non-serializable baggage (parent links, functions)
// to prove none of it leaks into the args.
function target(props = {}) {
  const t = { nodeType: 1, tagName: 'DIV', focus() {}, ...props };
  t.parentNode = { child: t }; // a cycle: JSON.stringify(t) would throw
  return t;
}

/** Asserts args is plain data: survives a JSON round trip unchanged and holds only primitives. */
function assertPlain(args) {
  assert.equal(Object.getPrototypeOf(args), Object.prototype);
  for (const [k, v] of Object.entries(args)) {
    assert.ok(v === null || ['string', 'number', 'boolean'].includes(typeof v), `${k} is ${typeof v}`);
  }
  assert.deepEqual(JSON.parse(JSON.stringify(args)), args);
}

test('click: button, coordinates, modifiers, click count', () => {
  const e = {
    type: 'click', target: target(), button: 0, clientX: 10, clientY: 20, offsetX: 3, offsetY: 4,
    altKey: false, ctrlKey: true, shiftKey: false, metaKey: true, detail: 2,
    screenX: 999, view: globalThis, preventDefault() {},
  };
  const args = eventArgs(e);
  assert.deepEqual(args, {
    type: 'click', button: 0, clientX: 10, clientY: 20, offsetX: 3, offsetY: 4,
    altKey: false, ctrlKey: true, shiftKey: false, metaKey: true, detail: 2,
  });
  assertPlain(args);
});

test('click with the right button and shift held', () => {
  const args = eventArgs({
    type: 'mousedown', target: target(), button: 2, clientX: 0, clientY: 0, offsetX: 0, offsetY: 0,
    altKey: false, ctrlKey: false, shiftKey: true, metaKey: false, detail: 1,
  });
  assert.equal(args.button, 2);
  assert.equal(args.shiftKey, true);
  assertPlain(args);
});

test('pointer events add pointerType', () => {
  const args = eventArgs({
    type: 'pointerdown', target: target(), button: 0, clientX: 1, clientY: 2, offsetX: 1, offsetY: 2,
    altKey: false, ctrlKey: false, shiftKey: false, metaKey: false, detail: 0, pointerType: 'touch',
  });
  assert.equal(args.pointerType, 'touch');
  assertPlain(args);
});

test('keydown: key, code, modifiers, no mouse fields', () => {
  const args = eventArgs({
    type: 'keydown', target: target(), key: 'Enter', code: 'NumpadEnter',
    altKey: true, ctrlKey: false, shiftKey: true, metaKey: false, repeat: false, detail: 0,
  });
  assert.deepEqual(args, {
    type: 'keydown', key: 'Enter', code: 'NumpadEnter',
    altKey: true, ctrlKey: false, shiftKey: true, metaKey: false, detail: 0,
  });
  assert.ok(!('button' in args));
  assertPlain(args);
});

test('keydown in a text field carries the field value too', () => {
  const args = eventArgs({
    type: 'keyup', target: target({ tagName: 'INPUT', type: 'text', value: 'hel' }), key: 'l', code: 'KeyL',
    altKey: false, ctrlKey: false, shiftKey: false, metaKey: false,
  });
  assert.equal(args.value, 'hel');
  assert.equal(args.key, 'l');
  assertPlain(args);
});

test('input on a text field: value only, no checked', () => {
  const args = eventArgs({ type: 'input', target: target({ tagName: 'INPUT', type: 'text', value: 'hello' }) });
  assert.deepEqual(args, { type: 'input', value: 'hello' });
  assertPlain(args);
});

test('input on an empty field sends the empty string', () => {
  assert.deepEqual(eventArgs({ type: 'input', target: target({ type: 'text', value: '' }) }), { type: 'input', value: '' });
});

test('checkbox change: checked as a boolean (plus its value)', () => {
  const on = eventArgs({ type: 'change', target: target({ tagName: 'INPUT', type: 'checkbox', value: 'on', checked: true }) });
  assert.deepEqual(on, { type: 'change', value: 'on', checked: true });
  const off = eventArgs({ type: 'change', target: target({ tagName: 'INPUT', type: 'checkbox', value: 'on', checked: false }) });
  assert.deepEqual(off, { type: 'change', value: 'on', checked: false });
  const radio = eventArgs({ type: 'change', target: target({ type: 'radio', value: 'b', checked: 1 }) });
  assert.deepEqual(radio, { type: 'change', value: 'b', checked: true });
  assertPlain(on); assertPlain(off); assertPlain(radio);
});

test('checked is only reported for checkboxes and radios', () => {
  const args = eventArgs({ type: 'change', target: target({ type: 'text', value: 'x', checked: true }) });
  assert.ok(!('checked' in args));
});

test('a non-string value (e.g. <li value>, a number) is not sent', () => {
  const args = eventArgs({ type: 'click', target: target({ tagName: 'LI', value: 3 }) });
  assert.ok(!('value' in args));
});

test('a non-numeric detail (CustomEvent payload) is not sent', () => {
  const args = eventArgs({ type: 'click', target: target(), detail: { secret: target() } });
  assert.ok(!('detail' in args));
  assertPlain(args);
});

test('no target at all', () => {
  assert.deepEqual(eventArgs({ type: 'submit' }), { type: 'submit' });
  assert.deepEqual(eventArgs({ type: 'submit', target: null }), { type: 'submit' });
});

test('focus/blur: just the type (and the value of a field)', () => {
  assert.deepEqual(eventArgs({ type: 'focus', target: target() }), { type: 'focus' });
  assert.deepEqual(eventArgs({ type: 'blur', target: target({ type: 'text', value: 'v' }) }), { type: 'blur', value: 'v' });
});

test('inherited event fields are read, like on real Event objects', () => {
  // Real events expose key/button/altKey as prototype getters; `in` must see them.
  const proto = { key: 'a', code: 'KeyA', altKey: false, ctrlKey: false, shiftKey: false, metaKey: false };
  const e = Object.create(proto);
  e.type = 'keydown';
  e.target = target();
  const args = eventArgs(e);
  assert.equal(args.key, 'a');
  assert.equal(args.code, 'KeyA');
  assert.equal(args.ctrlKey, false);
  assertPlain(args);
});

test('never returns the event or the target', () => {
  const t = target({ type: 'text', value: 'x' });
  const e = { type: 'input', target: t };
  const args = eventArgs(e);
  assert.notEqual(args, e);
  assert.ok(!Object.values(args).includes(t));
  assert.doesNotThrow(() => JSON.stringify(args));
});

test('scroll: the container reports its scroll position and visible height', () => {
  const args = eventArgs({ type: 'scroll', target: target({ scrollTop: 1500000, clientHeight: 420, scrollHeight: 3000000 }) });
  assert.deepEqual(args, { type: 'scroll', scrollTop: 1500000, clientHeight: 420 });
  assertPlain(args);
});

test('scroll of something without a scroll position (the document) sends only its type', () => {
  const args = eventArgs({ type: 'scroll', target: { nodeType: 9 } });
  assert.deepEqual(args, { type: 'scroll' });
});

test('only scroll events carry the scroll position', () => {
  const args = eventArgs({ type: 'input', target: target({ value: 'x', scrollTop: 10, clientHeight: 20 }) });
  assert.equal(args.scrollTop, undefined);
  assert.equal(args.clientHeight, undefined);
});
