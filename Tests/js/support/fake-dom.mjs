// A deliberately small fake DOM: just enough of Node/Element/Text/Comment/DocumentFragment/
// Document for the runtime's pure DOM code (dom-edits.js) and its wiring.
// Not a test file itself (node --test only picks up *.test.mjs here).
//
// What it models faithfully, because the runtime depends on it:
// - sibling/parent links, insertBefore (including moving an attached node and inserting a
//   fragment, which empties the fragment), remove, replaceChildren, isConnected;
// - the HierarchyRequestError/NotFoundError checks of insertBefore;
// - focus: removing (or moving with insertBefore) a subtree that holds the focused element
//   blurs it, and document.activeElement falls back to <body>, as in browsers;
// - the value/checked "dirtiness" of <input>: the property follows the attribute until set;
// - <template>.innerHTML parsing a tiny HTML subset into template.content.

export const VOID_TAGS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

export class FakeNode {
  constructor(doc, nodeType) {
    this.ownerDocument = doc;
    this.nodeType = nodeType;
    this.parentNode = null;
    this._kids = [];
  }

  get childNodes() { return [...this._kids]; }
  get firstChild() { return this._kids[0] || null; }
  get lastChild() { return this._kids[this._kids.length - 1] || null; }
  get nextSibling() {
    if (!this.parentNode) return null;
    const kids = this.parentNode._kids;
    return kids[kids.indexOf(this) + 1] || null;
  }
  get previousSibling() {
    if (!this.parentNode) return null;
    const kids = this.parentNode._kids;
    return kids[kids.indexOf(this) - 1] || null;
  }

  get isConnected() {
    let n = this;
    while (n.parentNode) n = n.parentNode;
    return n.nodeType === 9;
  }

  contains(other) {
    for (let n = other; n; n = n.parentNode) if (n === this) return true;
    return false;
  }

  _detach() {
    const parent = this.parentNode;
    if (!parent) return;
    const doc = this.ownerDocument;
    if (doc && doc._activeElement && this.contains(doc._activeElement)) doc._activeElement = null; // blur
    parent._kids.splice(parent._kids.indexOf(this), 1);
    this.parentNode = null;
  }

  remove() { this._detach(); }

  insertBefore(node, ref) {
    if (ref != null && ref.parentNode !== this) {
      const err = new Error('The node before which the new node is to be inserted is not a child of this node.');
      err.name = 'NotFoundError';
      throw err;
    }
    if (node.contains(this)) {
      const err = new Error('The new child element contains the parent.');
      err.name = 'HierarchyRequestError';
      throw err;
    }
    if (node.nodeType === 11) {
      for (const kid of node.childNodes) this.insertBefore(kid, ref);
      return node;
    }
    if (node === ref) return node;
    node._detach();
    const at = ref == null ? this._kids.length : this._kids.indexOf(ref);
    this._kids.splice(at, 0, node);
    node.parentNode = this;
    return node;
  }

  appendChild(node) { return this.insertBefore(node, null); }

  append(...items) {
    for (const item of items) {
      this.appendChild(typeof item === 'string' ? this.ownerDocument.createTextNode(item) : item);
    }
  }

  replaceChildren(...items) {
    for (const kid of this.childNodes) kid._detach();
    this.append(...items);
  }

  get textContent() {
    if (this.nodeType === 3 || this.nodeType === 8) return this.data;
    return this._kids.filter((k) => k.nodeType !== 8).map((k) => k.textContent).join('');
  }

  set textContent(text) {
    if (this.nodeType === 3 || this.nodeType === 8) { this.data = text; return; }
    this.replaceChildren();
    if (text !== '') this.append(String(text));
  }
}

export class FakeText extends FakeNode {
  constructor(doc, data) { super(doc, 3); this.data = String(data); this.nodeName = '#text'; }
}

export class FakeComment extends FakeNode {
  constructor(doc, data) { super(doc, 8); this.data = String(data); this.nodeName = '#comment'; }
}

