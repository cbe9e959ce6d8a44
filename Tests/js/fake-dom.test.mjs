// Sanity checks of the test-only fake DOM in support/fake-dom.mjs: the applyEdits tests are only
// as good as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeDocument, parseHTML, serialize, inner, setup } from './support/fake-dom.mjs';

test('parser: elements, attributes, text, comments, void tags, entities', () => {
  const doc = new FakeDocument();
  const nodes = parseHTML(doc, `<p class="a b" data-x='1' hidden id=z>x &amp; &lt;y&gt;<!--[--><b>raw</b><!--]--></p><input value="v"><br/>t`);
  assert.equal(nodes.length, 4);
  const [p, input, br, t] = nodes;
  assert.equal(p.tagName, 'P');
  assert.equal(p.getAttribute('class'), 'a b');
  assert.equal(p.getAttribute('data-x'), '1');
  assert.equal(p.getAttribute('hidden'), '');
  assert.equal(p.getAttribute('id'), 'z');
  assert.equal(p.childNodes.length, 4);
  assert.equal(p.firstChild.data, 'x & <y>');
  assert.equal(p.childNodes[1].nodeType, 8);
  assert.equal(p.childNodes[1].data, '[');
  assert.equal(p.childNodes[3].data, ']');
  assert.equal(input.value, 'v');
  assert.equal(input.childNodes.length, 0);
  assert.equal(br.tagName, 'BR');
  assert.equal(t.data, 't');
  assert.equal(nodes.map(serialize).join(''),
    '<p class="a b" data-x="1" hidden id="z">x &amp; &lt;y&gt;<!--[--><b>raw</b><!--]--></p><input value="v"><br>t');
});

test('sibling links and insertBefore/remove/replaceChildren', () => {
  const { doc, root, restore } = setup('<a></a><b></b>', { install: false });
  restore();
  const [a, b] = root.childNodes;
  assert.equal(root.firstChild, a);
  assert.equal(a.nextSibling, b);
  assert.equal(b.nextSibling, null);
  assert.equal(b.previousSibling, a);
  assert.equal(root.lastChild, b);
  root.insertBefore(b, a); // move
  assert.equal(inner(root), '<b></b><a></a>');
  const frag = doc.createDocumentFragment();
  frag.append('x', doc.createElement('i'));
  root.insertBefore(frag, a);
  assert.equal(inner(root), '<b></b>x<i></i><a></a>');
  assert.equal(frag.childNodes.length, 0, 'inserting a fragment empties it');
  b.remove();
  assert.equal(b.parentNode, null);
  assert.equal(b.isConnected, false);
  assert.equal(a.isConnected, true);
  root.replaceChildren('only');
  assert.equal(inner(root), 'only');
  assert.equal(a.parentNode, null);
  assert.throws(() => root.insertBefore(doc.createElement('q'), a), { name: 'NotFoundError' });
  assert.throws(() => root.insertBefore(doc.body, null), { name: 'HierarchyRequestError' });
});

test('focus: moving or removing the focused element blurs it to <body>', () => {
  const { doc, root, restore } = setup('<input><p></p>', { install: false });
  restore();
  const [input, p] = root.childNodes;
  assert.equal(doc.activeElement, doc.body);
  input.focus();
  assert.equal(doc.activeElement, input);
  root.insertBefore(p, input); // moving p leaves focus alone
  assert.equal(doc.activeElement, input);
  root.appendChild(input); // moving input blurs it
  assert.equal(doc.activeElement, doc.body);
  input.focus();
  root.remove();
  assert.equal(doc.activeElement, doc.body);
});

test('input value follows its attribute until set', () => {
  const doc = new FakeDocument();
  const [input] = parseHTML(doc, '<input value="a">');
  input.setAttribute('value', 'b');
  assert.equal(input.value, 'b');
  input.value = 'typed';
  input.setAttribute('value', 'c');
  assert.equal(input.value, 'typed');
});

test('template.innerHTML parses into content', () => {
  const doc = new FakeDocument();
  const t = doc.createElement('template');
  t.innerHTML = '<li>a</li><!--[-->b<!--]-->';
  assert.equal(t.content.nodeType, 11);
  assert.equal(t.content.childNodes.length, 4);
  assert.equal(t.innerHTML, '<li>a</li><!--[-->b<!--]-->');
});
