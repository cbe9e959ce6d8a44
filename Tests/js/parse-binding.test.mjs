import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBinding } from '../../Sources/TetherServer/Resources/runtime/events.js';

const plain = (id) => ({ id, preventDefault: false, stopPropagation: false, debounce: 0, throttle: 0 });

test('all flags: "1.0;pd;sp;db=300;th=100"', () => {
  assert.deepEqual(parseBinding('1.0;pd;sp;db=300;th=100'), {
    id: '1.0', preventDefault: true, stopPropagation: true, debounce: 300, throttle: 100,
  });
});

test('plain ids get every default', () => {
  assert.deepEqual(parseBinding('7'), plain('7'));
  assert.deepEqual(parseBinding('1.0'), plain('1.0'));
  assert.deepEqual(parseBinding('c12.h3'), plain('c12.h3'));
});

test('the id stays a string, never a number', () => {
  const b = parseBinding('10.20');
  assert.equal(typeof b.id, 'string');
  assert.equal(b.id, '10.20'); // Number('10.20') would have lost the trailing zero
});

test('flags are independent and order-free', () => {
  assert.deepEqual(parseBinding('3;pd'), { ...plain('3'), preventDefault: true });
  assert.deepEqual(parseBinding('3;sp'), { ...plain('3'), stopPropagation: true });
  assert.deepEqual(parseBinding('3;db=50'), { ...plain('3'), debounce: 50 });
  assert.deepEqual(parseBinding('3;th=16'), { ...plain('3'), throttle: 16 });
  assert.deepEqual(parseBinding('3;th=100;db=300;sp;pd'), parseBinding('3;pd;sp;db=300;th=100'));
});

test('malformed or unknown flags are ignored, bad numbers become 0', () => {
  assert.deepEqual(parseBinding('4;db=abc;th='), plain('4'));
  assert.deepEqual(parseBinding('4;bogus;PD;;x=1'), plain('4'));
  assert.deepEqual(parseBinding('4;db=12.5'), { ...plain('4'), debounce: 12.5 });
});

test('an empty value gives an empty id', () => {
  assert.deepEqual(parseBinding(''), plain(''));
});

test('a fresh object each time', () => {
  const a = parseBinding('1;pd');
  a.preventDefault = false;
  assert.equal(parseBinding('1;pd').preventDefault, true);
});
