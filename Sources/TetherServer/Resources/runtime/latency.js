// The latency simulator (Tether.enableLatencySim): every frame waits `ms` before it goes, and
// every frame that arrives waits `ms` before it is handled, so a developer on localhost feels the
// app as a user far from the server does. Frames keep their order, even across a change of delay.

/** The longest simulated delay, one way: past a minute it is a hang, not latency. */
export const MAX_LATENCY_MS = 60_000;

/** Checks a delay given to Tether.enableLatencySim, throwing a TypeError that says what is wrong. */
export function checkLatency(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_LATENCY_MS) {
    throw new TypeError(`Tether.enableLatencySim(ms) needs a number of milliseconds from 0 to ${MAX_LATENCY_MS}, got ${String(ms)}`);
  }
  return ms;
}

/** Runs work after a delay, in the order it was given. */
export class LatencyQueue {
  constructor(timers = globalThis, now = () => performance.now()) {
    this.ms = 0;
    this.timers = timers;
    this.now = now;
    this.queue = [];
    this.timer = null;
    this.lastDue = 0;
  }

  /** Runs `work` now when there is no delay and nothing waits, else after the delay and after
   * everything queued before it. */
  run(work) {
    if (this.ms === 0 && this.queue.length === 0) {
      work();
      return;
    }
    const due = Math.max(this.now() + this.ms, this.lastDue);
    this.lastDue = due;
    this.queue.push({ due, work });
    if (this.timer === null) this.arm();
  }

  arm() {
    const wait = Math.max(0, this.queue[0].due - this.now());
    this.timer = this.timers.setTimeout(() => this.drain(), wait);
  }

  drain() {
    this.timer = null;
    const now = this.now();
    while (this.queue.length > 0 && this.queue[0].due <= now) {
      const { work } = this.queue.shift();
      try { work(); } catch (err) { globalThis.queueMicrotask(() => { throw err; }); }
    }
    if (this.queue.length > 0) this.arm();
  }
}
