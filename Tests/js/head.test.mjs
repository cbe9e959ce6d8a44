import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeDocument } from './support/fake-dom.mjs';
import { applyHead, HEAD_MARK } from '../../Sources/TetherServer/Resources/runtime/head.js';

function documentWithHead(...children) {
  const doc = new FakeDocument();
  const head = doc.createElement('head');
  doc.documentElement.insertBefore(head, doc.body);
  doc.head = head;
  doc.title = 'Prerendered';
  for (const child of children) head.appendChild(child);
  return doc;
}

function element(doc, tag, attributes) {
  const el = doc.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  return el;
}

const marked = (doc) => doc.head.childNodes.filter((n) => n.hasAttribute(HEAD_MARK));

test('sets the title and replaces only the marked elements', () => {
  const doc = new FakeDocument();
  const appOwn = element(doc, 'meta', { charset: 'utf-8' });
  const old = element(doc, 'meta', { name: 'description', content: 'old', [HEAD_MARK]: '' });
  const page = documentWithHead();
  page.head.appendChild(appOwn);
  page.head.appendChild(old);
  applyHead(page, 'Counter (3)', '<meta name="description" content="new" data-tether-head><link rel="canonical" href="/c" data-tether-head>');
  assert.equal(page.title, 'Counter (3)');
  assert.ok(appOwn.parentNode === page.head, "the template's own head elements stay");
  assert.equal(old.parentNode, null);
  assert.deepEqual(marked(page).map((n) => [n.localName, n.getAttribute('content') ?? n.getAttribute('href')]), [['meta', 'new'], ['link', '/c']]);
});

test('empty html removes the marked elements; the title still changes', () => {
  const doc = new FakeDocument();
  const page = documentWithHead(element(doc, 'meta', { name: 'x', content: 'y', [HEAD_MARK]: '' }));
  applyHead(page, 'Home', '');
  assert.equal(page.title, 'Home');
  assert.equal(marked(page).length, 0);
});

test('unmarked elements and scripts in the html are not placed', () => {
  const page = documentWithHead();
  applyHead(page, 'T', '<meta name="unmarked" content="1"><script data-tether-head>alert(1)</script><meta name="ok" content="2" data-tether-head>');
  assert.deepEqual(page.head.childNodes.map((n) => n.getAttribute('name')), ['ok']);
});

test('elements equal to the ones shown are left in place', () => {
  const doc = new FakeDocument();
  const shown = element(doc, 'link', { rel: 'stylesheet', href: '/a.css', [HEAD_MARK]: '' });
  shown.isEqualNode = (other) => other.getAttribute('href') === '/a.css' && other.getAttribute('rel') === 'stylesheet';
  const page = documentWithHead(shown);
  applyHead(page, 'T', '<link rel="stylesheet" href="/a.css" data-tether-head>');
  assert.equal(marked(page)[0], shown, 'the same node: a stylesheet is not fetched again');
});

test('a title that is not a string leaves the title alone', () => {
  const page = documentWithHead();
  applyHead(page, null, '');
  assert.equal(page.title, 'Prerendered');
});
