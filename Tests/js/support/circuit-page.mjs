// The harness for driving the runtime and its Circuit through the default export: a fake
// WebSocket, a fake location, globals swapped in for one test, and a fresh copy of the entry
// module, tether.js, per page (a distinct query string is a distinct module instance), so no
// runtime state leaks between tests. The modules it imports are shared, which is safe because
// they keep no state of their own: every piece of it hangs off the runtime the entry builds.
// Not a test file itself (node --test only picks up *.test.mjs here).
import { setup } from './fake-dom.mjs';
import { TETHER_URL } from './paths.mjs';

export class FakeWebSocket {
  static instances = [];
  constructor(url) {
    this.url = String(url);
    this.readyState = 0;
    this.sent = [];
    this.closeCalls = [];
    FakeWebSocket.instances.push(this);
  }
  send(data) {
    if (this.readyState !== 1) throw new Error('InvalidStateError: still in CONNECTING state');
    this.sent.push(data);
  }
  close(code, reason) { this.closeCalls.push([code, reason]); }
  // --- the server's side ---
  serverOpen() { this.readyState = 1; this.onopen(); }
  serverSend(messages) { this.onmessage({ data: typeof messages === 'string' ? messages : JSON.stringify(messages) }); }
  serverClose(code = 1006, reason = '') { this.readyState = 3; this.onclose({ code, reason }); }
  /** The JSON frames sent (binary segments, if any, are skipped). */
  frames() { return this.sent.filter((f) => typeof f === 'string').map((f) => JSON.parse(f)); }
  /** Every message the browser sent, frames flattened, the start frame excluded. */
  messages() { return this.frames().flat().filter((m) => m[0] !== 'start'); }
}

/** Lets every queued microtask (the circuit's flush, awaited JS calls) run. */
export const settle = () => new Promise((r) => setImmediate(r));

/** Lets timers due within `ms` (a retry delay of 0, say) fire, and what they start settle. */
export const elapse = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits, a millisecond at a time, until `condition()` holds; fails after `ms`. */
export async function waitFor(condition, what, ms = 1000) {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await elapse(1);
  }
}

/**
 * A fake clock for one test: `setTimeout`, `clearTimeout` and `performance.now` run on it, and
 * time moves only when the test calls `advance(ms)`, which fires the timers due by then in order
 * of their due time (each sees `now` at its due time). `pending` lists the waiting timers,
 * earliest first, with the delay each was set with. `elapse` and `waitFor` above use
 * `setTimeout`, so a test on this clock uses `settle` instead.
 */
export function fakeClock(t, start = 0) {
  let timers = [];
  let nextId = 1;
  const byDue = (a, b) => a.at - b.at || a.id - b.id;
  const clock = {
    now: start,
    get pending() { return [...timers].sort(byDue).map(({ id, at, ms }) => ({ id, at, ms })); },
    advance(ms) {
      const until = clock.now + ms;
      for (;;) {
        const due = timers.filter((x) => x.at <= until).sort(byDue)[0];
        if (!due) break;
        timers = timers.filter((x) => x !== due);
        clock.now = due.at;
        due.fn(...due.args);
      }
      clock.now = until;
    },
  };
  stubGlobals(t, {
    setTimeout: (fn, ms = 0, ...args) => {
      const id = nextId++;
      timers.push({ id, at: clock.now + Math.max(0, Number(ms) || 0), ms, fn, args });
      return id;
    },
    clearTimeout: (id) => { timers = timers.filter((x) => x.id !== id); },
  });
  t.mock.method(performance, 'now', () => clock.now);
  return clock;
}

let instance = 0;
/** A query string value no earlier import of the entry module in this process used. */
export const nextInstance = () => ++instance;

/** Replaces globals for one test and puts them back afterwards. */
export function stubGlobals(t, values) {
  const saved = {};
  for (const [k, v] of Object.entries(values)) {
    saved[k] = Object.getOwnPropertyDescriptor(globalThis, k);
    Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true });
  }
  t.after(() => {
    for (const [k, d] of Object.entries(saved)) {
      if (d) Object.defineProperty(globalThis, k, d); else delete globalThis[k];
    }
  });
}

export function fakeLocation(href) {
  const u = new URL(href);
  return {
    href, protocol: u.protocol,
    assigned: [], replaced: [],
    assign(url) { this.assigned.push(url); },
    replace(url) { this.replaced.push(url); },
  };
}

/** The window's side of a page: its event listeners (online, pagehide), fired by `fire(type)`,
 * and a navigator whose sendBeacon records each beacon as [url, body]. */
function fakeWindow() {
  const listeners = [];
  const beacons = [];
  return {
    beacons,
    addEventListener: (type, listener) => listeners.push({ type, listener }),
    fire: (type, e = {}) => { for (const l of listeners) if (l.type === type) l.listener({ type, ...e }); },
    navigator: { sendBeacon: (url, body) => { beacons.push([String(url), body]); return true; } },
  };
}

/** A page with a fake DOM, location and WebSocket, and a fresh runtime. Does not start it. */
export async function page(t, { html = '', descriptor = 'desc-1', circuit = null, href = 'http://example.test/app/page?q=1', window = false } = {}) {
  const s = setup(html);
  t.after(s.restore);
  if (descriptor !== null) s.root.setAttribute('data-tether-descriptor', descriptor);
  if (circuit !== null) s.root.setAttribute('data-tether-circuit', circuit);
  const location = fakeLocation(href);
  FakeWebSocket.instances = [];
  // No fetch: the runtime then lists no JS initializers, without a network round trip.
  const win = fakeWindow();
  const globals = {
    document: s.doc, location, WebSocket: FakeWebSocket, fetch: undefined, CSS: { escape: (v) => v.replace(/"/g, '\\"') },
    addEventListener: win.addEventListener, navigator: win.navigator,
  };
  if (window) globals.window = globalThis;
  stubGlobals(t, globals);
  const url = `${TETHER_URL}?instance=${nextInstance()}`;
  const mod = await import(url);
  return { ...s, location, mod, url, win, Tether: mod.default };
}

/** What the server sends first on every socket: its limits, the circuit id and secret. */
export const CFG = ['cfg', { maxMessageBytes: 32768, maxChunkBytes: 262144, circuitId: 'c1', secret: 's1' }];

/** A started runtime whose socket is open and configured. */
export async function started(t, opts = {}, startOptions = {}) {
  const p = await page(t, opts);
  const ready = p.Tether.start(startOptions);
  await settle();
  const ws = FakeWebSocket.instances[0];
  ws.serverOpen();
  ws.serverSend([CFG]);
  await settle();
  ws.sent.length = 0; // forget the start frame
  return { ...p, ws, ready };
}