export class FakeFragment extends FakeNode {
  constructor(doc) { super(doc, 11); this.nodeName = '#document-fragment'; }
}

export class FakeElement extends FakeNode {
  constructor(doc, tag) {
    super(doc, 1);
    this.localName = tag.toLowerCase();
    this.tagName = this.localName.toUpperCase();
    this.nodeName = this.tagName;
    this._attrs = new Map();
    this._listeners = [];
    this.style = {};
    this.classList = new FakeClassList(this);
  }

  getAttribute(name) { return this._attrs.has(name) ? this._attrs.get(name) : null; }
  setAttribute(name, value) { this._attrs.set(String(name).toLowerCase(), String(value)); }
  removeAttribute(name) { this._attrs.delete(name); }
  hasAttribute(name) { return this._attrs.has(name); }
  get attributeNames() { return [...this._attrs.keys()]; }

  get id() { return this.getAttribute('id') || ''; }
  set id(v) { this.setAttribute('id', v); }

  focus() { if (this.isConnected) this.ownerDocument._activeElement = this; }

  addEventListener(type, listener, capture = false) {
    this._listeners.push({ type, listener, capture: !!capture });
  }

  /** Calls this element's own listeners for e.type (the runtime only listens on the root). */
  fire(e) {
    for (const l of this._listeners) if (l.type === e.type) l.listener(e);
  }

  /** Supports a comma list of `tag`, `#id`, `.class`, `[name]` and `[name="value"]`, and
   * compounds of them (`button.open`), without combinators. */
  matches(selector) {
    return selector.split(',').some((one) => {
      const parts = one.trim().match(/^[a-z][\w-]*|#[\w-]+|\.[\w-]+|\[[\w-]+(?:="[^"]*")?\]/g);
      if (!parts || parts.join('') !== one.trim()) throw new SyntaxError(`'${one}' is not a valid selector`);
      return parts.every((p) => {
        if (p[0] === '#') return this.id === p.slice(1);
        if (p[0] === '.') return this.classList.contains(p.slice(1));
        if (p[0] === '[') {
          const [, name, value] = /^\[([\w-]+)(?:="([^"]*)")?\]$/.exec(p);
          return value === undefined ? this.hasAttribute(name) : this.getAttribute(name) === value;
        }
        return this.localName === p;
      });
    });
  }

  querySelectorAll(selector) {
    const out = [];
    const walk = (n) => {
      for (const k of n._kids) {
        if (k.nodeType === 1) {
          if (k.matches(selector)) out.push(k);
          walk(k);
        }
      }
    };
    walk(this);
    return out;
  }

  /** Records the event and calls this element's listeners, then its ancestors' when it bubbles. */
  dispatchEvent(e) {
    (this.dispatched ||= []).push(e);
    for (let n = this; n; n = e.bubbles ? n.parentNode : null) if (typeof n.fire === 'function' && n.nodeType === 1) n.fire(e);
    return true;
  }

  get hidden() { return this.hasAttribute('hidden'); }

  /** Serialized and parsed by the fake's own serializer and parser, so markup that differs only
   * in spelling (quotes, attribute case) reads back the same, as in a browser. */
  get innerHTML() { return inner(this); }
  set innerHTML(html) { this.replaceChildren(...parseHTML(this.ownerDocument, html)); }

  /** Supports only `[name="value"]` selectors, which is all the runtime uses. */
  querySelector(selector) {
    const m = /^\[([\w-]+)="(.*)"\]$/.exec(selector);
    if (!m) throw new Error(`fake querySelector does not support ${selector}`);
    const walk = (n) => {
      for (const k of n._kids) {
        if (k.nodeType === 1 && k.getAttribute(m[1]) === m[2]) return k;
        const found = walk(k);
        if (found) return found;
      }
      return null;
    };
    return walk(this);
  }
}

class FakeClassList {
  constructor(el) { this._el = el; }
  _list() { return (this._el.getAttribute('class') || '').split(/\s+/).filter(Boolean); }
  add(...names) {
    const list = this._list();
    for (const n of names) if (!list.includes(n)) list.push(n);
    this._el.setAttribute('class', list.join(' '));
  }
  contains(name) { return this._list().includes(name); }
  remove(...names) {
    this._el.setAttribute('class', this._list().filter((n) => !names.includes(n)).join(' '));
  }
}

/** <input>/<textarea>/<select>-like element: value and checked follow their attributes until set. */
export class FakeInput extends FakeElement {
  constructor(doc, tag) {
    super(doc, tag);
    this._value = null;
    this._checked = null;
    this.selectionStart = 0;
    this.selectionEnd = 0;
    this.selectionDirection = 'none';
    this.setSelectionCalls = [];
  }
  get type() { return this.getAttribute('type') || 'text'; }
  get value() { return this._value ?? this.getAttribute('value') ?? ''; }
  set value(v) { this._value = String(v); }
  get checked() { return this._checked ?? this.hasAttribute('checked'); }
  set checked(v) { this._checked = !!v; }
  setSelectionRange(start, end, direction = 'none') {
    this.setSelectionCalls.push([start, end, direction]);
    this.selectionStart = start;
    this.selectionEnd = end;
    this.selectionDirection = direction;
  }
}

export class FakeTemplate extends FakeElement {
  constructor(doc) {
    super(doc, 'template');
    this.content = new FakeFragment(doc);
  }
  set innerHTML(html) {
    this.content.replaceChildren();
    for (const n of parseHTML(this.ownerDocument, html)) this.content.appendChild(n);
  }
  get innerHTML() { return this.content.childNodes.map(serialize).join(''); }
}

export class FakeDocument extends FakeNode {
  constructor() {
    super(null, 9);
    this.ownerDocument = null;
    this.nodeName = '#document';
    this.readyState = 'complete';
    this.documentElement = this.createElement('html');
    this.appendChild(this.documentElement);
    this.body = this.createElement('body');
    this.documentElement.appendChild(this.body);
    this._activeElement = null;
    this.createdTemplates = 0;
    this.visibilityState = 'visible';
    this._listeners = [];
  }

