// The document's head as the server's PageTitle and HeadContent render it, carried by a render
// batch that changes it: the title, and the elements marked `data-tether-head`, which are the
// only ones the runtime adds or removes.

export const HEAD_MARK = 'data-tether-head';

// A NodeList in browsers, an array in the tests: Array.from takes both.
function markedElements(nodes) {
  return Array.from(nodes).filter((n) => n.nodeType === 1 && n.hasAttribute(HEAD_MARK) && n.localName !== 'script');
}

/** Sets the title and replaces the marked head elements with those of `html`, unless they are
 * equal already (a prerendered page's are), so a stylesheet link is not fetched again. */
export function applyHead(doc, title, html) {
  if (typeof title === 'string' && doc.title !== title) doc.title = title;
  const head = doc.head;
  if (!head) return;
  const template = doc.createElement('template');
  // Parsed into an inert template: nothing in it loads or runs until it is placed.
  template.innerHTML = typeof html === 'string' ? html : '';
  const incoming = markedElements(template.content.childNodes);
  const current = markedElements(head.childNodes);
  const unchanged = current.length === incoming.length
    && current.every((el, i) => typeof el.isEqualNode === 'function' && el.isEqualNode(incoming[i]));
  if (unchanged) return;
  for (const el of current) el.remove();
  for (const el of incoming) head.appendChild(el);
}
