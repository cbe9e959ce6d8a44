import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveFunction } from '../../Sources/TetherServer/Resources/runtime/interop.js';

test('"a.b.c" resolves to root.a.b.c with thisArg root.a.b', () => {
  const c = function () { return this; };
  const root = { a: { b: { c } } };
  const { fn, thisArg } = resolveFunction('a.b.c', root);
  assert.equal(fn, c);
  assert.equal(thisArg, root.a.b);
  assert.equal(fn.apply(thisArg, []), root.a.b);
});

test('a single segment resolves with thisArg the root', () => {
  const f = () => 1;
  const root = { f };
  const { fn, thisArg } = resolveFunction('f', root);
  assert.equal(fn, f);
  assert.equal(thisArg, root);
});

test('a method keeps its receiver, so this-dependent methods work', () => {
  const root = { counter: { n: 41, next() { return ++this.n; } } };
  const { fn, thisArg } = resolveFunction('counter.next', root);
  assert.equal(fn.apply(thisArg, []), 42);
  assert.equal(root.counter.n, 42);
});

test('inherited and primitive-owned functions resolve', () => {
  class Base { greet() { return `hi ${this.name}`; } }
  class Derived extends Base { constructor() { super(); this.name = 'x'; } }
  const root = { obj: new Derived(), s: 'abc' };
  const r1 = resolveFunction('obj.greet', root);
  assert.equal(r1.fn.apply(r1.thisArg, []), 'hi x');
  const r2 = resolveFunction('s.toUpperCase', root);
  assert.equal(r2.thisArg, 'abc');
  assert.equal(r2.fn.apply(r2.thisArg, []), 'ABC');
});

test('a missing first segment names it', () => {
  assert.throws(() => resolveFunction('a.b.c', {}), {
    name: 'Error',
    message: "Could not find 'a.b.c' ('a' was undefined).",
  });
});

test('a missing middle segment names the first undefined one', () => {
  assert.throws(() => resolveFunction('a.b.c', { a: {} }), {
    name: 'Error',
    message: "Could not find 'a.b.c' ('b' was undefined).",
  });
});

test('a missing last segment names it', () => {
  assert.throws(() => resolveFunction('a.b.c', { a: { b: {} } }), {
    message: "Could not find 'a.b.c' ('c' was undefined).",
  });
});

test('a property that exists but holds undefined counts as missing', () => {
  assert.throws(() => resolveFunction('a.b.c', { a: { b: undefined } }), {
    message: "Could not find 'a.b.c' ('b' was undefined).",
  });
});

test('a null intermediate value is reported as a plain Error, never a TypeError', () => {
  // Today root.a.b is null, so reading .c off it yields undefined and 'c' is named. Naming the
  // null segment instead ("('b' was null)", as resolveMember does) would be just as correct.
  assert.throws(() => resolveFunction('a.b.c', { a: { b: null } }), (err) => {
    assert.equal(err.constructor, Error);
    assert.match(err.message, /^Could not find 'a\.b\.c' \((?:'c' was undefined|'b' was null)\)\.$/);
    return true;
  });
});

test('a null root is reported the same way', () => {
  assert.throws(() => resolveFunction('a', null), { message: "Could not find 'a' ('a' was undefined)." });
});

test('a non-function value throws "is not a function"', () => {
  assert.throws(() => resolveFunction('a.b', { a: { b: 42 } }), {
    name: 'Error',
    message: "The value 'a.b' is not a function.",
  });
  assert.throws(() => resolveFunction('a.b', { a: { b: { c() {} } } }), {
    message: "The value 'a.b' is not a function.",
  });
  assert.throws(() => resolveFunction('a.b', { a: { b: null } }), {
    message: "The value 'a.b' is not a function.",
  });
  assert.throws(() => resolveFunction('a.b', { a: { b: 'text' } }), {
    message: "The value 'a.b' is not a function.",
  });
});

test('classes and async functions count as functions', () => {
  class K {}
  const af = async () => 1;
  assert.equal(resolveFunction('K', { K }).fn, K);
  assert.equal(resolveFunction('af', { af }).fn, af);
});

test('an empty or non-string identifier throws', () => {
  const message = 'The function identifier must be a non-empty string.';
  assert.throws(() => resolveFunction('', { '': () => 1 }), { message });
  assert.throws(() => resolveFunction(undefined), { message });
  assert.throws(() => resolveFunction(null), { message });
  assert.throws(() => resolveFunction(42), { message });
  assert.throws(() => resolveFunction(['Math', 'max']), { message });
});

test('empty segments are looked up literally and reported', () => {
  assert.throws(() => resolveFunction('a..b', { a: {} }), { message: "Could not find 'a..b' ('' was undefined)." });
  assert.throws(() => resolveFunction('a.', { a: {} }), { message: "Could not find 'a.' ('' was undefined)." });
});

test('the default root is globalThis: "Math.max"', () => {
  const { fn, thisArg } = resolveFunction('Math.max');
  assert.equal(fn, Math.max);
  assert.equal(thisArg, Math);
  assert.equal(fn.apply(thisArg, [3, 9, 4]), 9);
});

test('the default root is globalThis: top-level globals and nested ones', () => {
  const r1 = resolveFunction('parseInt');
  assert.equal(r1.fn, parseInt);
  assert.equal(r1.thisArg, globalThis);
  const r2 = resolveFunction('JSON.stringify');
  assert.equal(r2.fn.apply(r2.thisArg, [{ a: 1 }]), '{"a":1}');
  const r3 = resolveFunction('Promise.resolve');
  assert.equal(r3.thisArg, Promise); // Promise.resolve needs its receiver
  assert.ok(r3.fn.apply(r3.thisArg, [1]) instanceof Promise);
});

test('the default root sees globals defined later', (t) => {
  globalThis.__tetherTestLib = { twice: (x) => x * 2 };
  t.after(() => { delete globalThis.__tetherTestLib; });
  const { fn, thisArg } = resolveFunction('__tetherTestLib.twice');
  assert.equal(fn.apply(thisArg, [21]), 42);
  assert.throws(() => resolveFunction('__tetherTestLib.thrice'), {
    message: "Could not find '__tetherTestLib.thrice' ('thrice' was undefined).",
  });
  assert.throws(() => resolveFunction('noSuchGlobal__.x'), {
    message: "Could not find 'noSuchGlobal__.x' ('noSuchGlobal__' was undefined).",
  });
});

test('getters run once per segment and are not re-read', () => {
  let reads = 0;
  const root = { get lib() { reads++; return { f() { return 1; } }; } };
  resolveFunction('lib.f', root);
  assert.equal(reads, 1);
});
