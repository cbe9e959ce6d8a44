// Navigation inside the circuit: same-origin link clicks, back/forward and Tether.navigateTo
// change the history entry and tell the server (`nav`), which renders the new page into the
// same circuit; the server's own navigations arrive as `go`.

import { MessageKind } from './protocol.js';
import { tetherPath } from './paths.js';

/** The server navigated (`go`): in the circuit only the history entry changes. */
export function navigated(url, replace, inCircuit) {
  if (!inCircuit) {
    if (replace) location.replace(url); else location.assign(url);
  } else if (replace) {
    history.replaceState(null, '', url);
  } else {
    history.pushState(null, '', url);
  }
}

/** Navigates inside the circuit when it can carry the navigation, and loads the page otherwise. */
export function navigateTo(circuit, url, { replace = false } = {}) {
  const target = new URL(url, location.href);
  if (target.origin !== location.origin || !circuit || circuit.isClosed) {
    location.assign(target.href);
    return;
  }
  if (replace) history.replaceState(null, '', target.href); else history.pushState(null, '', target.href);
  circuit.post([MessageKind.navigate, target.pathname + target.search]);
}

/** Routes same-origin link clicks and back/forward through the circuit. */
export function followLinks(circuit) {
  if (typeof document.addEventListener !== 'function') return;
  document.addEventListener('click', (e) => {
    // What the browser would do differently (a new tab, a download, another frame) stays its own.
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const link = e.target.closest && e.target.closest('a[href]');
    if (!link || (link.target && link.target !== '_self') || link.hasAttribute('download')) return;
    if (link.hasAttribute('data-tether-reload')) return;
    const target = new URL(link.href, location.href);
    if (target.origin !== location.origin) return;
    if (target.pathname === location.pathname && target.search === location.search && target.hash) return;
    e.preventDefault();
    navigateTo(circuit, target.href);
  });
  if (typeof globalThis.addEventListener !== 'function') return;
  globalThis.addEventListener('popstate', () => {
    if (!circuit.isClosed) circuit.post([MessageKind.navigate, location.pathname + location.search]);
    else location.reload();
  });
}

/** Renders the page at `url` into an empty root, for a static page that starts the runtime with
 * `url` (Tether.start({ url })). */
export async function prerenderInto(root, url) {
  const response = await fetch(tetherPath('/_tether/prerender') + '?url=' + encodeURIComponent(url));
  if (!response.ok) throw new Error(`Tether could not render ${url}: ${response.status}`);
  const { html, descriptor, circuit } = await response.json();
  root.innerHTML = html;
  root.setAttribute('data-tether-descriptor', descriptor);
  if (circuit) root.setAttribute('data-tether-circuit', circuit);
}