  /** Like browsers: the focused element, or <body> when nothing is focused. */
  get activeElement() { return this._activeElement && this._activeElement.isConnected ? this._activeElement : this.body; }

  createElement(tag) {
    const t = tag.toLowerCase();
    if (t === 'template') { this.createdTemplates++; return new FakeTemplate(this); }
    if (t === 'input' || t === 'textarea' || t === 'select') return new FakeInput(this, t);
    return new FakeElement(this, t);
  }
  createTextNode(data) { return new FakeText(this, data); }
  createComment(data) { return new FakeComment(this, data); }
  createDocumentFragment() { return new FakeFragment(this); }

  getElementById(id) {
    const walk = (n) => {
      for (const k of n._kids) {
        if (k.nodeType === 1 && k.getAttribute('id') === id) return k;
        const found = walk(k);
        if (found) return found;
      }
      return null;
    };
    return walk(this);
  }

  querySelectorAll(selector) { return this.documentElement.matches(selector) ? [this.documentElement, ...this.documentElement.querySelectorAll(selector)] : this.documentElement.querySelectorAll(selector); }
  addEventListener(type, listener) { this._listeners.push({ type, listener }); }
  /** Calls the document's listeners for e.type (visibilitychange, say). */
  fire(e) {
    for (const l of this._listeners) if (l.type === e.type) l.listener(e);
  }
  /** Sets visibilityState and tells the listeners, as a browser does when the tab changes. */
  setVisibility(state) {
    this.visibilityState = state;
    this.fire({ type: 'visibilitychange' });
  }
  /** Records the events the runtime dispatches on document (tether:reconnect-*), for assertions. */
  dispatchEvent(e) {
    (this.dispatched ||= []).push(e);
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// A tiny HTML parser: elements, quoted/unquoted/bare attributes, void tags, `/>`, text with the
// five common entities, and comments (`<!--[-->`). No implied end tags, no foster parenting.

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };
function decode(s) {
  return s.replace(/&(amp|lt|gt|quot|apos|#39);/g, (_, e) => ENTITIES[e]);
}

export function parseHTML(doc, html) {
  const top = new FakeFragment(doc);
  const stack = [top];
  const current = () => stack[stack.length - 1];
  let i = 0;
  while (i < html.length) {
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      if (end < 0) throw new Error('unterminated comment');
      current().appendChild(doc.createComment(html.slice(i + 4, end)));
      i = end + 3;
    } else if (html.startsWith('</', i)) {
      const end = html.indexOf('>', i);
      const tag = html.slice(i + 2, end).trim().toLowerCase();
      const at = stack.findLastIndex((n) => n.localName === tag);
      if (at > 0) stack.length = at; // pop it and anything left open inside it
      i = end + 1;
    } else if (html[i] === '<' && /[a-zA-Z]/.test(html[i + 1] || '')) {
      const m = /^<([a-zA-Z][\w-]*)/.exec(html.slice(i));
      const el = doc.createElement(m[1]);
      i += m[0].length;
      const attr = /^\s*([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/y;
      let selfClosing = false;
      for (;;) {
        const rest = html.slice(i);
        const close = /^\s*(\/?)>/.exec(rest);
        if (close) { selfClosing = close[1] === '/'; i += close[0].length; break; }
        attr.lastIndex = 0;
        const a = attr.exec(rest);
        if (!a) throw new Error(`cannot parse tag at ${i}: ${rest.slice(0, 20)}`);
        const name = a[1].toLowerCase();
        if (!el.hasAttribute(name)) el.setAttribute(name, decode(a[2] ?? a[3] ?? a[4] ?? ''));
        i += a[0].length;
      }
      current().appendChild(el);
      if (!selfClosing && !VOID_TAGS.has(el.localName)) stack.push(el);
    } else {
      let end = html.indexOf('<', i + 1);
      if (end < 0) end = html.length;
      // Adjacent text merges, as in a real parser.
      const text = decode(html.slice(i, end));
      const last = current().lastChild;
      if (last && last.nodeType === 3) last.data += text;
      else current().appendChild(doc.createTextNode(text));
      i = end;
    }
  }
  return top.childNodes;
}

function escapeText(s) { return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'); }
function escapeAttr(s) { return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;'); }

/** Serializes a node back to HTML, for assertions. */
export function serialize(node) {
  switch (node.nodeType) {
    case 3: return escapeText(node.data);
    case 8: return `<!--${node.data}-->`;
    case 11: case 9: return node.childNodes.map(serialize).join('');
    case 1: {
      let out = `<${node.localName}`;
      for (const [k, v] of node._attrs) out += v === '' ? ` ${k}` : ` ${k}="${escapeAttr(v)}"`;
      out += '>';
      if (VOID_TAGS.has(node.localName)) return out;
      return out + node.childNodes.map(serialize).join('') + `</${node.localName}>`;
    }
    default: throw new Error(`cannot serialize nodeType ${node.nodeType}`);
  }
}

/** The inner HTML of a node. */
export function inner(node) { return node.childNodes.map(serialize).join(''); }

/**
 * A document whose <body> holds `<div id="tether-root">` + `html`, installed as the global
 * `document` (dom-edits.js's fragment() uses the global). Returns { doc, root, restore }.
 */
export function setup(html = '', { install = true } = {}) {
  const doc = new FakeDocument();
  const root = doc.createElement('div');
  root.setAttribute('id', 'tether-root');
  doc.body.appendChild(root);
  for (const n of parseHTML(doc, html)) root.appendChild(n);
  const previous = globalThis.document;
  const had = 'document' in globalThis;
  if (install) globalThis.document = doc;
  return {
    doc,
    root,
    restore() {
      if (!install) return;
      if (had) globalThis.document = previous; else delete globalThis.document;
    },
  };
}
