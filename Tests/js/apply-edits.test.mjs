import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits } from '../../Sources/TetherServer/Resources/runtime/dom-edits.js';
import { setup, inner } from './support/fake-dom.mjs';

// dom-edits.js builds fragments with the global `document`, so every test installs its fake one
// and puts the old value back afterwards.
function page(t, html) {
  const s = setup(html);
  t.after(s.restore);
  return s;
}

/** Applies edits to a root holding `before` and returns the root's inner HTML. */
function run(t, before, edits) {
  const { root } = page(t, before);
  applyEdits(root, edits);
  return inner(root);
}

// --- 0: replace ------------------------------------------------------------------------------

test('0 replace: an element', (t) => {
  assert.equal(run(t, '<p>a</p><p>b</p><p>c</p>', [[0, [1], '<h1>B</h1>']]), '<p>a</p><h1>B</h1><p>c</p>');
});

test('0 replace: a nested node, and a text node', (t) => {
  assert.equal(run(t, '<div><span>x</span><i>y</i></div>', [[0, [0, 1], '<b>z</b>']]), '<div><span>x</span><b>z</b></div>');
  assert.equal(run(t, '<p>old</p>', [[0, [0, 0], '<em>new</em>']]), '<p><em>new</em></p>');
});

test('0 replace: the first and the last child', (t) => {
  assert.equal(run(t, '<a></a><b></b>', [[0, [0], 'x']]), 'x<b></b>');
  assert.equal(run(t, '<a></a><b></b>', [[0, [1], 'y']]), '<a></a>y');
});

test('0 replace: a markup block is replaced whole', (t) => {
  assert.equal(
    run(t, '<p><!--[--><em>a</em> tail<!--]--><i>after</i></p>', [[0, [0, 0], '<!--[--><em>b</em><!--]-->']]),
    '<p><!--[--><em>b</em><!--]--><i>after</i></p>');
  assert.equal(run(t, '<!--[-->x<b>y</b><!--]-->z', [[0, [0], '<hr>']]), '<hr>z');
});

test('0 replace: an element by a markup block, which then counts as one child', (t) => {
  const html = run(t, '<a></a><b></b><c></c>', [
    [0, [0], '<!--[--><x-1></x-1><x-2></x-2><!--]-->'],
    [4, [1], 'id', 'b'],
    [4, [2], 'id', 'c'],
  ]);
  assert.equal(html, '<!--[--><x-1></x-1><x-2></x-2><!--]--><b id="b"></b><c id="c"></c>');
});

test('0 replace: the new nodes are fresh, the old ones detached', (t) => {
  const { root } = page(t, '<p>a</p>');
  const old = root.firstChild;
  applyEdits(root, [[0, [0], '<p>a</p>']]);
  assert.notEqual(root.firstChild, old);
  assert.equal(old.parentNode, null);
});

test('0 replace: a path that does not exist throws', (t) => {
  const { root } = page(t, '<p></p>');
  assert.throws(() => applyEdits(root, [[0, [3], '<i></i>']]), { message: 'render path [3] does not exist' });
  assert.throws(() => applyEdits(root, [[0, [0, 0], '<i></i>']]), { message: 'render path [0,0] does not exist' });
});

// --- 1: insert -------------------------------------------------------------------------------

test('1 insert: at the start, in the middle, at the end', (t) => {
  assert.equal(run(t, '<a></a><b></b>', [[1, [], 0, '<s></s>']]), '<s></s><a></a><b></b>');
  assert.equal(run(t, '<a></a><b></b>', [[1, [], 1, '<s></s>']]), '<a></a><s></s><b></b>');
  assert.equal(run(t, '<a></a><b></b>', [[1, [], 2, '<s></s>']]), '<a></a><b></b><s></s>');
});

test('1 insert: into an empty nested parent', (t) => {
  assert.equal(run(t, '<ul></ul>', [[1, [0], 0, '<li>a</li>']]), '<ul><li>a</li></ul>');
});

test('1 insert: after a markup block, which counts as one child', (t) => {
  // Physical index 1 would land inside the block; logical index 1 is after it.
  assert.equal(
    run(t, '<p><!--[--><em>a</em><em>b</em><!--]--><i>c</i></p>', [[1, [0], 1, '<u>new</u>']]),
    '<p><!--[--><em>a</em><em>b</em><!--]--><u>new</u><i>c</i></p>');
  assert.equal(
    run(t, '<!--[-->raw<!--]-->', [[1, [], 1, 'tail']]),
    '<!--[-->raw<!--]-->tail');
});

