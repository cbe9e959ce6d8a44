// What the runtime's own commands did to an element that a server render could undo: the classes
// they added and the display they set. The server's diff only touches attributes its render
// owns, so an attribute it never sets keeps whatever the page put there; `class` and `style` are
// the two it often owns, and after it rewrites one of them the patcher calls keepClientEffects
// to put these back.

// element → the class names the page added (and has not removed since).
const addedClasses = new WeakMap();
// element → the `display` the page set with show or hide.
const setDisplay = new WeakMap();

/** The class names in a space-separated list. */
export function classNames(list) {
  return String(list).split(/\s+/).filter(Boolean);
}

export function addClasses(el, names) {
  if (names.length === 0) return;
  el.classList.add(...names);
  let kept = addedClasses.get(el);
  if (!kept) addedClasses.set(el, (kept = new Set()));
  for (const n of names) kept.add(n);
}

export function removeClasses(el, names) {
  if (names.length === 0) return;
  el.classList.remove(...names);
  const kept = addedClasses.get(el);
  if (kept) for (const n of names) kept.delete(n);
}

/** Whether the element is hidden: by `hidden`, by an inline `display: none`, or by a stylesheet. */
export function isHidden(el) {
  if (el.hasAttribute('hidden') || el.style.display === 'none') return true;
  return typeof getComputedStyle === 'function' && getComputedStyle(el).display === 'none';
}

export function show(el) {
  el.removeAttribute('hidden');
  let display = '';
  el.style.display = display;
  // A stylesheet that hides the element would still win over an empty inline display.
  if (typeof getComputedStyle === 'function' && getComputedStyle(el).display === 'none') {
    display = 'block';
    el.style.display = display;
  }
  setDisplay.set(el, display);
}

export function hide(el) {
  el.style.display = 'none';
  setDisplay.set(el, 'none');
}

/** After the server set or removed `attribute` on `el`, puts back what the page's commands
 * changed in it. */
export function keepClientEffects(el, attribute) {
  if (attribute === 'class') {
    const kept = addedClasses.get(el);
    if (kept && kept.size > 0) el.classList.add(...kept);
  } else if (attribute === 'style') {
    const display = setDisplay.get(el);
    if (display !== undefined) el.style.display = display;
  }
}
