// Applying a render batch: the edits TreeDiff.swift produces, in order, to the children of the
// render root. Paths count logical children, so a run of raw markup is one child, as it is for
// the diff on the server.

import { EditCode } from './protocol.js';
import { keepClientEffects } from './client-effects.js';

// A run of raw markup sits between <!--[--> and <!--]-->, so the browser's many nodes for it
// count as the one child the server diffed.
function isOpen(n) { return n.nodeType === 8 && n.data === '['; }
function isClose(n) { return n.nodeType === 8 && n.data === ']'; }

/** The children of `parent` as the server counts them: a node, or {start, end} for markup. */
export function logicalChildren(parent) {
  const out = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (isOpen(n)) {
      let end = n.nextSibling;
      while (end && !isClose(end)) end = end.nextSibling;
      out.push({ start: n, end: end || parent.lastChild });
      if (!end) break;
      n = end;
    } else {
      out.push(n);
    }
  }
  return out;
}

function entryNodes(entry) {
  if (!entry.start) return [entry];
  const nodes = [];
  for (let n = entry.start; n; n = n.nextSibling) {
    nodes.push(n);
    if (n === entry.end) break;
  }
  return nodes;
}

function entryFirst(entry) { return entry ? (entry.start || entry) : null; }

function removeEntry(entry) {
  for (const n of entryNodes(entry)) n.remove();
}

function nodeAt(root, path, allowRoot = true) {
  if (!allowRoot && path.length === 0) throw new Error('this edit cannot target the render root');
  let node = root;
  for (const index of path) {
    const entry = logicalChildren(node)[index];
    if (!entry) throw new Error(`render path [${path}] does not exist`);
    node = entry;
  }
  return node;
}

function fragment(doc, html) {
  const t = doc.createElement('template');
  t.innerHTML = html;
  return t.content;
}

// The attribute only sets a form control's initial state; once the user has typed or clicked,
// the property is what the page shows, so it follows the server too.
function setAttribute(el, name, value) {
  el.setAttribute(name, value);
  keepClientEffects(el, name);
  if (name === 'value' && 'value' in el && el.value !== value) el.value = value;
  else if (name === 'checked' && 'checked' in el) el.checked = true;
  else if (name === 'selected' && 'selected' in el) el.selected = true;
}

function removeAttribute(el, name) {
  el.removeAttribute(name);
  keepClientEffects(el, name);
  if (name === 'value' && 'value' in el) el.value = '';
  else if (name === 'checked' && 'checked' in el) el.checked = false;
  else if (name === 'selected' && 'selected' in el) el.selected = false;
}

// moveBefore keeps a moved node's state (focus, a playing video, an iframe's document) where the
// browser has it; insertBefore is the fallback everywhere else.
function moveBefore(parent, nodes, ref) {
  for (const n of nodes) {
    if (typeof parent.moveBefore === 'function' && n.isConnected) {
      try { parent.moveBefore(n, ref); continue; } catch { /* fall back below */ }
    }
    parent.insertBefore(n, ref);
  }
}

/** Applies one render batch's edits to the children of `root`. */
export function applyEdits(root, edits) {
  const doc = root.ownerDocument;
  const active = doc.activeElement;
  const selection = active && typeof active.selectionStart === 'number'
    ? [active.selectionStart, active.selectionEnd, active.selectionDirection] : null;
  for (const edit of edits) {
    switch (edit[0]) {
      case EditCode.replaceNode: {
        const path = edit[1];
        if (path.length === 0) throw new Error('this edit cannot target the render root');
        const parent = nodeAt(root, path.slice(0, -1));
        const old = logicalChildren(parent)[path[path.length - 1]];
        if (!old) throw new Error(`render path [${path}] does not exist`);
        parent.insertBefore(fragment(doc, edit[2]), entryFirst(old));
        removeEntry(old);
        break;
      }
      case EditCode.insertNode: {
        const parent = nodeAt(root, edit[1]);
        const ref = logicalChildren(parent)[edit[2]];
        parent.insertBefore(fragment(doc, edit[3]), entryFirst(ref));
        break;
      }
      case EditCode.removeNode: removeEntry(nodeAt(root, edit[1], false)); break;
      case EditCode.setText: nodeAt(root, edit[1], false).data = edit[2]; break;
      case EditCode.setAttribute: setAttribute(nodeAt(root, edit[1], false), edit[2], edit[3]); break;
      case EditCode.removeAttribute: removeAttribute(nodeAt(root, edit[1], false), edit[2]); break;
      case EditCode.moveChild: {
        const parent = nodeAt(root, edit[1]);
        const kids = logicalChildren(parent);
        const [moving] = kids.splice(edit[2], 1);
        if (!moving) throw new Error(`render path [${edit[1]},${edit[2]}] does not exist`);
        moveBefore(parent, entryNodes(moving), entryFirst(kids[edit[3]]));
        break;
      }
      case EditCode.replaceChildren: {
        const parent = nodeAt(root, edit[1]);
        parent.replaceChildren(fragment(doc, edit[2]));
        break;
      }
      default: throw new Error(`unknown edit code ${edit[0]}`);
    }
  }
  // Moving a node can blur it; put focus and the caret back where the user left them.
  if (active && active.isConnected && doc.activeElement !== active) {
    active.focus();
    if (selection) { try { active.setSelectionRange(...selection); } catch { /* not a text input */ } }
  }
}