test('1 insert: before a markup block goes before its open fence', (t) => {
  assert.equal(run(t, '<!--[-->raw<!--]-->', [[1, [], 0, '<b></b>']]), '<b></b><!--[-->raw<!--]-->');
});

test('1 insert: a markup block, then address the child after it', (t) => {
  assert.equal(
    run(t, '<p>x</p>', [[1, [], 0, '<!--[--><i>1</i><i>2</i><!--]-->'], [3, [1, 0], 'y']]),
    '<!--[--><i>1</i><i>2</i><!--]--><p>y</p>');
});

test('1 insert: a missing parent throws', (t) => {
  const { root } = page(t, '');
  assert.throws(() => applyEdits(root, [[1, [0], 0, '<i></i>']]), { message: 'render path [0] does not exist' });
});

// --- 2: remove -------------------------------------------------------------------------------

test('2 remove: elements and text, from the end as the diff sends them', (t) => {
  assert.equal(run(t, '<ul><li>a</li><li>b</li><li>c</li></ul>', [[2, [0, 2]], [2, [0, 1]]]), '<ul><li>a</li></ul>');
  assert.equal(run(t, '<p>a</p>text', [[2, [1]]]), '<p>a</p>');
});

test('2 remove: a markup block takes all its nodes and fences', (t) => {
  assert.equal(
    run(t, '<a></a><!--[--><em>x</em>y<!--]--><b></b>', [[2, [1]]]),
    '<a></a><b></b>');
});

test('2 remove: the child after a markup block is addressed by its logical index', (t) => {
  assert.equal(
    run(t, '<!--[--><em>x</em><em>y</em><!--]--><b></b><c></c>', [[2, [1]]]),
    '<!--[--><em>x</em><em>y</em><!--]--><c></c>');
});

test('2 remove: a missing node throws', (t) => {
  const { root } = page(t, '<p></p>');
  assert.throws(() => applyEdits(root, [[2, [1]]]), { message: 'render path [1] does not exist' });
});

// --- 3: set text -----------------------------------------------------------------------------

test('3 set text: updates the text node in place', (t) => {
  const { root } = page(t, '<p><span id="n">0</span></p>');
  const text = root.firstChild.firstChild.firstChild;
  applyEdits(root, [[3, [0, 0, 0], '1']]);
  assert.equal(inner(root), '<p><span id="n">1</span></p>');
  assert.equal(root.firstChild.firstChild.firstChild, text, 'same node, new data');
});

test('3 set text: markup-looking text stays text', (t) => {
  assert.equal(run(t, '<p>a</p>', [[3, [0, 0], '<b>&</b>']]), '<p>&lt;b&gt;&amp;&lt;/b&gt;</p>');
});

test('3 set text: a text node after a markup block', (t) => {
  assert.equal(run(t, '<p><!--[--><i>r</i><!--]-->old</p>', [[3, [0, 1], 'new']]), '<p><!--[--><i>r</i><!--]-->new</p>');
});

// --- 4 / 5: attributes -----------------------------------------------------------------------

test('4 set attribute and 5 remove attribute (the Swift diff\'s own example)', (t) => {
  assert.equal(
    run(t, '<div class="a" title="t"></div>', [[4, [0], 'class', 'b'], [5, [0], 'title']]),
    '<div class="b"></div>');
});

test('4 set attribute: adds a new one, on an element after a markup block', (t) => {
  assert.equal(
    run(t, '<!--[-->r<!--]--><button>go</button>', [[4, [1], 'data-t-click', '3;pd']]),
    '<!--[-->r<!--]--><button data-t-click="3;pd">go</button>');
});

test('4 set attribute value: also updates a field the user has typed in', (t) => {
  const { root } = page(t, '<input value="a">');
  const input = root.firstChild;
  input.value = 'typed';
  applyEdits(root, [[4, [0], 'value', 'server']]);
  assert.equal(input.getAttribute('value'), 'server');
  assert.equal(input.value, 'server');
});

test('4 set attribute checked / 5 remove attribute checked: the property follows', (t) => {
  const { root } = page(t, '<input type="checkbox">');
  const box = root.firstChild;
  box.checked = false; // the user unticked it: the property no longer follows the attribute
  applyEdits(root, [[4, [0], 'checked', '']]);
  assert.equal(box.hasAttribute('checked'), true);
  assert.equal(box.checked, true);
  box.checked = true;
  applyEdits(root, [[5, [0], 'checked']]);
  assert.equal(box.hasAttribute('checked'), false);
  assert.equal(box.checked, false);
});

