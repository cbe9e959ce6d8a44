import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logicalChildren } from '../../Sources/TetherServer/Resources/runtime/dom-edits.js';
import { setup, serialize } from './support/fake-dom.mjs';

function rootWith(html) {
  const { root, restore } = setup(html, { install: false });
  restore();
  return root;
}

/** A readable picture of the logical children: nodes serialize, blocks show their span. */
function describe(entries) {
  return entries.map((e) => {
    if (!e.start) return serialize(e);
    const parts = [];
    for (let n = e.start; n; n = n.nextSibling) { parts.push(serialize(n)); if (n === e.end) break; }
    return `{${parts.join('')}}`;
  });
}

test('an empty parent has no children', () => {
  assert.deepEqual(logicalChildren(rootWith('')), []);
});

test('plain nodes are returned as themselves, in order', () => {
  const root = rootWith('<p>a</p>text<!--note--><br>');
  const kids = logicalChildren(root);
  assert.equal(kids.length, 4);
  assert.deepEqual(kids, root.childNodes);
  assert.equal(kids[2].nodeType, 8, 'an ordinary comment is an ordinary child');
});

test('a markup block is one child spanning its fences', () => {
  const root = rootWith('<p>a</p><!--[--><em>x</em> and <b>y</b><!--]--><p>z</p>');
  const kids = logicalChildren(root);
  assert.equal(kids.length, 3);
  assert.equal(kids[0], root.childNodes[0]);
  assert.equal(kids[1].start, root.childNodes[1]);
  assert.equal(kids[1].end, root.childNodes[5]);
  assert.equal(kids[1].end.data, ']');
  assert.equal(kids[2], root.childNodes[6]);
  assert.deepEqual(describe(kids), ['<p>a</p>', '{<!--[--><em>x</em> and <b>y</b><!--]-->}', '<p>z</p>']);
});

test('empty and adjacent blocks are each one child', () => {
  const root = rootWith('<!--[--><!--]--><!--[-->a<!--]--><!--[--><i></i><!--]-->');
  assert.deepEqual(describe(logicalChildren(root)), [
    '{<!--[--><!--]-->}', '{<!--[-->a<!--]-->}', '{<!--[--><i></i><!--]-->}',
  ]);
});

test('ordinary comments inside a block belong to the block', () => {
  const root = rootWith('<!--[--><!-- hi -->x<!--]-->y');
  assert.deepEqual(describe(logicalChildren(root)), ['{<!--[--><!-- hi -->x<!--]-->}', 'y']);
});

test('only the children of the given parent count, not descendants', () => {
  const root = rootWith('<div><!--[-->a<!--]--><span></span></div>');
  assert.equal(logicalChildren(root).length, 1);
  assert.equal(logicalChildren(root.firstChild).length, 2);
});

test('an unclosed block runs to the last child', () => {
  const root = rootWith('<p></p><!--[-->a<b></b>');
  const kids = logicalChildren(root);
  assert.equal(kids.length, 2);
  assert.equal(kids[1].start.data, '[');
  assert.equal(kids[1].end, root.lastChild);
});

test('a stray close fence is an ordinary child', () => {
  const root = rootWith('a<!--]-->b');
  assert.equal(logicalChildren(root).length, 3);
});

test('fences are recognized by exact comment data', () => {
  const root = rootWith('<!--[ -->x<!-- ]-->');
  assert.equal(logicalChildren(root).length, 3);
});