test('5 remove attribute value: clears a dirty field', (t) => {
  const { root } = page(t, '<input value="a">');
  const input = root.firstChild;
  input.value = 'typed';
  applyEdits(root, [[5, [0], 'value']]);
  assert.equal(input.hasAttribute('value'), false);
  assert.equal(input.value, '');
});

test('4/5 on ordinary elements never invent properties', (t) => {
  const { root } = page(t, '<div></div>');
  const div = root.firstChild;
  applyEdits(root, [[4, [0], 'value', 'v'], [4, [0], 'checked', ''], [5, [0], 'selected']]);
  assert.equal('value' in div, false);
  assert.equal('checked' in div, false);
  assert.equal('selected' in div, false);
  assert.equal(inner(root), '<div value="v" checked></div>');
});

// --- 6: move ---------------------------------------------------------------------------------

const ROWS = '<ul><li>a</li><li>b</li><li>c</li><li>d</li></ul>';

test('6 move: keyed swap is one move (the Swift diff\'s own example)', (t) => {
  assert.equal(
    run(t, '<ul><li>a</li><li>b</li><li>c</li></ul>', [[6, [0], 1, 0]]),
    '<ul><li>b</li><li>a</li><li>c</li></ul>');
});

test('6 move: backwards and forwards, "to" is the final index', (t) => {
  assert.equal(run(t, ROWS, [[6, [0], 3, 1]]), '<ul><li>a</li><li>d</li><li>b</li><li>c</li></ul>');
  assert.equal(run(t, ROWS, [[6, [0], 0, 2]]), '<ul><li>b</li><li>c</li><li>a</li><li>d</li></ul>');
  assert.equal(run(t, ROWS, [[6, [0], 0, 3]]), '<ul><li>b</li><li>c</li><li>d</li><li>a</li></ul>');
  assert.equal(run(t, ROWS, [[6, [0], 2, 2]]), ROWS);
});

test('6 move: keeps node identity', (t) => {
  const { root } = page(t, ROWS);
  const [a, b, c, d] = root.firstChild.childNodes;
  applyEdits(root, [[6, [0], 3, 0], [6, [0], 3, 1]]); // d a b c -> d c a b
  assert.deepEqual(root.firstChild.childNodes, [d, c, a, b]);
});

test('6 move: a markup block moves as one unit', (t) => {
  assert.equal(
    run(t, '<a></a><!--[--><i>1</i><i>2</i><!--]--><b></b>', [[6, [], 1, 0]]),
    '<!--[--><i>1</i><i>2</i><!--]--><a></a><b></b>');
  assert.equal(
    run(t, '<a></a><!--[--><i>1</i><i>2</i><!--]--><b></b>', [[6, [], 2, 1]]),
    '<a></a><b></b><!--[--><i>1</i><i>2</i><!--]-->');
});

test('6 move: past a markup block, and to after it', (t) => {
  assert.equal(
    run(t, '<a></a><!--[--><i>1</i><!--]--><b></b>', [[6, [], 0, 1]]),
    '<!--[--><i>1</i><!--]--><a></a><b></b>');
});

test('keyed edit keeps identity and patches inside (the Swift diff\'s own example)', (t) => {
  const { root } = page(t, '<ul><li>A</li><li>B</li></ul>');
  const [a, b] = root.firstChild.childNodes;
  applyEdits(root, [[6, [0], 1, 0], [3, [0, 0, 0], 'B2']]);
  assert.equal(inner(root), '<ul><li>B2</li><li>A</li></ul>');
  assert.deepEqual(root.firstChild.childNodes, [b, a]);
});

test('keyed remove and insert (the Swift diff\'s own example)', (t) => {
  assert.equal(
    run(t, '<ul><li>a</li><li>b</li><li>c</li></ul>', [[2, [0, 1]], [1, [0], 2, '<li>d</li>']]),
    '<ul><li>a</li><li>c</li><li>d</li></ul>');
});

test('6 move: uses parent.moveBefore when the browser has it', (t) => {
  const { root } = page(t, ROWS);
  const ul = root.firstChild;
  const calls = [];
  ul.moveBefore = function (node, ref) { calls.push([node.textContent, ref && ref.textContent]); this.insertBefore(node, ref); };
  applyEdits(root, [[6, [0], 3, 0]]);
  assert.deepEqual(calls, [['d', 'a']]);
  assert.equal(inner(root), '<ul><li>d</li><li>a</li><li>b</li><li>c</li></ul>');
});

test('6 move: falls back to insertBefore when moveBefore throws', (t) => {
  const { root } = page(t, ROWS);
  const ul = root.firstChild;
  let tried = 0;
  ul.moveBefore = () => { tried++; throw new Error('HierarchyRequestError'); };
  applyEdits(root, [[6, [0], 0, 3]]);
  assert.equal(tried, 1);
  assert.equal(inner(root), '<ul><li>b</li><li>c</li><li>d</li><li>a</li></ul>');
});

// --- 7: replace all children -----------------------------------------------------------------

test('7 replace all children: of the root', (t) => {
  assert.equal(run(t, '<p>prerendered</p><!--[-->x<!--]-->', [[7, [], '<p>live</p><p>2</p>']]), '<p>live</p><p>2</p>');
});

test('7 replace all children: of a nested element, and with nothing', (t) => {
  assert.equal(run(t, '<div><a></a><b></b></div><i></i>', [[7, [0], 'x<!--[--><u></u><!--]-->']]), '<div>x<!--[--><u></u><!--]--></div><i></i>');
  assert.equal(run(t, '<div><a></a></div>', [[7, [0], '']]), '<div></div>');
});

// --- batches ---------------------------------------------------------------------------------

test('each path is valid at the moment its edit is applied', (t) => {
  assert.equal(
    run(t, '<p>a</p><p>b</p><p>c</p>', [[2, [0]], [3, [0, 0], 'B'], [1, [], 2, '<p>d</p>'], [4, [2], 'class', 'x']]),
    '<p>B</p><p>c</p><p class="x">d</p>');
});

test('an empty batch changes nothing', (t) => {
  assert.equal(run(t, '<p>a</p>', []), '<p>a</p>');
});

test('an unknown edit code throws', (t) => {
  const { root } = page(t, '<p>a</p>');
  assert.throws(() => applyEdits(root, [[42, [0]]]), { message: 'unknown edit code 42' });
});

test('edits before a failing one stay applied', (t) => {
  const { root } = page(t, '<p>a</p>');
  assert.throws(() => applyEdits(root, [[3, [0, 0], 'b'], [2, [5]]]));
  assert.equal(inner(root), '<p>b</p>');
});

test('only the root\'s subtree is touched', (t) => {
  const { doc, root } = page(t, '<p>a</p>');
  const sibling = doc.createElement('aside');
  doc.body.appendChild(sibling);
  applyEdits(root, [[7, [], '<i></i>']]);
  assert.equal(inner(doc.body), '<div id="tether-root"><i></i></div><aside></aside>');
});

// --- focus -----------------------------------------------------------------------------------

test('focus and caret survive moving the focused field', (t) => {
  const { doc, root } = page(t, '<ul><li>a</li><li><input value="hello"></li></ul>');
  const input = root.firstChild.childNodes[1].firstChild;
  input.focus();
  input.selectionStart = 1; input.selectionEnd = 4; input.selectionDirection = 'backward';
  applyEdits(root, [[6, [0], 1, 0]]); // moves the <li> holding the input, which blurs it
  assert.equal(inner(root.firstChild), '<li><input value="hello"></li><li>a</li>');
  assert.equal(doc.activeElement, input);
  assert.deepEqual(input.setSelectionCalls, [[1, 4, 'backward']]);
});

test('focus is left alone when it was not lost', (t) => {
  const { doc, root } = page(t, '<input><p>a</p>');
  const input = root.firstChild;
  input.focus();
  let focusCalls = 0;
  const focus = input.focus.bind(input);
  input.focus = () => { focusCalls++; focus(); };
  applyEdits(root, [[3, [1, 0], 'b'], [6, [], 1, 0]]); // moving <p> ahead of the input does not blur it
  assert.equal(doc.activeElement, input);
  assert.equal(focusCalls, 0);
  assert.deepEqual(input.setSelectionCalls, []);
});

test('a focused field that was removed is not refocused', (t) => {
  const { doc, root } = page(t, '<input><p>a</p>');
  const input = root.firstChild;
  input.focus();
  applyEdits(root, [[2, [0]]]);
  assert.equal(input.isConnected, false);
  assert.equal(doc.activeElement, doc.body);
});

test('focus on a non-text element is restored without a selection', (t) => {
  const { doc, root } = page(t, '<button>x</button><p></p>');
  const button = root.firstChild;
  button.focus();
  applyEdits(root, [[6, [], 0, 1]]);
  assert.equal(doc.activeElement, button);
  assert.equal(inner(root), '<p></p><button>x</button>');
});

test('a field replaced by the diff does not get focus back', (t) => {
  const { doc, root } = page(t, '<input value="a">');
  const input = root.firstChild;
  input.focus();
  applyEdits(root, [[0, [0], '<input value="b">']]);
  assert.equal(doc.activeElement, doc.body);
  assert.notEqual(root.firstChild, input);
});
