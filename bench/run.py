#!/usr/bin/env python3
"""Tether's benchmark driver (issue #7). Run it through scripts/bench, which builds first.

    python3 bench/run.py            the full run: every figure, the NiceGUI peer, the circuit
                                    ladder; writes .bench/results.json and BENCHMARKS.md
    python3 bench/run.py --smoke    a few seconds, tiny counts, no peer and no ladder; writes
                                    .bench/results-smoke.json and exits non-zero if a figure is
                                    missing
    python3 bench/run.py --report   measure nothing: rewrite BENCHMARKS.md from .bench/results.json
    --skip-peer, --skip-ladder      leave those out of a full run
    --only durability               one part (browser, memory, ladder, peer, durability, deflate,
                                    metrics):
                                    durable circuits are click→DOM with SQLite persistence on vs
                                    off, circuits resumed after a kill -9, memory per paused circuit
                                    and the store's write rate under click load
    --only deflate                  permessage-deflate off / on / with context takeover on /counter
                                    and /_bench/grid: bytes per click each way, server CPU per
                                    click, click→DOM; rewrites that section of BENCHMARKS.md
    --only metrics                  click→DOM with no metrics backend vs swift-prometheus (and a
                                    tracer too), and the server's own cost per event
    --only cpu                      server CPU per click on /counter and /_bench/todos: callgrind
                                    instructions and CPU time, the binary of $TETHER_BENCH_BEFORE_BIN
                                    (if set) beside this one; bench/callgrind.py, which rewrites
                                    that section of BENCHMARKS.md
    --only transport                memory per idle circuit and per idle raw socket, this build
                                    against TETHER_BENCH_BEFORE_BIN (another tether-bench) when set,
                                    and where the bytes go (bench/heap_breakdown.py, under
                                    heaptrack); rewrites that section of BENCHMARKS.md
    --only hibernation              memory per hibernated /counter circuit (heap in use and RSS,
                                    against the same circuits awake) and the first click after
                                    hibernation against an awake click; rewrites that section of
                                    BENCHMARKS.md
    --only wasm                     the WebAssembly render mode (issue #20): builds the demo's module
                                    and a Todos-only one (scripts/build-wasm), their sizes, click→DOM
                                    on /wasm/counter against /counter, and the synchronous interop
                                    call each way; rewrites that section of BENCHMARKS.md
    --no-markdown                   do not write BENCHMARKS.md

Everything runs on loopback against .build/release/tether-bench, each server on a free port. The
browser figures come from Debian's Chromium driven by Playwright; the circuit figures from
bench/circuits.py, a browserless client speaking the wire protocol.
"""
import argparse
import datetime
import json
import math
import os
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import sections  # noqa: E402  (BENCHMARKS.md's marked sections)
# scripts/bench builds release; the smoke run in scripts/test reuses the debug build.
BIN = os.environ.get("TETHER_BENCH_BIN") or os.path.join(ROOT, ".build", "release", "tether-bench")
CIRCUITS = os.path.join(ROOT, "bench", "circuits.py")
PEER = os.path.normpath(os.path.join(ROOT, "..", "shared", "peers", "nicegui", "measure.py"))
OUT_DIR = os.path.join(ROOT, ".bench")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FINDINGS_START = "<!-- findings:start -->"
FINDINGS_END = "<!-- findings:end -->"

# --------------------------------------------------------------------------------------------
# The server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fd_hard_limit():
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


class Server:
    """One tether-bench process on a free port, with the fd limit raised as far as it goes.
    env: more environment (a store: TETHER_BENCH_STORE); port: a given one (a restart)."""

    def __init__(self, tag, env=None, port=None, binary=None):
        self.tag = tag
        self.binary = binary or BIN
        self.port = port or free_port()
        self.env = env or {}
        self.proc = None
        self.spawned_at = None

    def __enter__(self):
        os.makedirs(OUT_DIR, exist_ok=True)
        self.log = open(os.path.join(OUT_DIR, f"server-{self.tag}.log"), "w")
        env = dict(os.environ, PORT=str(self.port), **self.env)
        self.spawned_at = time.time()
        # `exec` keeps the pid: the one we read VmRSS from is the server itself.
        self.proc = subprocess.Popen(["bash", "-c", 'ulimit -n "$(ulimit -Hn)"; exec "$0"', self.binary],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tether-bench exited with {self.proc.returncode}; see .bench/server-{self.tag}.log")
            try:
                with urllib.request.urlopen(self.url("/counter"), timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError("tether-bench did not answer within 30 s")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()

    @property
    def pid(self):
        return self.proc.pid

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


# --------------------------------------------------------------------------------------------
# In-page measurements. Times come from performance.now(); the pages are cross-origin isolated
# (tether-bench sends COOP/COEP), which gives it 5 µs resolution in Chromium.

PERCENTILES = """
const pct = (lat) => {
  const a = Float64Array.from(lat).sort(); const n = a.length;
  let sum = 0; for (const v of a) sum += v;
  return {p50_us: a[Math.floor(n / 2)] * 1000, p99_us: a[Math.min(n - 1, Math.floor(n * 0.99))] * 1000,
          mean_us: sum / n * 1000, n, isolated: self.crossOriginIsolated};
};
"""

# A message the size of a Tether call, echoed unchanged: one WebSocket message each way.
FLOOR_OPEN = """
const openEcho = () => new Promise((res, rej) => {
  const ws = new WebSocket(`ws://${location.host}/_floor/echo`);
  ws.onopen = () => res(ws); ws.onerror = () => rej(new Error('echo socket failed'));
});
const MSG = JSON.stringify([['c', 12345, 'benchNoop', [1234], 0]]);
"""

FLOOR_SEQ_JS = "async ({n, warm}) => {" + PERCENTILES + FLOOR_OPEN + """
  const ws = await openEcho();
  let resolve; ws.onmessage = () => resolve();
  const once = () => new Promise((r) => { resolve = r; ws.send(MSG); });
  for (let i = 0; i < warm; i++) await once();
  const lat = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); await once(); lat.push(performance.now() - t0); }
  ws.close();
  return pct(lat);
}"""

FLOOR_PIPELINED_JS = "async ({n}) => {" + FLOOR_OPEN + """
  const ws = await openEcho();
  let got = 0, done;
  const all = new Promise((r) => { done = r; });
  ws.onmessage = () => { if (++got === n) done(); };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) ws.send(MSG);
  await Promise.race([all, new Promise((r) => setTimeout(r, 30000))]);
  const ms = performance.now() - t0;
  ws.close();
  if (got !== n) throw new Error(`floor: ${got} of ${n} echoes in 30 s`);
  return {per_s: n / ms * 1000, ms};
}"""

# The floor for 1 MB: 1,000,000 bytes as binary messages of at most `chunk` bytes (the server's
# frame limit, as Tether chunks byte arrays), all sent at once, until the last echo.
FLOOR_1MB_JS = "async ({count, chunk, runs, warm}) => {" + FLOOR_OPEN + """
  const ws = await openEcho();
  ws.binaryType = 'arraybuffer';
  const data = new Uint8Array(count);
  for (let i = 0; i < count; i++) data[i] = (i * 7) & 255;
  let got = 0, resolve;
  ws.onmessage = (m) => { got += m.data.byteLength; if (got >= count) resolve(); };
  const times = [];
  for (let k = 0; k < warm + runs; k++) {
    got = 0;
    const t0 = performance.now();
    await new Promise((r) => {
      resolve = r;
      for (let at = 0; at < count; at += chunk) ws.send(data.subarray(at, Math.min(count, at + chunk)));
    });
    const dt = performance.now() - t0;
    if (got !== count) throw new Error(`floor: echoed ${got} of ${count} bytes`);
    if (k >= warm) times.push(dt);
  }
  ws.close();
  times.sort((a, b) => a - b);
  return {p50_ms: times[Math.floor(times.length / 2)], min_ms: times[0]};
}"""

JS_SWIFT_SEQ_JS = "async ({n, warm}) => {" + PERCENTILES + """
  await Tether.ready;
  for (let i = 0; i < warm; i++) await Tether.invokeMethodAsync('Bench', 'Noop', i);
  const lat = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await Tether.invokeMethodAsync('Bench', 'Noop', i);
    lat.push(performance.now() - t0);
    if (r !== i) throw new Error(`Bench.Noop(${i}) returned ${r}`);
  }
  return pct(lat);
}"""

JS_SWIFT_PIPELINED_JS = """async ({n}) => {
  await Tether.ready;
  const t0 = performance.now();
  const calls = [];
  for (let i = 0; i < n; i++) calls.push(Tether.invokeMethodAsync('Bench', 'Noop', i));
  const results = await Promise.all(calls);
  const ms = performance.now() - t0;
  results.forEach((r, i) => { if (r !== i) throw new Error(`Bench.Noop(${i}) returned ${r}`); });
  return {per_s: n / ms * 1000, ms};
}"""

# ~1 MB of JSON: 142,857 seven-character numbers ("123456,").
BYTES_JSON_JS = """async ({count, runs, warm}) => {
  await Tether.ready;
  const arr = Array.from({length: count}, (_, i) => 100000 + (i % 900000));
  const size = JSON.stringify(arr).length;
  const times = [];
  for (let k = 0; k < warm + runs; k++) {
    const t0 = performance.now();
    const r = await Tether.invokeMethodAsync('Demo', 'Echo', arr);
    const dt = performance.now() - t0;
    if (!Array.isArray(r) || r.length !== count || r[count - 1] !== arr[count - 1]) throw new Error('Demo.Echo: wrong answer');
    if (k >= warm) times.push(dt);
  }
  times.sort((a, b) => a - b);
  return {size, p50_ms: times[Math.floor(times.length / 2)], min_ms: times[0], max_ms: times[times.length - 1]};
}"""

# 1,000,000 bytes as a Uint8Array: binary frames both ways, where the runtime has them.
BYTES_BINARY_JS = """async ({count, runs, warm}) => {
  await Tether.ready;
  const data = new Uint8Array(count);
  for (let i = 0; i < count; i++) data[i] = (i * 7) & 255;
  const times = [];
  for (let k = 0; k < warm + runs; k++) {
    const t0 = performance.now();
    const r = await Tether.invokeMethodAsync('Demo', 'ReverseBytes', data);
    const dt = performance.now() - t0;
    if (!(r instanceof Uint8Array) || r.length !== count || r[0] !== data[count - 1] || r[count - 1] !== data[0]) {
      throw new Error(`Demo.ReverseBytes answered ${Object.prototype.toString.call(r)} of length ${r && r.length}, not the reversed Uint8Array`);
    }
    if (k >= warm) times.push(dt);
  }
  times.sort((a, b) => a - b);
  return {size: count, p50_ms: times[Math.floor(times.length / 2)], min_ms: times[0], max_ms: times[times.length - 1]};
}"""

# 50 MB each way through the stream API: Swift→JS reads a SwiftStreamReference with arrayBuffer(),
# JS→Swift hands Swift a JSStreamReference over a Uint8Array, which Swift reads to the end.
STREAM_TO_JS_JS = """async ({size}) => {
  await Tether.ready;
  const t0 = performance.now();
  const ref = await Tether.invokeMethodAsync('Bench', 'StreamToJS', size);
  const buf = await ref.arrayBuffer();
  const ms = performance.now() - t0;
  if (buf.byteLength !== size) throw new Error(`StreamToJS: ${buf.byteLength} of ${size} bytes`);
  return {ms, mb_per_s: size / 1e6 / (ms / 1000)};
}"""

STREAM_FROM_JS_JS = """async ({size}) => {
  await Tether.ready;
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) data[i] = i & 255;
  const t0 = performance.now();
  const got = await Tether.invokeMethodAsync('Bench', 'StreamFromJS', Tether.createJSStreamReference(data));
  const ms = performance.now() - t0;
  if (got !== size) throw new Error(`StreamFromJS: Swift read ${got} of ${size} bytes`);
  return {ms, mb_per_s: size / 1e6 / (ms / 1000)};
}"""

# As ../shared/peers/nicegui/measure.py's CLICK_JS, with Tether's counter ids, returning every latency:
# the percentiles are taken here, and durability pools rounds from two servers.
CLICK_SAMPLES_JS = """async (n) => {
  const cnt = document.querySelector('#count'); const btn = document.querySelector('#increment');
  const lat = [];
  for (let i = 0; i < n; i++) {
    const before = cnt.innerText; const t0 = performance.now();
    await new Promise(res => {
      const mo = new MutationObserver(() => { if (cnt.innerText !== before) { mo.disconnect(); res(); } });
      mo.observe(cnt, {childList: true, characterData: true, subtree: true});
      btn.click();
    });
    lat.push(performance.now() - t0);
  }
  return lat;
}"""


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def wait_for_quiet(max_s, threshold=1.0):
    """Other work on the machine skews every figure: wait a while for the 1-minute load to drop."""
    t0 = time.time()
    while loadavg() > threshold and time.time() - t0 < max_s:
        time.sleep(5)
    return round(time.time() - t0)


def median(values):
    s = sorted(values)
    return s[len(s) // 2]


def browser_figures(server, cfg, results, notes):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            page = browser.new_page()
            page.set_default_timeout(120_000)

            # Everything but click→DOM runs on the bench page, the floor too (the echo socket is
            # opened from the same page), in interleaved rounds: floor, Swift→JS, JS→Swift, then
            # again. Load from elsewhere on the machine then lands on all three alike, and the
            # ratios to the floor stay meaningful. Each figure is the median over the rounds.
            page.goto(server.url("/_bench/interop"))
            page.wait_for_function("() => window.Tether !== undefined")
            page.evaluate("() => Tether.ready.then(() => true)")
            if not page.evaluate("() => self.crossOriginIsolated"):
                notes.append("the pages were not cross-origin isolated: performance.now() had 100 µs resolution")
            rounds, per = cfg["rounds"], max(1, cfg["seq_n"] // cfg["rounds"])
            page.fill("#n", str(per))
            page.fill("#n-pipelined", str(cfg["pipelined_n"]))
            page.evaluate(FLOOR_SEQ_JS, {"n": cfg["warm"], "warm": 0})
            page.evaluate(JS_SWIFT_SEQ_JS, {"n": cfg["warm"], "warm": 0})
            seq = {"floor": [], "swift_js": [], "js_swift": []}
            for _ in range(rounds):
                r = page.evaluate(FLOOR_SEQ_JS, {"n": per, "warm": 20})
                seq["floor"].append((r["p50_us"], r["p99_us"], r["mean_us"]))
                m = re.search(r"p50_us=(\d+) p99_us=(\d+) mean_us=(\d+)", click_for_result(page, "#run-swift-js", "#out", "seq"))
                seq["swift_js"].append(tuple(int(g) for g in m.groups()))
                r = page.evaluate(JS_SWIFT_SEQ_JS, {"n": per, "warm": 20})
                seq["js_swift"].append((r["p50_us"], r["p99_us"], r["mean_us"]))
            for kind, samples in seq.items():
                for i, q in enumerate(("p50", "p99", "mean")):
                    results[f"{kind}_rtt_{q}_us"] = round(median([x[i] for x in samples]), 1)
                results[f"{kind}_rtt_rounds"] = [[round(v, 1) for v in x] for x in samples]

            pipelined = {"floor": [], "swift_js": [], "js_swift": []}
            for _ in range(cfg["repeats"]):
                pipelined["floor"].append(page.evaluate(FLOOR_PIPELINED_JS, {"n": cfg["pipelined_n"]})["per_s"])
                text = click_for_result(page, "#run-swift-js-pipelined", "#out-pipelined", "pipelined")
                pipelined["swift_js"].append(int(re.search(r"per_s=(\d+)", text).group(1)))
                pipelined["js_swift"].append(page.evaluate(JS_SWIFT_PIPELINED_JS, {"n": cfg["pipelined_n"]})["per_s"])
            results["floor_pipelined_per_s"] = round(median(pipelined["floor"]))
            results["pipelined_swift_js_per_s"] = round(median(pipelined["swift_js"]))
            results["pipelined_js_swift_per_s"] = round(median(pipelined["js_swift"]))

            # 1 MB round trips, interleaved with the floor's the same way.
            results["bytes_1mb_rtt_ms"] = results["bytes_1mb_json_rtt_ms"] = results["bytes_1mb_binary_rtt_ms"] = None
            one_mb = {"floor": [], "binary": [], "json": []}
            failed = {}
            floor_args = {"count": 1_000_000, "chunk": 256 * 1024, "runs": 1, "warm": 0}
            page.evaluate(FLOOR_1MB_JS, dict(floor_args, warm=2))
            for k in range(cfg["bytes_runs"]):
                one_mb["floor"].append(page.evaluate(FLOOR_1MB_JS, floor_args)["p50_ms"])
                for kind, js, args in (("binary", BYTES_BINARY_JS, {"count": 1_000_000}),
                                       ("json", BYTES_JSON_JS, {"count": 142_857})):
                    if kind in failed:
                        continue
                    try:
                        r = page.evaluate(js, dict(args, runs=1, warm=2 if k == 0 else 0))
                        one_mb[kind].append(r["p50_ms"])
                    except Exception as e:  # the runtime may refuse it, or not have it yet
                        failed[kind] = first_line(e)
            results["floor_1mb_rtt_ms"] = round(median(one_mb["floor"]), 2)
            if "json" in failed:
                notes.append(f"1 MB as JSON numbers (Demo.Echo): not measured: {failed['json']}")
            elif one_mb["json"]:
                results["bytes_1mb_json_rtt_ms"] = results["bytes_1mb_rtt_ms"] = round(median(one_mb["json"]), 2)
                results["bytes_1mb_mode"] = "json"
            if "binary" in failed:
                notes.append(f"1 MB as bytes (Demo.ReverseBytes, Uint8Array): not measured: {failed['binary']}")
            elif one_mb["binary"]:
                results["bytes_1mb_binary_rtt_ms"] = results["bytes_1mb_rtt_ms"] = round(median(one_mb["binary"]), 2)
                results["bytes_1mb_mode"] = "binary"

            # 50 MB streams, each way.
            for key, js, label in (("stream_50mb_swift_js", STREAM_TO_JS_JS, "Swift→JS"),
                                   ("stream_50mb_js_swift", STREAM_FROM_JS_JS, "JS→Swift")):
                try:
                    r = page.evaluate(js, {"size": cfg["stream_bytes"]})
                    results[f"{key}_ms"] = round(r["ms"], 1)
                    results[f"{key}_mb_per_s"] = round(r["mb_per_s"], 1)
                except Exception as e:  # streams are recent; keep the other figures if they break
                    results[f"{key}_ms"] = results[f"{key}_mb_per_s"] = None
                    notes.append(f"{cfg['stream_bytes'] / 1e6:g} MB stream {label}: not measured: {first_line(e)}")

            # Click → DOM on the counter.
            page.goto(server.url("/counter"))
            page.wait_for_function("() => window.Tether !== undefined")
            page.evaluate("() => Tether.ready.then(() => true)")
            page.evaluate(CLICK_SAMPLES_JS, cfg["click_warm"])
            lat = sorted(page.evaluate(CLICK_SAMPLES_JS, cfg["clicks"]))
            results["click_dom_p50_ms"] = round(lat[len(lat) // 2], 3)
            results["click_dom_p99_ms"] = round(lat[int(len(lat) * 0.99)], 3)
        finally:
            browser.close()


def click_for_result(page, button, output, prefix):
    """Clicks a bench-page button and returns the next result it writes (results end in run=K)."""
    before = page.text_content(output)
    page.click(button)
    page.wait_for_function(
        "([sel, before]) => { const t = document.querySelector(sel).textContent;"
        " return t !== before && /^(seq|pipelined|error)/.test(t); }", arg=[output, before], timeout=120_000)
    text = page.text_content(output)
    if not text.startswith(prefix):
        raise RuntimeError(f"{button}: {text}")
    return text


def first_line(e):
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


# --------------------------------------------------------------------------------------------
# Circuits without a browser


def run_circuits(mode, server, n, timeout, extra=()):
    cmd = [sys.executable, CIRCUITS, mode, "--port", str(server.port), "--pid", str(server.pid), "--n", str(n), *extra]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"n": n, "error": f"timed out after {timeout} s"}
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"n": n, "error": f"exit {p.returncode}: {(p.stderr or p.stdout).strip()[-300:]}"}
    return json.loads(lines[-1])


def memory_figures(cfg, results, notes):
    per_n = {}
    for n in cfg["memory_ns"]:
        with Server(f"memory-{n}") as server:
            r = run_circuits("memory", server, n, timeout=180)
        print(f"  idle circuits n={n}: {r}", flush=True)
        if "error" in r:
            notes.append(f"idle memory at n={n}: {r['error']}")
            continue
        per_n[n] = r
        results[f"bytes_per_idle_circuit_{n}"] = r["bytes_per_circuit"]
    results["memory_runs"] = per_n
    if per_n:
        results["bytes_per_idle_circuit"] = per_n[max(per_n)]["bytes_per_circuit"]
    # The floor, from the same browserless client: raw WebSockets on /_floor/echo, idle, and
    # round trips in a row (what the browser adds to the floor shows against the in-page figure).
    n = max(cfg["memory_ns"])
    with Server(f"floor-memory-{n}") as server:
        r = run_circuits("memory-floor", server, n, timeout=180)
    print(f"  idle raw sockets n={n}: {r}", flush=True)
    if "error" in r:
        notes.append(f"idle raw sockets at n={n}: {r['error']}")
    else:
        results["floor_bytes_per_idle_socket"] = r["bytes_per_circuit"]
    with Server("floor-echo") as server:
        r = run_circuits("echo", server, cfg["seq_n"], timeout=120)
    if "error" in r:
        notes.append(f"raw-client echo: {r['error']}")
    else:
        results["floor_raw_client_rtt_p50_us"] = r["p50_us"]
        results["floor_raw_client_rtt_p99_us"] = r["p99_us"]


def ladder(cfg, results, notes):
    """The most circuits, each clicking once a second, with click→patch p99 under 100 ms."""
    cap = fd_hard_limit() - 400  # the server and the client each hold one socket per circuit
    steps = [n for n in cfg["ladder"] if n <= cap]
    if steps and steps[-1] < cfg["ladder"][-1] and cap > steps[-1]:
        steps.append(cap)
    capped = any(n > cap for n in cfg["ladder"])
    best = 0
    runs = []
    deadline = time.time() + cfg["ladder_budget_s"]
    stopped = "the ladder ended"
    for n in steps:
        if time.time() > deadline:
            stopped = f"the ladder's time budget ({cfg['ladder_budget_s']} s) ran out"
            break
        # A failed step gets a second try on a fresh server: on a shared machine one burst of
        # other work can push a p99 past 100 ms. Both tries are reported.
        for attempt in (1, 2):
            with Server(f"ladder-{n}-{attempt}") as server:
                r = run_circuits("load", server, n, timeout=cfg["ladder_step_s"],
                                 extra=["--warmup", str(cfg["ladder_warmup_s"]), "--seconds", str(cfg["ladder_seconds"])])
            ok = ("error" not in r and r.get("p99_ms") is not None and r["p99_ms"] < 100
                  and r["missing"] == 0 and r["errors"] == 0 and r["closed"] == 0)
            r["passed"] = ok
            r["attempt"] = attempt
            runs.append(r)
            print(f"  {n} circuits, try {attempt}: {'pass' if ok else 'FAIL'} {r}", flush=True)
            if ok or time.time() > deadline:
                break
        if not ok:
            stopped = f"{n} circuits failed"
            break
        best = n
    results["max_circuits"] = best
    results["max_circuits_runs"] = runs
    results["max_circuits_capped"] = capped and best == (steps[-1] if steps else 0)
    results["max_circuits_fd_limit"] = fd_hard_limit()
    if results["max_circuits_capped"]:
        notes.append(f"concurrent circuits: every step passed up to {best}, where the machine's hard fd limit "
                     f"({fd_hard_limit()}, not raisable here) stops the ladder; the real ceiling is higher")
    else:
        notes.append(f"concurrent circuits: {stopped}")


# --------------------------------------------------------------------------------------------
# Durable circuits (issue #15): every server saves circuits to an SQLite file of its own, in a
# temporary folder, unless it is the "off" one.

STATS_PATH = "/bench/persistence"


def store_stats(server):
    with urllib.request.urlopen(server.url(STATS_PATH), timeout=10) as r:
        return json.loads(r.read())


def store_env(folder, name, interval_ms):
    env = {"TETHER_BENCH_STORE": os.path.join(folder, f"{name}.sqlite")}
    if interval_ms != 1000:
        env["TETHER_BENCH_PERSIST_INTERVAL_MS"] = str(interval_ms)
    return env


def file_bytes(path):
    return sum(os.path.getsize(p) for p in (path, path + "-wal", path + "-shm") if os.path.exists(p))


def durability_figures(cfg, results, notes):
    d = cfg["durability"]
    folder = tempfile.mkdtemp(prefix="tether-bench-stores-")
    results["durability_persist_interval_ms"] = d["interval_ms"]
    try:
        for label, part in (("click→DOM with persistence", durability_clicks), ("resume after kill -9", durability_restart),
                            ("paused circuits", durability_pause_memory), ("store write rate", durability_write_rate)):
            print(f"  {label}", flush=True)
            try:
                part(d, folder, results, notes)
            except Exception as e:  # keep the other parts' figures
                notes.append(f"durable circuits, {label}: not measured: {first_line(e)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def durability_clicks(d, folder, results, notes):
    """Click→DOM on /counter against two servers at once, persistence off and on, in interleaved
    rounds (the order alternating), every latency pooled per server."""
    from playwright.sync_api import sync_playwright

    env = store_env(folder, "clicks", d["interval_ms"])
    with Server("durability-clicks-off") as off, Server("durability-clicks-on", env=env) as on, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            pages = {}
            for key, server in (("off", off), ("on", on)):
                page = browser.new_page()
                page.set_default_timeout(120_000)
                page.goto(server.url("/counter"))
                page.wait_for_function("() => window.Tether !== undefined")
                page.evaluate("() => Tether.ready.then(() => true)")
                page.evaluate(CLICK_SAMPLES_JS, d["click_warm"])
                pages[key] = page
            stats0 = store_stats(on)
            t0 = time.time()
            lat = {"off": [], "on": []}
            for k in range(d["click_rounds"]):
                for key in (("off", "on") if k % 2 == 0 else ("on", "off")):
                    lat[key] += pages[key].evaluate(CLICK_SAMPLES_JS, d["clicks_per_round"])
            seconds = time.time() - t0
            stats1 = store_stats(on)
        finally:
            browser.close()
    for key, samples in lat.items():
        samples.sort()
        n = len(samples)
        results[f"click_dom_persist_{key}_p50_ms"] = round(samples[n // 2], 3)
        results[f"click_dom_persist_{key}_p99_ms"] = round(samples[min(n - 1, int(n * 0.99))], 3)
    results["click_dom_persist_clicks"] = len(lat["on"])
    results["click_dom_persist_rows_written"] = stats1["rows_written"] - stats0["rows_written"]
    results["click_dom_persist_seconds"] = round(seconds, 1)
    for q in ("p50", "p99"):
        r = ratio(results[f"click_dom_persist_on_{q}_ms"], results[f"click_dom_persist_off_{q}_ms"])
        results[f"click_dom_persist_ratio_{q}"] = round(r, 3) if r is not None else None
    print(f"    off p50/p99 {results['click_dom_persist_off_p50_ms']}/{results['click_dom_persist_off_p99_ms']} ms, "
          f"on {results['click_dom_persist_on_p50_ms']}/{results['click_dom_persist_on_p99_ms']} ms, "
          f"{results['click_dom_persist_rows_written']} rows written meanwhile", flush=True)


def metrics_figures(cfg, results, notes):
    """Click→DOM on /counter against three servers at once: no metrics backend (swift-metrics'
    no-op factory, the default), swift-prometheus bootstrapped (`TETHER_BENCH_METRICS=1`), and
    swift-prometheus with a tracer installed (`TETHER_BENCH_TRACING=1`). Identical servers differ
    by up to 10% from one process (and browser tab) to the next, so the comparison runs in several
    sessions of fresh servers, each taking its turn in every slot; within a session, short rounds
    rotate the order. Every latency is pooled per configuration. Each Prometheus server's /metrics
    must then have counted every click, so "on" really measured something."""
    from contextlib import ExitStack

    from playwright.sync_api import sync_playwright

    m = cfg["metrics"]
    # The server's own cost, without a browser's noise: the instrumentation of one event in a loop.
    cost = json.loads(subprocess.run([BIN, "instrument-cost", str(m["instrument_events"])], capture_output=True, text=True,
                                     timeout=300, check=True).stdout)
    for key in ("off", "on", "traced"):
        results[f"instrument_ns_per_event_{key}"] = cost[f"{key}_ns_per_event"]
    print(f"    instrumentation per event: {cost['off_ns_per_event']} ns with no backend, {cost['on_ns_per_event']} ns with "
          f"swift-prometheus, {cost['traced_ns_per_event']} ns with a tracer too", flush=True)
    variants = [("off", {}), ("on", {"TETHER_BENCH_METRICS": "1"}),
                ("traced", {"TETHER_BENCH_METRICS": "1", "TETHER_BENCH_TRACING": "1"})]
    lat = {key: [] for key, _ in variants}
    miscounted = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            for session in range(m["sessions"]):
                order = variants[session % 3:] + variants[:session % 3]
                with ExitStack() as stack:
                    servers = {key: stack.enter_context(Server(f"metrics-{key}-{session}", env=env)) for key, env in order}
                    pages = {}
                    for key, server in servers.items():
                        context = browser.new_context()
                        stack.callback(context.close)
                        page = context.new_page()
                        page.set_default_timeout(120_000)
                        page.goto(server.url("/counter"))
                        page.wait_for_function("() => window.Tether !== undefined")
                        page.evaluate("() => Tether.ready.then(() => true)")
                        page.evaluate(CLICK_SAMPLES_JS, m["click_warm"])
                        pages[key] = page
                    keys = list(servers)
                    for k in range(m["click_rounds"]):
                        for key in keys[k % len(keys):] + keys[:k % len(keys)]:
                            lat[key] += pages[key].evaluate(CLICK_SAMPLES_JS, m["clicks_per_round"])
                    clicks = m["click_warm"] + m["click_rounds"] * m["clicks_per_round"]
                    for key in ("on", "traced"):
                        with urllib.request.urlopen(servers[key].url("/metrics"), timeout=10) as r:
                            counted = re.search(r"^tether_events_total (\d+)", r.read().decode(), re.M)
                        if not counted or int(counted.group(1)) != clicks:
                            miscounted.append(f"{key}: {counted.group(1) if counted else 'no tether_events_total'} of {clicks}")
        finally:
            browser.close()
    for key, samples in lat.items():
        samples.sort()
        n = len(samples)
        results[f"click_dom_metrics_{key}_p50_ms"] = round(samples[n // 2], 3)
        results[f"click_dom_metrics_{key}_p99_ms"] = round(samples[min(n - 1, int(n * 0.99))], 3)
    results["click_dom_metrics_clicks"] = len(lat["on"])
    results["metrics_sessions"] = m["sessions"]
    results["metrics_events_miscounted"] = len(miscounted)
    if miscounted:
        notes.append(f"metrics: /metrics did not count every click: {'; '.join(miscounted)}")
    for name, key in (("metrics", "on"), ("tracing", "traced")):
        for q in ("p50", "p99"):
            r = ratio(results[f"click_dom_metrics_{key}_{q}_ms"], results[f"click_dom_metrics_off_{q}_ms"])
            results[f"click_dom_{name}_ratio_{q}"] = round(r, 3) if r is not None else None
    print("    " + ", ".join(f"{key} p50/p99 {results[f'click_dom_metrics_{key}_p50_ms']}/{results[f'click_dom_metrics_{key}_p99_ms']} ms"
                            for key in lat), flush=True)
    print(f"    metrics on / off: p50 {results['click_dom_metrics_ratio_p50']}×, p99 {results['click_dom_metrics_ratio_p99']}×; "
          f"with a tracer too: p50 {results['click_dom_tracing_ratio_p50']}×, p99 {results['click_dom_tracing_ratio_p99']}×; "
          f"/metrics miscounted the clicks of {len(miscounted)} servers", flush=True)


def read_json_line(proc, timeout):
    """The next line of a child's stdout that is a JSON object, within `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.time()))
        if not ready:
            break
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"circuits.py exited ({proc.wait()}): {proc.stderr.read().strip()[-300:]}")
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"circuits.py said nothing for {timeout} s")


def durability_restart(d, folder, results, notes):
    """n circuits clicked and saved; SIGKILL; a new process on the same port and store; every
    circuit resumes (bench/circuits.py restart)."""
    n = d["restart_n"]
    env = store_env(folder, "restart", d["interval_ms"])
    client = None
    try:
        with Server("durability-restart-1", env=env) as first:
            client = subprocess.Popen(
                [sys.executable, CIRCUITS, "restart", "--port", str(first.port), "--pid", str(first.pid), "--n", str(n),
                 "--interval", str(d["interval_ms"] / 1000), "--stats-path", STATS_PATH],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            saved = read_json_line(client, 180)
            if "error" in saved:
                raise RuntimeError(saved["error"])
            first.proc.kill()  # SIGKILL: no drain, no goodbye; only what the store holds survives
            first.proc.wait()
            killed_at = time.time()
        with Server("durability-restart-2", env=env, port=first.port) as second:
            r = read_json_line(client, 180)
            spawned_at = second.spawned_at
        client.wait(timeout=30)
    finally:
        if client and client.poll() is None:
            client.kill()
    if "error" in r:
        raise RuntimeError(r["error"])
    r["rows_saved_before_kill"] = saved["stats"]["rows_written"]
    r["spawn_to_all_s"] = round(r["all_restored_epoch"] - spawned_at, 3)
    r["kill_to_all_s"] = round(r["all_restored_epoch"] - killed_at, 3)
    results["durability_restart"] = r
    results["resume_after_restart_n"] = r["n"]
    results["resume_after_restart_s"] = r["first_accept_to_all_s"]
    results["resume_after_restart_failed"] = r["failed"]
    results["resume_after_restart_state_lost"] = r["state_lost"]
    print(f"    {r['restored']} of {r['n']} restored in {r['first_accept_to_all_s']} s from the first accepted connection "
          f"({r['spawn_to_all_s']} s from the new process's start); failed {r['failed']}, state lost {r['state_lost']}", flush=True)
    if r["failed"] or r["state_lost"]:
        notes.append(f"resume after kill -9: {r['failed']} of {r['n']} failed, {r['state_lost']} lost their count; "
                     f"first failures: {r['failures']}")


def durability_pause_memory(d, folder, results, notes):
    n = d["pause_n"]
    with Server(f"durability-pause-{n}", env=store_env(folder, "pause", d["interval_ms"])) as server:
        r = run_circuits("pause-memory", server, n, timeout=300,
                         extra=["--stats-path", STATS_PATH, "--settle", str(d["settle_s"])])
    if "error" in r:
        raise RuntimeError(r["error"])
    results["durability_pause"] = r
    results["bytes_per_paused_circuit"] = r["bytes_per_paused_circuit"]
    results["bytes_per_paused_circuit_2"] = r["bytes_per_paused_circuit_2"]
    results["heap_bytes_per_paused_circuit"] = r["heap_bytes_per_paused_circuit"]
    results["heap_bytes_per_paused_circuit_2"] = r["heap_bytes_per_paused_circuit_2"]
    results["heap_bytes_per_live_circuit"] = r["heap_bytes_per_live_circuit"]
    results["bytes_per_live_circuit_persisted"] = r["bytes_per_live_circuit"]
    print(f"    n={n}: heap in use {r['heap_bytes_per_paused_circuit']} B per paused circuit ({r['heap_bytes_per_live_circuit']} B live); "
          f"RSS {r['bytes_per_paused_circuit']} B per paused circuit (second round {r['bytes_per_paused_circuit_2']} B), "
          f"{r['bytes_per_live_circuit']} B per live one; close codes {r['close_codes']}", flush=True)
    if r["close_codes"] != {"4006": 2 * n}:
        notes.append(f"paused circuits: close codes {r['close_codes']}, expected 4006 for all {2 * n}")


def durability_write_rate(d, folder, results, notes):
    """n circuits clicking once a second with SQLite persistence, then (full runs) without, for
    the server CPU persistence costs."""
    n = d["load_n"]
    extra = ["--warmup", str(d["load_warmup_s"]), "--seconds", str(d["load_seconds"])]
    runs = {}
    path = os.path.join(folder, "load.sqlite")
    for key in ("on", "off") if d["load_contrast"] else ("on",):
        env = store_env(folder, "load", d["interval_ms"]) if key == "on" else {}
        with Server(f"durability-load-{key}-{n}", env=env) as server:
            r = run_circuits("load", server, n, timeout=d["load_warmup_s"] + d["load_seconds"] + 120,
                             extra=extra + (["--stats-path", STATS_PATH] if key == "on" else []))
        if "error" in r:
            raise RuntimeError(f"persistence {key}: {r['error']}")
        if key == "on":
            r["store_file_bytes"] = file_bytes(path)
        runs[key] = r
        print(f"    persistence {key}: {r}", flush=True)
    on = runs["on"]
    results["durability_load"] = runs
    results["store_load_circuits"] = n
    results["store_rows_per_s"] = on["store_rows_written_per_s"]
    results["store_batches_per_s"] = on["store_batches_written_per_s"]
    results["store_failed_batches"] = on["store_failed_batches"]
    results["store_load_server_cpu"] = on["server_cpu"]
    results["store_load_server_cpu_off"] = runs["off"]["server_cpu"] if "off" in runs else None
    for key, r in runs.items():
        if r["missing"] or r["closed"] or r["errors"]:
            notes.append(f"store write rate, persistence {key}: {r['missing']} clicks unanswered, {r['closed']} sockets closed, "
                         f"{r['errors']} errors")


# --------------------------------------------------------------------------------------------
# permessage-deflate on the circuit socket (issue #16): the same clicks against three servers at
# once, deflate off, on (no context takeover, shared compressors) and on with context takeover.

DEFLATE_MODES = (("off", "off"), ("on", "on"), ("takeover", "takeover"))
DEFLATE_PAGES = (("counter", "/counter"), ("todos", "/_bench/todos"), ("grid", "/_bench/grid"))
DEFLATE_START = "<!-- deflate:start -->"
DEFLATE_END = "<!-- deflate:end -->"


def proc_cpu_ns(pid):
    """CPU time of every thread of the process, in nanoseconds (/proc/<pid>/task/*/schedstat: the
    scheduler's own count, where /proc/<pid>/stat has 10 ms ticks)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:  # a thread that just ended
            pass
    return total


def proc_io(pid):
    """(bytes the process wrote, bytes it read) through write/read-family calls: with one page
    connected and logging off, what it sent and received on its sockets."""
    io = {}
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            k, v = line.split(":")
            io[k] = int(v)
    return io["wchar"], io["rchar"]


def deflate_figures(cfg, results, notes):
    """Click→DOM on /counter (small batches, under the 256-byte threshold) and /_bench/grid (a
    200-row re-render, ~10 KB per click) against the three servers, rounds interleaved in a
    rotating order; per server: its CPU (/proc/<pid>/stat), the bytes it wrote and read
    (/proc/<pid>/io) over its own rounds only, and every click's latency."""
    from playwright.sync_api import sync_playwright

    d = cfg["deflate"]
    out = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
           "clicks_per_round": d["clicks_per_round"], "rounds": d["rounds"], "load_start": loadavg(), "pages": {}}
    servers = {}
    try:
        for mode, env_value in DEFLATE_MODES:
            servers[mode] = Server(f"deflate-{mode}", env={"TETHER_BENCH_DEFLATE": env_value}).__enter__()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
            try:
                for page_key, path in DEFLATE_PAGES:
                    pages, handshakes = {}, {}
                    for mode, server in servers.items():
                        page = browser.new_page()
                        page.set_default_timeout(120_000)
                        cdp = page.context.new_cdp_session(page)
                        cdp.send("Network.enable")
                        cdp.on("Network.webSocketHandshakeResponseReceived",
                               lambda e, m=mode: handshakes.setdefault(m, {k.lower(): v for k, v in e["response"]["headers"].items()}))
                        page.goto(server.url(path))
                        page.wait_for_function("() => window.Tether !== undefined")
                        page.evaluate("() => Tether.ready.then(() => true)")
                        page.evaluate(CLICK_SAMPLES_JS, d["click_warm"])
                        pages[mode] = page
                    acc = {m: {"lat": [], "cpu_ns": 0, "wrote": 0, "read": 0, "clicks": 0} for m in servers}
                    order = list(servers)
                    for k in range(d["rounds"]):
                        for mode in order[k % len(order):] + order[:k % len(order)]:
                            pid = servers[mode].pid
                            t0, (w0, r0) = proc_cpu_ns(pid), proc_io(pid)
                            acc[mode]["lat"] += pages[mode].evaluate(CLICK_SAMPLES_JS, d["clicks_per_round"])
                            t1, (w1, r1) = proc_cpu_ns(pid), proc_io(pid)
                            acc[mode]["cpu_ns"] += t1 - t0
                            acc[mode]["wrote"] += w1 - w0
                            acc[mode]["read"] += r1 - r0
                            acc[mode]["clicks"] += d["clicks_per_round"]
                    for page in pages.values():
                        page.close()
                    figures = {}
                    for mode, a in acc.items():
                        lat = sorted(a["lat"])
                        n = len(lat)
                        figures[mode] = {
                            "clicks": a["clicks"],
                            "p50_ms": round(lat[n // 2], 3),
                            "p99_ms": round(lat[min(n - 1, int(n * 0.99))], 3),
                            "bytes_out_per_click": round(a["wrote"] / a["clicks"]),
                            "bytes_in_per_click": round(a["read"] / a["clicks"]),
                            "cpu_us_per_click": round(a["cpu_ns"] / 1000 / a["clicks"], 1),
                            "extensions": handshakes.get(mode, {}).get("sec-websocket-extensions", ""),
                        }
                    for mode in figures:
                        for q in ("p50", "p99"):
                            r = ratio(figures[mode][f"{q}_ms"], figures["off"][f"{q}_ms"])
                            figures[mode][f"{q}_ratio"] = round(r, 3) if r is not None else None
                        for key in ("bytes_out_per_click", "cpu_us_per_click"):
                            r = ratio(figures[mode][key], figures["off"][key])
                            figures[mode][key.replace("_per_click", "_ratio")] = round(r, 3) if r is not None else None
                    out["pages"][page_key] = figures
                    for mode, f in figures.items():
                        print(f"    {path} deflate {mode}: {f}", flush=True)
                        if mode != "off" and not f["extensions"].startswith("permessage-deflate"):
                            notes.append(f"deflate {mode} on {path}: the handshake did not agree permessage-deflate ({f['extensions']!r})")
            finally:
                browser.close()
    finally:
        for server in servers.values():
            server.__exit__(None, None, None)
    out["load_end"] = loadavg()
    results["deflate"] = out


def deflate_markdown(x):
    """The permessage-deflate section, with its own date and machine: a partial run rewrites it alone."""
    m = x["machine"]
    lines = [DEFLATE_START, "## permessage-deflate on the circuit socket\n",
             f"`bench/run.py --only deflate`, {x['date']}: {m['nproc']} cores, {m['cpu']}; {m['chromium']}; commit {m['commit']}; "
             f"1-minute load average {x['load_start']} at the start, {x['load_end']} at the end. Three tether-bench servers at once "
             "(`TETHER_BENCH_DEFLATE` off, on = `PerMessageDeflate()`, takeover = `PerMessageDeflate(contextTakeover: true)`), one "
             f"Chromium page each, {x['rounds']} rounds of {x['clicks_per_round']} clicks per server and page, in rotating order. "
             "Bytes are what the server process wrote and read (`/proc/<pid>/io`: WebSocket frames, without TCP/IP headers); "
             "CPU is the server's, summed over its threads (`/proc/<pid>/task/*/schedstat`) over its own rounds; click→DOM as above.\n",
             "| page | deflate | bytes out / click | bytes in / click | server CPU / click | click→DOM p50 / p99 | p50 vs off | negotiated |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for page_key, path in DEFLATE_PAGES:
        for mode, _ in DEFLATE_MODES:
            f = (x["pages"].get(page_key) or {}).get(mode)
            if not f:
                continue
            rel = "" if mode == "off" else f" ({fmt(f['bytes_out_ratio'])}×)"
            cpu_rel = "" if mode == "off" else f" ({fmt(f['cpu_us_ratio'])}×)"
            lines.append(f"| `{path}` | {mode} | {fmt(f['bytes_out_per_click'], ' B')}{rel} | {fmt(f['bytes_in_per_click'], ' B')} | "
                         f"{fmt(f['cpu_us_per_click'], ' µs')}{cpu_rel} | {fmt(f['p50_ms'], ' ms')} / {fmt(f['p99_ms'], ' ms')} | "
                         f"{fmt(f['p50_ratio'])}× | `{f['extensions'] or '—'}` |")
    lines += ["", DEFLATE_END]
    return lines


def rewrite_deflate_section(x, path):
    sections.replace_section(path, DEFLATE_START, DEFLATE_END, deflate_markdown(x))


# --------------------------------------------------------------------------------------------
# Transport memory (issue 19): idle circuits and sockets, before and after, and where bytes go

TRANSPORT_START = "<!-- transport:start -->"
TRANSPORT_END = "<!-- transport:end -->"
BEFORE_BIN = os.environ.get("TETHER_BENCH_BEFORE_BIN")


def transport_figures(cfg, results, notes):
    """Fresh server per figure; before and after alternate at each N, so load from elsewhere lands
    on both alike."""
    import heap_breakdown
    c = cfg["transport"]
    builds = [("after", BIN)] + ([("before", BEFORE_BIN)] if BEFORE_BIN else [])
    out = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
           "load_start": loadavg(), "builds": {name: binary for name, binary in builds}, "idle": {}, "breakdown": {}}
    if BEFORE_BIN:
        out["before_commit"] = os.path.basename(os.path.dirname(os.path.dirname(os.path.dirname(BEFORE_BIN))))
    for n in c["ns"]:
        for name, binary in reversed(builds):
            rows = out["idle"].setdefault(name, {})
            with Server(f"transport-{name}-{n}", binary=binary) as server:
                rows[f"circuit_{n}"] = run_circuits("memory", server, n, timeout=300)
            with Server(f"transport-floor-{name}-{n}", binary=binary) as server:
                rows[f"floor_{n}"] = run_circuits("memory-floor", server, n, timeout=300)
            print(f"  {name} n={n}: circuit {rows[f'circuit_{n}']}, floor {rows[f'floor_{n}']}", flush=True)
    # The lean floor: the same raw sockets, served by a plain NIO handler (this build only).
    lean_port = free_port()
    n = max(c["ns"])
    with Server(f"transport-lean-{n}", env={"TETHER_BENCH_LEAN_FLOOR_PORT": str(lean_port)}) as server:
        cmd = [sys.executable, CIRCUITS, "memory-floor", "--port", str(lean_port), "--pid", str(server.pid), "--n", str(n)]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
        out["idle"]["after"][f"lean_{n}"] = json.loads(lines[-1]) if lines else {"error": p.stderr.strip()[-300:]}
    print(f"  lean floor n={n}: {out['idle']['after'][f'lean_{n}']}", flush=True)
    if shutil.which("heaptrack"):
        with tempfile.TemporaryDirectory(prefix="tether-heap-") as folder:
            for name, binary in builds:
                modes = ["raw", "circuit", "deflate"] + (["lean"] if name == "after" else [])
                for mode in modes:
                    try:
                        r = heap_breakdown.run_mode(binary, mode, c["heap_n"], free_port(), folder)
                    except Exception as e:  # the other figures stand
                        notes.append(f"heap breakdown {name} {mode}: {first_line(e)}")
                        continue
                    out["breakdown"].setdefault(name, {})[mode] = r
                    print(f"  heap {name} {mode}: {r['heaptrack_live_per_socket']} B per socket", flush=True)
    else:
        notes.append("heap breakdown: heaptrack is not installed (apt-get install heaptrack)")
    out["heap_n"] = c["heap_n"]
    out["load_end"] = loadavg()
    results["transport"] = out


def transport_markdown(x):
    import heap_breakdown
    m = x["machine"]
    idle, before = x["idle"], "before" in x["idle"]
    lines = [TRANSPORT_START, "## Where an idle socket's bytes go\n",
             f"`bench/run.py --only transport`, {x['date']}: {m['nproc']} cores, {m['cpu']}; commit {m['commit']}"
             + (f", against `{x['builds']['before']}` (before)" if before else "") +
             f"; 1-minute load average {x['load_start']} at the start, {x['load_end']} at the end. "
             "Idle: a fresh server per figure, N circuits on `/counter` acked their first render (or N raw sockets), "
             "(VmRSS after − VmRSS before) / N, and malloc's bytes in use (`mallinfo2`) the same way; before and after "
             "alternate at each N.\n",
             "| N | what | " + ("before: RSS / malloc per socket | " if before else "") + "after: RSS / malloc per socket |",
             "| ---: | --- | " + ("---: | " if before else "") + "---: |"]
    what = {"circuit": "circuit on `/counter`", "floor": "raw Hummingbird WebSocket (`/_floor/echo`)",
            "lean": "raw WebSocket on a plain NIO handler (`LeanFloor`)"}
    keys = sorted({k for rows in idle.values() for k in rows}, key=lambda k: (int(k.split("_")[1]), k))

    def cell(r):
        if not r:
            return ""
        if "error" in r:
            return f"error: {r['error'][:60]}"
        return f"{fmt(r['bytes_per_circuit'], ' B')} / {fmt(r.get('heap_per_circuit'), ' B')}" if r.get('heap_per_circuit') \
            else fmt(r["bytes_per_circuit"], " B")
    for k in keys:
        kind, n = k.split("_")
        lines.append(f"| {int(n):,} | {what[kind]} | " + (f"{cell(idle['before'].get(k))} | " if before else "")
                     + f"{cell(idle['after'].get(k))} |")
    if x["breakdown"]:
        lines += ["", f"Where the bytes go: the same servers under heaptrack (`bench/heap_breakdown.py`), {x['heap_n']} idle "
                  "sockets, killed with SIGKILL while they are open, so every allocation not yet freed is one the sockets (or the "
                  "process) hold; the process's own are told apart by their call stacks and left out. Bytes per socket; a "
                  "task's stack memory is Swift's task allocator's 1 KB slabs, kept until the task ends.\n"]
        cols = [(name, mode) for name in ("before", "after") for mode in ("raw", "lean", "circuit", "deflate")
                if mode in x["breakdown"].get(name, {})]
        header = {"raw": "raw HB socket", "lean": "lean NIO socket", "circuit": "circuit", "deflate": "circuit + deflate"}
        lines.append("| what holds it | " + " | ".join(f"{name}: {header[mode]}" for name, mode in cols) + " |")
        lines.append("| --- | " + " | ".join("---:" for _ in cols) + " |")
        order = list(dict.fromkeys(heap_breakdown.categories()))
        seen = {k for name, mode in cols for k in x["breakdown"][name][mode]["bytes_per_socket"]}
        for k in [k for k in order if k in seen] + sorted(seen - set(order)):
            lines.append(f"| {k} | " + " | ".join(fmt(x["breakdown"][name][mode]["bytes_per_socket"].get(k) or None, " B")
                                                for name, mode in cols) + " |")
        lines.append("| **total (heaptrack)** | " + " | ".join(fmt(x["breakdown"][name][mode]["heaptrack_live_per_socket"], " B")
                                                            for name, mode in cols) + " |")
        lines.append("| RSS per socket in that run | " + " | ".join(fmt(x["breakdown"][name][mode]["rss_per_socket"], " B")
                                                                 for name, mode in cols) + " |")
    lines += ["", TRANSPORT_END]
    return lines


def rewrite_transport_section(x, path):
    sections.replace_section(path, TRANSPORT_START, TRANSPORT_END, transport_markdown(x))


# Hibernation (issue #19): idle circuits drop their components for a compressed snapshot and keep
# their socket; the first click after that revives them.

HIBERNATION_START = "<!-- hibernation:start -->"
HIBERNATION_END = "<!-- hibernation:end -->"


def hibernation_figures(cfg, results, notes):
    h = cfg["hibernation"]
    out = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
           "load_start": loadavg(), "hibernate_after_ms": h["after_ms"], "runs": []}
    for n in h["ns"]:
        with Server(f"hibernation-{n}", env={"TETHER_BENCH_HIBERNATE_AFTER_MS": str(h["after_ms"])}) as server:
            r = run_circuits("hibernation", server, n, timeout=600,
                             extra=["--settle", str(h["settle_s"]), "--revive-n", str(h.get("revive_n", 0))])
        if "error" in r:
            notes.append(f"hibernation, n={n}: {r['error']}")
            continue
        print(f"    n={n}: heap in use {r['heap_bytes_per_hibernated_circuit']} B per hibernated circuit "
              f"({r['heap_bytes_per_awake_circuit']} B awake), RSS {r['rss_bytes_per_hibernated_circuit']} B "
              f"({r['rss_bytes_per_awake_circuit']} B awake), snapshot {r['snapshot_bytes_per_circuit']} B; "
              f"first click after hibernation p50 {r['revive_p50_ms']} / p99 {r['revive_p99_ms']} ms, "
              f"awake p50 {r['awake_p50_ms']} / p99 {r['awake_p99_ms']} ms", flush=True)
        if r["errors"] or r["closed"] or r["revivals"] != r["revive_clicks"] or r["hibernated_before_measuring_awake"]:
            notes.append(f"hibernation, n={n}: {r['errors']} errors, {r['closed']} closed, {r['revivals']} revivals for "
                         f"{r['revive_clicks']} first clicks, {r['hibernated_before_measuring_awake']} hibernated before the awake figure")
        out["runs"].append(r)
    out["load_end"] = loadavg()
    results["hibernation"] = out
    if out["runs"]:
        results["heap_bytes_per_hibernated_circuit"] = out["runs"][-1]["heap_bytes_per_hibernated_circuit"]


def hibernation_markdown(x):
    """The hibernation section, with its own date and machine: a partial run rewrites it alone."""
    m = x["machine"]
    lines = [HIBERNATION_START, "## Hibernation\n",
             f"`bench/run.py --only hibernation`, {x['date']}: {m['nproc']} cores, {m['cpu']}; commit {m['commit']}; "
             f"1-minute load average {x['load_start']} at the start, {x['load_end']} at the end. tether-bench with "
             f"`TETHER_BENCH_HIBERNATE_AFTER_MS={x['hibernate_after_ms']}`, no store; `bench/circuits.py hibernation` opens n "
             "`/counter` circuits and clicks each once, reads the server's heap in use (glibc `mallinfo2`) and VmRSS with them "
             "awake, waits until `/bench/hibernation` counts all n hibernated, and reads them again (each over the baseline "
             "before the first circuit opened, divided by n). Then, one circuit at a time, it times the first click after "
             "hibernation (the revive: the snapshot inflated, the page rebuilt and rendered, the click handled, its batch "
             "back) and a second click on the same circuit, awake. Server CPU is per pair of clicks.\n",
             "| n | heap / circuit awake | heap / circuit hibernated | RSS / circuit awake | RSS / circuit hibernated | "
             "snapshot held | first click after hibernation p50 / p99 | awake click p50 / p99 | server CPU per pair |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in x["runs"]:
        lines.append(f"| {r['n']:,} | {fmt(r['heap_bytes_per_awake_circuit'], ' B')} | {fmt(r['heap_bytes_per_hibernated_circuit'], ' B')} | "
                     f"{fmt(r['rss_bytes_per_awake_circuit'], ' B')} | {fmt(r['rss_bytes_per_hibernated_circuit'], ' B')} | "
                     f"{fmt(r['snapshot_bytes_per_circuit'], ' B')} | {fmt(r['revive_p50_ms'], ' ms')} / {fmt(r['revive_p99_ms'], ' ms')} | "
                     f"{fmt(r['awake_p50_ms'], ' ms')} / {fmt(r['awake_p99_ms'], ' ms')} | {fmt(r['server_cpu_ms_per_click_pair'], ' ms')} |")
    lines += ["", HIBERNATION_END]
    return lines


def rewrite_hibernation_section(x, path):
    sections.replace_section(path, HIBERNATION_START, HIBERNATION_END, hibernation_markdown(x))


# --------------------------------------------------------------------------------------------
# WebAssembly render mode (issue #20): the module's size, click→DOM in wasm mode against server
# mode, and the synchronous in-process interop call each way.

WASM_START = "<!-- wasm:start -->"
WASM_END = "<!-- wasm:end -->"
WASM_DIR = os.environ.get("TETHER_WASM_DIR") or os.path.join(ROOT, ".build", "wasm")
# A module holding only the Todos page (bench/wasm/TodosOnly.swift): the demo's one module carries
# all three wasm pages and the exposed methods, which is not what /wasm/todos alone would cost.
WASM_TODOS_ONLY_DIR = os.path.join(ROOT, ".build", "wasm-todos-only")
WASM_TODOS_ONLY_SOURCES = ["Sources/DemoApp/Pages/Todos.swift", "bench/wasm/TodosOnly.swift"]
WASM_CLICK_PAGES = (("wasm", "/wasm/counter"), ("server", "/counter"))
# Published download sizes of the peers, with where they come from and what exactly was measured
# (found with the issue's search; none of these was measured here).
WASM_PEER_SIZES = [
    ("Blazor WebAssembly, default template, .NET 5", "2.2 MB",
     "\"the fully compressed output of the default Blazor template\" (Brotli, wire size), the baseline the .NET team set "
     "for .NET 6's size work; the same post gives 1.7 MB for .NET Core 3.x",
     "https://github.com/dotnet/runtime/issues/44317"),
    ("Blazor WebAssembly, default template (.NET 5 preview)", "~2 MB (~1.6 MB without Bootstrap, time zone data etc.)",
     "\"total transfer size when linked and compressed\", Dan Roth (Blazor PM) in the issue thread",
     "https://github.com/dotnet/aspnetcore/issues/24433"),
    ("Blazor WebAssembly, minimum template, .NET 8 (rc)", "dotnet.native.wasm 1,122 KiB; `_framework` 4,104 KiB",
     "uncompressed, the .NET perf lab's \"Minimum Blazor Template - Publish\" scenario, in the PR that fixed a size regression",
     "https://github.com/dotnet/runtime/pull/92627"),
    ("Blazor WebAssembly, emptied template, .NET 7 / .NET 8 preview 4", "1.1 MB / 1.3 MB",
     "compressed transfer in Edge's network panel, a user's measurement (invariant globalization, no time zone data, "
     "no HttpClient)", "https://github.com/dotnet/aspnetcore/issues/48363"),
    ("Elementary UI (Embedded Swift)", "\"less than 200 kB\" (claim, no figure)",
     "the README's tagline when the project was elementary-dom: \"Create client-side web apps in Swift that weigh less "
     "than 200 kB\", with no app, compression or method named; today's README says only \"kB-sized wasm bundles instead of "
     "MB\". No measured figure for an Elementary UI app was found to cite",
     "https://github.com/sliemeobn/elementary-dom (README), https://github.com/elementary-swift/elementary-ui (README)"),
]

# Swift→JS: Demo.InvokeJSRepeatedly calls the JS function `identifier` `times` times from Swift,
# synchronously, and returns `times`; the cost of the JS→Swift call around it is the average of
# many zero-iteration calls, subtracted. A trivial JS function, so the figure is the crossing.
WASM_SWIFT_JS_JS = """({n, runs, zero}) => {
  globalThis.benchWasmNoop = () => {};
  const call = (k) => Tether.invokeMethod('Demo', 'InvokeJSRepeatedly', 'benchWasmNoop', k);
  if (call(n) !== n) throw new Error('InvokeJSRepeatedly did not return its count');
  const perCall = [], zeroUs = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < zero; i++) call(0);
    const t1 = performance.now();
    const got = call(n);
    const t2 = performance.now();
    if (got !== n) throw new Error(`InvokeJSRepeatedly returned ${got}, not ${n}`);
    const zeroMs = (t1 - t0) / zero;
    zeroUs.push(zeroMs * 1000);
    perCall.push(((t2 - t1) - zeroMs) * 1000 / n);
  }
  return {perCall, zeroUs};
}"""

# JS→Swift: Tether.invokeMethod('Demo', 'Add', 1, 2) in a loop: the whole call, arguments to JSON,
# into linear memory, Swift decodes them, adds, encodes the result, JS parses it.
WASM_JS_SWIFT_JS = """({n, runs}) => {
  const call = () => Tether.invokeMethod('Demo', 'Add', 1, 2);
  for (let i = 0; i < Math.min(n, 10000); i++) call();
  const perCall = [];
  for (let r = 0; r < runs; r++) {
    let sum = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sum += call();
    const t1 = performance.now();
    if (sum !== 3 * n) throw new Error(`Demo.Add(1, 2) summed to ${sum} over ${n} calls`);
    perCall.push((t1 - t0) * 1000 / n);
  }
  return perCall;
}"""


def module_sizes(path):
    """Raw, `gzip -9` (GNU gzip, as scripts/build-wasm reports it; Python's zlib at level 9 when
    there is no gzip) and, when Python has the brotli module, brotli quality 11 sizes of a file."""
    import gzip
    with open(path, "rb") as f:
        data = f.read()
    sizes = {"raw": len(data)}
    if shutil.which("gzip"):
        sizes["gzip9"] = len(subprocess.run(["gzip", "-9nc"], input=data, capture_output=True, check=True).stdout)
        sizes["gzip_tool"] = "gzip -9"
    else:
        sizes["gzip9"] = len(gzip.compress(data, compresslevel=9, mtime=0))
        sizes["gzip_tool"] = "zlib level 9"
    try:
        import brotli
        sizes["brotli11"] = len(brotli.compress(data, quality=11))
    except ImportError:
        pass
    return sizes


def build_wasm(args, notes, what):
    """Runs scripts/build-wasm; returns its last line, or None (with a note) when it fails."""
    env = dict(os.environ)
    if not shutil.which("swiftc") and os.path.exists("/opt/swift/usr/bin/swiftc"):
        env["PATH"] = "/opt/swift/usr/bin:" + env["PATH"]
    p = subprocess.run([os.path.join(ROOT, "scripts", "build-wasm")] + args, cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        notes.append(f"WebAssembly: scripts/build-wasm for {what} failed: {(p.stderr or p.stdout).strip()[-300:]}")
        return None
    return (p.stdout.strip().splitlines() or [""])[-1]


def served_size(server, path, encoding):
    """The body's bytes and Content-Encoding of `path` requested with Accept-Encoding `encoding`."""
    req = urllib.request.Request(server.url(path), headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(req, timeout=30) as r:
        return len(r.read()), r.headers.get("Content-Encoding") or "identity"


def first_load_bytes(browser, url):
    """Every response of a first visit to `url` (empty cache) until Tether.ready: the bytes
    Chromium received for each (CDP's encodedDataLength: headers and compressed body)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        urls, received = {}, {}
        cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
        cdp.on("Network.loadingFinished", lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
        page.goto(url)
        page.wait_for_function("() => window.Tether !== undefined")
        page.evaluate("() => Tether.ready.then(() => true)")
        page.wait_for_load_state("networkidle")
        files = {}
        for rid, n in received.items():
            u = urllib.parse.urlparse(urls.get(rid, rid)).path
            files[u] = files.get(u, 0) + int(n)
        return files
    finally:
        context.close()


def wasm_figures(cfg, results, notes, build=True):
    """Sizes first (building both modules unless `build` is false), then one server and one
    Chromium: the first load of /wasm/todos, click→DOM on /wasm/counter and /counter in
    interleaved rounds, then the interop calls on /wasm/counter."""
    from playwright.sync_api import sync_playwright

    w = cfg["wasm"]
    out = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
           "load_start": loadavg(), "wasm_opt": bool(shutil.which("wasm-opt")), "modules": {},
           "server_binary": os.path.relpath(BIN, ROOT) if BIN.startswith(ROOT) else BIN}
    demo = os.path.join(WASM_DIR, "TetherDemo.wasm")
    todos_only = os.path.join(WASM_TODOS_ONLY_DIR, "TodosOnly.wasm")
    if build:
        print("    scripts/build-wasm (the demo's module)", flush=True)
        out["build_demo"] = build_wasm(["--out", WASM_DIR], notes, "the demo's module")
        print("    scripts/build-wasm --app TodosOnly (the Todos page alone)", flush=True)
        out["build_todos_only"] = build_wasm(["--out", WASM_TODOS_ONLY_DIR, "--app", "TodosOnly"] + WASM_TODOS_ONLY_SOURCES,
                                             notes, "the Todos-only module")
        # The two builds just loaded both cores: give the load average a while to come down.
        out["waited_after_build_s"] = wait_for_quiet(w.get("settle_s", 0))
    out["built"] = build
    for key, path in (("demo", demo), ("todos_only", todos_only)):
        if os.path.exists(path):
            out["modules"][key] = dict(module_sizes(path), path=os.path.relpath(path, ROOT))
            print(f"    {key}: {out['modules'][key]}", flush=True)
        elif key == "demo":
            raise RuntimeError(f"{demo} is missing: run scripts/build-wasm")
    out["load_measuring"] = loadavg()
    with Server("wasm", env={"TETHER_WASM_DIR": WASM_DIR}) as server:
        served = {}
        for enc in ("gzip", "br", "identity"):
            n, got = served_size(server, "/_tether/wasm/TetherDemo.wasm", enc)
            served[enc] = {"bytes": n, "content_encoding": got}
        out["served"] = served
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
            try:
                files = first_load_bytes(browser, server.url("/wasm/todos"))
                out["first_load"] = {"files": files, "total": sum(files.values()),
                                     "wasm": sum(n for u, n in files.items() if u.endswith(".wasm")),
                                     "js": sum(n for u, n in files.items() if u.endswith(".js"))}
                print(f"    first load of /wasm/todos: {out['first_load']['total']:,} B received "
                      f"({out['first_load']['wasm']:,} B of it the module)", flush=True)

                pages = {}
                for mode, path in WASM_CLICK_PAGES:
                    page = browser.new_page()
                    page.set_default_timeout(120_000)
                    page.goto(server.url(path))
                    page.wait_for_function("() => window.Tether !== undefined")
                    page.evaluate("() => Tether.ready.then(() => true)")
                    got = page.evaluate("() => [Tether.renderMode || 'server', self.crossOriginIsolated]")
                    if got[0] != ("webAssembly" if mode == "wasm" else "server"):
                        raise RuntimeError(f"{path} runs in render mode {got[0]!r}")
                    if not got[1]:
                        notes.append(f"{path} was not cross-origin isolated: performance.now() had 100 µs resolution")
                    page.evaluate(CLICK_SAMPLES_JS, w["click_warm"])
                    pages[mode] = page
                lat = {mode: [] for mode in pages}
                order = list(pages)
                for k in range(w["click_rounds"]):
                    for mode in order[k % 2:] + order[:k % 2]:
                        lat[mode] += pages[mode].evaluate(CLICK_SAMPLES_JS, w["clicks_per_round"])
                for mode, samples in lat.items():
                    s = sorted(samples)
                    out[f"click_{mode}"] = {"clicks": len(s), "p50_ms": round(s[len(s) // 2], 4),
                                            "p99_ms": round(s[min(len(s) - 1, int(len(s) * 0.99))], 4),
                                            "mean_ms": round(sum(s) / len(s), 4)}
                print(f"    click→DOM wasm {out['click_wasm']}, server {out['click_server']}", flush=True)

                page = pages["wasm"]
                r = page.evaluate(WASM_SWIFT_JS_JS, {"n": w["swift_js_n"], "runs": w["runs"], "zero": w["zero_calls"]})
                out["swift_js"] = {"n": w["swift_js_n"], "runs_us": [round(v, 4) for v in r["perCall"]],
                                   "per_call_us": round(median(r["perCall"]), 4), "best_us": round(min(r["perCall"]), 4),
                                   "zero_call_us": round(median(r["zeroUs"]), 2)}
                r = page.evaluate(WASM_JS_SWIFT_JS, {"n": w["js_swift_n"], "runs": w["runs"]})
                out["js_swift"] = {"n": w["js_swift_n"], "runs_us": [round(v, 4) for v in r],
                                   "per_call_us": round(median(r), 4), "best_us": round(min(r), 4)}
                print(f"    Swift→JS {out['swift_js']['per_call_us']} µs per call, "
                      f"JS→Swift {out['js_swift']['per_call_us']} µs per call", flush=True)
                for page in pages.values():
                    page.close()
            finally:
                browser.close()
    out["load_end"] = loadavg()
    results["wasm"] = out
    for name, target, measured, met in wasm_targets(out):
        print(f"  target {name}: {target}: {measured}: {'met' if met else 'MISSED'}", flush=True)
    results["wasm_module_gzip_bytes"] = out["modules"]["demo"]["gzip9"]
    results["wasm_click_dom_p50_ms"] = out["click_wasm"]["p50_ms"]
    results["wasm_swift_js_us_per_call"] = out["swift_js"]["per_call_us"]
    results["wasm_js_swift_us_per_call"] = out["js_swift"]["per_call_us"]


def kib(n):
    return f"{n:,} B ({n / 1024:.1f} KiB)" if is_number(n) else "—"


def wasm_targets(x):
    """(figure, target, measured, met?) for issue #20's three targets."""
    demo, only = x["modules"]["demo"], x["modules"].get("todos_only")
    rows = [("module for `/wasm/todos`, gzip -9: the demo's one module (what the page loads today)", "≤ 150 KB",
             kib(demo["gzip9"]), demo["gzip9"] <= 150 * 1024)]
    if only:
        rows.append(("module for `/wasm/todos`, gzip -9: a module of the Todos page alone", "≤ 150 KB",
                     kib(only["gzip9"]), only["gzip9"] <= 150 * 1024))
    c = x["click_wasm"]["p50_ms"]
    rows.append(("click→DOM p50, wasm mode (`/wasm/counter`)", "≤ 0.2 ms", fmt(c, " ms"), c <= 0.2))
    for key, label in (("swift_js", "Swift→JS"), ("js_swift", "JS→Swift")):
        v = x[key]["per_call_us"]
        rows.append((f"synchronous in-process call, {label}", "≤ 2 µs", fmt(v, " µs"), v <= 2))
    return rows


def wasm_markdown(x):
    """The WebAssembly section, with its own date and machine: `--only wasm` rewrites it alone."""
    m = x["machine"]
    demo, only = x["modules"]["demo"], x["modules"].get("todos_only")
    has_br = "brotli11" in demo
    lines = [WASM_START, "## WebAssembly render mode\n",
             f"`bench/run.py --only wasm`, {x['date']}: {m['nproc']} cores, {m['memory_gib']} GiB, {m['cpu']}; {m['swift']}; "
             f"{m['chromium']} (headless, Playwright); commit {m['commit']}; 1-minute load average {x['load_start']} at the "
             f"start, {x.get('load_measuring', '—')} when the measuring began (after the builds), {x['load_end']} at the end. The server is `{x.get('server_binary', 'tether-bench')}` with `TETHER_WASM_DIR` "
             "on the module built just before"
             + ("" if x.get("built", True) else " (not rebuilt in this run)") + ".\n",
             "| target (issue #20) | target | measured | |", "| --- | --- | ---: | --- |"]
    for name, target, measured, met in wasm_targets(x):
        lines.append(f"| {name} | {target} | {measured} | {'met' if met else '**missed**'} |")
    lines += ["", "### Module size\n",
              "`scripts/build-wasm` (Embedded Swift, `-Osize`, full LTO, `wasm-ld --gc-sections --strip-all`, then "
              + ("binaryen's `wasm-opt -Oz`" if x.get("wasm_opt") else "no wasm-opt: it was not installed") +
              "). The demo builds **one** module, `TetherDemo.wasm`, for all three wasm pages (`/wasm/counter`, "
              "`/wasm/todos`, `/wasm/call-js-example-1`) and the methods they expose, so that is what `/wasm/todos` "
              "downloads; the Todos-only module (`bench/wasm/TodosOnly.swift`, registering only `Todos` at `/wasm/todos`) "
              "is what the page alone costs. gzip is `" + demo.get("gzip_tool", "gzip -9") + "`"
              + ("; brotli is quality 11." if has_br else "; Python here has no `brotli` module, so no brotli figure.") + "\n",
              "| module | raw | gzip -9 |" + (" brotli 11 |" if has_br else ""),
              "| --- | ---: | ---: |" + (" ---: |" if has_br else "")]
    for key, label in (("demo", "`TetherDemo.wasm`: Counter, Todos, the interop page, the exposed methods"),
                       ("todos_only", "`TodosOnly.wasm`: the Todos page alone")):
        s = x["modules"].get(key)
        if s:
            lines.append(f"| {label} | {kib(s['raw'])} | {kib(s['gzip9'])} |" + (f" {kib(s.get('brotli11'))} |" if has_br else ""))
    sv = x.get("served") or {}
    if sv:
        lines.append("")
        lines.append("As the server sends it (`/_tether/wasm/TetherDemo.wasm`, compressed once per version of the file): "
                     + "; ".join(f"asked for `{enc}`: {v['bytes']:,} B, `Content-Encoding: {v['content_encoding']}`"
                                 for enc, v in sv.items())
                     + ".")
    fl = x.get("first_load")
    if fl:
        lines.append(f"A first visit to `/wasm/todos` with an empty cache, until `Tether.ready`: {fl['total']:,} B received "
                     f"in all ({len(fl['files'])} responses, headers included, as Chromium counts them): the module "
                     f"{fl['wasm']:,} B, JavaScript {fl['js']:,} B, the rest (the prerendered page) {fl['total'] - fl['wasm'] - fl['js']:,} B.")
    lines += ["", "Published download sizes of the peers (not measured here: quoted, with what each measured):\n",
              "| framework | size | what was measured | source |", "| --- | --- | --- | --- |"]
    for name, size, what, url in WASM_PEER_SIZES:
        lines.append(f"| {name} | {size} | {what} | {url} |")
    cw, cs = x["click_wasm"], x["click_server"]
    lines += ["", "### Click→DOM, wasm mode against server mode\n",
              "The same server, the same Chromium, the same page-side code as the main figures' click→DOM "
              "(`CLICK_SAMPLES_JS`: `#increment` clicked, timed until a MutationObserver sees `#count` change), on "
              f"`/wasm/counter` and `/counter` (the same `Counter` class) in two tabs at once: {x['click_wasm']['clicks']:,} "
              "clicks each, in alternating rounds after unmeasured ones, pooled. In wasm mode the click runs the handler in "
              "the module and applies its edits in the same task; in server mode it goes over the circuit's WebSocket to "
              "the server and back.\n",
              "| page | render mode | clicks | p50 | p99 | mean |", "| --- | --- | ---: | ---: | ---: | ---: |",
              f"| `/wasm/counter` | WebAssembly | {cw['clicks']:,} | {fmt(cw['p50_ms'], ' ms')} | {fmt(cw['p99_ms'], ' ms')} | {fmt(cw['mean_ms'], ' ms')} |",
              f"| `/counter` | server | {cs['clicks']:,} | {fmt(cs['p50_ms'], ' ms')} | {fmt(cs['p99_ms'], ' ms')} | {fmt(cs['mean_ms'], ' ms')} |",
              "", f"p50 in wasm mode is {fmt(ratio(cw['p50_ms'], cs['p50_ms']))}× server mode's "
              f"({fmt(ratio(cs['p50_ms'], cw['p50_ms']))}× faster); the page's timer has 5 µs resolution (cross-origin isolated).",
              "", "### Synchronous in-process interop\n",
              f"On `/wasm/counter`, after the page is ready; each figure is the median of {len(x['swift_js']['runs_us'])} runs.\n",
              f"- **Swift→JS**: `Tether.invokeMethod('Demo', 'InvokeJSRepeatedly', 'benchWasmNoop', N)` makes Swift call the "
              f"JS function `benchWasmNoop` (`() => {{}}`) N = {x['swift_js']['n']:,} times with `invokeVoidSync`, timed "
              "with `performance.now()` around it in the page; the cost of the surrounding JS→Swift call "
              f"(a zero-iteration call, {x['swift_js']['zero_call_us']} µs, the mean of many) is subtracted, and the rest "
              f"divided by N: **{fmt(x['swift_js']['per_call_us'], ' µs')} per call**, the best run "
              f"{fmt(x['swift_js'].get('best_us'), ' µs')} (runs: "
              + ", ".join(f"{v:.3f}" for v in x["swift_js"]["runs_us"]) + " µs).",
              f"- **JS→Swift**: `Tether.invokeMethod('Demo', 'Add', 1, 2)` {x['js_swift']['n']:,} times in a loop (after "
              "unmeasured ones), the sum checked: arguments to JSON text, copied into linear memory, decoded in Swift, the "
              f"result encoded and parsed back: **{fmt(x['js_swift']['per_call_us'], ' µs')} per call**, the best run "
              f"{fmt(x['js_swift'].get('best_us'), ' µs')} (runs: "
              + ", ".join(f"{v:.3f}" for v in x["js_swift"]["runs_us"]) + " µs).",
              "", WASM_END]
    return lines


def rewrite_wasm_section(x, path):
    sections.replace_section(path, WASM_START, WASM_END, wasm_markdown(x))


# --------------------------------------------------------------------------------------------
# The peer


def peer_figures(results, notes):
    if not os.path.exists(PEER):
        notes.append(f"NiceGUI peer: skipped, {PEER} is absent")
        return
    env = dict(os.environ, PEER_PORT=str(free_port()), CHROMIUM=CHROMIUM)
    try:
        p = subprocess.run([sys.executable, PEER], capture_output=True, text=True, timeout=300, env=env)
    except subprocess.TimeoutExpired:
        notes.append("NiceGUI peer: skipped, measure.py took more than 300 s")
        return
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0 or not lines:
        notes.append(f"NiceGUI peer: skipped, measure.py failed (exit {p.returncode}): {(p.stderr or '').strip()[-300:]}")
        return
    peer = json.loads(lines[-1])
    results["nicegui_rtt_p50_us"] = peer["rtt_p50_us"]
    results["nicegui_rtt_p99_us"] = peer["rtt_p99_us"]
    results["nicegui_click_dom_p50_ms"] = peer["click_dom_p50_ms"]
    results["nicegui_click_dom_p99_ms"] = peer["click_dom_p99_ms"]


# --------------------------------------------------------------------------------------------
# Reporting

REQUIRED = [
    "floor_rtt_p50_us", "floor_rtt_p99_us", "floor_pipelined_per_s", "floor_1mb_rtt_ms",
    "floor_bytes_per_idle_socket", "floor_raw_client_rtt_p50_us",
    "swift_js_rtt_p50_us", "swift_js_rtt_p99_us", "js_swift_rtt_p50_us", "js_swift_rtt_p99_us",
    "click_dom_p50_ms", "click_dom_p99_ms", "pipelined_swift_js_per_s", "pipelined_js_swift_per_s",
    "bytes_per_idle_circuit", "bytes_1mb_rtt_ms",
    "click_dom_persist_off_p50_ms", "click_dom_persist_on_p50_ms", "click_dom_persist_ratio_p50", "click_dom_persist_ratio_p99",
    "resume_after_restart_s", "resume_after_restart_failed", "bytes_per_paused_circuit", "bytes_per_paused_circuit_2",
    "store_rows_per_s", "store_batches_per_s", "store_load_server_cpu",
    "click_dom_metrics_off_p50_ms", "click_dom_metrics_on_p50_ms", "click_dom_metrics_ratio_p50", "metrics_events_miscounted",
]
WASM_REQUIRED = ["wasm_module_gzip_bytes", "wasm_click_dom_p50_ms", "wasm_swift_js_us_per_call", "wasm_js_swift_us_per_call"]
PEER_KEYS = ["nicegui_rtt_p50_us", "nicegui_rtt_p99_us", "nicegui_click_dom_p50_ms", "nicegui_click_dom_p99_ms"]


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def fmt(v, unit=""):
    if not is_number(v):
        return "—"
    if isinstance(v, float) and abs(v) < 100:
        s = f"{v:.2f}".rstrip("0").rstrip(".")
    else:
        s = f"{round(v):,}"
    return f"{s}{unit}"


def ratio(a, b):
    return a / b if is_number(a) and is_number(b) and b else None


def targets(r):
    """(figure, target text, met?) for each target; met is None when it could not be judged."""
    out = []

    def judge(name, text, value):
        out.append((name, text, None if value is None else bool(value)))

    for d, label in (("swift_js", "Swift→JS"), ("js_swift", "JS→Swift")):
        fr = ratio(r.get(f"{d}_rtt_p50_us"), r.get("floor_rtt_p50_us"))
        judge(f"{label} round trip p50", "≤ 1.3× floor", None if fr is None else fr <= 1.3)
        pr = ratio(r.get("nicegui_rtt_p50_us"), r.get(f"{d}_rtt_p50_us"))
        judge(f"{label} round trip p50", "≥ 3× faster than NiceGUI", None if pr is None else pr >= 3)
    c50, c99 = r.get("click_dom_p50_ms"), r.get("click_dom_p99_ms")
    judge("click→DOM p50", "≤ 1.5 ms", c50 <= 1.5 if is_number(c50) else None)
    judge("click→DOM p99", "≤ 5 ms", c99 <= 5 if is_number(c99) else None)
    for d, label in (("swift_js", "Swift→JS"), ("js_swift", "JS→Swift")):
        v = r.get(f"pipelined_{d}_per_s")
        judge(f"pipelined {label}", "≥ 50,000 calls/s", v >= 50_000 if is_number(v) else None)
    v = r.get("bytes_per_idle_circuit")
    judge("memory per idle circuit", "≤ 16 KiB (16,384 B)", v <= 16_384 if is_number(v) else None)
    v = r.get("max_circuits")
    judge("concurrent circuits (p99 click→patch < 100 ms)", "≥ 20,000", v >= 20_000 if is_number(v) else None)
    v = r.get("bytes_1mb_rtt_ms")
    judge(f"1 MB round trip ({r.get('bytes_1mb_mode', 'json')})", "≤ 20 ms", v <= 20 if is_number(v) else None)
    for q in ("p50", "p99"):
        v = r.get(f"click_dom_persist_ratio_{q}")
        judge(f"click→DOM {q}, SQLite persistence on", "≤ 1.1× persistence off", v <= 1.1 if is_number(v) else None)
    v, n = r.get("resume_after_restart_failed"), r.get("resume_after_restart_n")
    judge(f"circuits resumed after kill -9 (n={n:,})" if is_number(n) else "circuits resumed after kill -9", "0 failed",
          v == 0 and not r.get("resume_after_restart_state_lost") if is_number(v) else None)
    v = r.get("heap_bytes_per_paused_circuit")
    judge("memory per paused circuit (heap in use)", "< 2 KB (2,048 B)", v < 2048 if is_number(v) else None)
    v = r.get("click_dom_metrics_ratio_p50")
    judge("click→DOM p50, metrics on (swift-prometheus)", "≤ 1.05× no metrics backend", v <= 1.05 if is_number(v) else None)
    return out


def figure_rows(r):
    """(figure, Tether, vs floor, NiceGUI, vs NiceGUI)."""
    rows = []
    floor50, floor99 = r.get("floor_rtt_p50_us"), r.get("floor_rtt_p99_us")

    def x(v):
        return f"{v:.2f}×" if v is not None else "—"

    rows.append(("floor: WebSocket echo round trip p50 / p99", f"{fmt(floor50, ' µs')} / {fmt(floor99, ' µs')}", "1×", "", ""))
    rows.append(("floor: pipelined echoes", fmt(r.get("floor_pipelined_per_s"), " msg/s"), "1×", "", ""))
    rows.append(("floor: the same echo from a raw Python client, p50 / p99",
                 f"{fmt(r.get('floor_raw_client_rtt_p50_us'), ' µs')} / {fmt(r.get('floor_raw_client_rtt_p99_us'), ' µs')}", "", "", ""))
    rows.append(("floor: 1 MB binary echo", fmt(r.get("floor_1mb_rtt_ms"), " ms"), "1×", "", ""))
    rows.append(("floor: idle raw WebSocket", fmt(r.get("floor_bytes_per_idle_socket"), " B"), "1×", "", ""))
    for d, label in (("swift_js", "Swift→JS"), ("js_swift", "JS→Swift")):
        p50, p99 = r.get(f"{d}_rtt_p50_us"), r.get(f"{d}_rtt_p99_us")
        n50, n99 = r.get("nicegui_rtt_p50_us"), r.get("nicegui_rtt_p99_us")
        rows.append((f"{label} round trip p50", fmt(p50, " µs"), x(ratio(p50, floor50)), fmt(n50, " µs"),
                     (x(ratio(n50, p50)) + " faster") if ratio(n50, p50) else "—"))
        rows.append((f"{label} round trip p99", fmt(p99, " µs"), x(ratio(p99, floor99)), fmt(n99, " µs"),
                     (x(ratio(n99, p99)) + " faster") if ratio(n99, p99) else "—"))
    for q in ("p50", "p99"):
        v, n = r.get(f"click_dom_{q}_ms"), r.get(f"nicegui_click_dom_{q}_ms")
        rows.append((f"click→DOM {q} (/counter)", fmt(v, " ms"), "", fmt(n, " ms"),
                     (x(ratio(n, v)) + " faster") if ratio(n, v) else "—"))
    for d, label in (("swift_js", "Swift→JS"), ("js_swift", "JS→Swift")):
        v = r.get(f"pipelined_{d}_per_s")
        rows.append((f"pipelined {label}", fmt(v, " calls/s"), x(ratio(v, r.get("floor_pipelined_per_s"))), "", ""))
    for key in sorted((k for k in r if re.fullmatch(r"bytes_per_idle_circuit_\d+", k)), key=lambda k: int(k.rsplit("_", 1)[1])):
        n = int(key.rsplit("_", 1)[1])
        rows.append((f"memory per idle circuit, n={n:,}", fmt(r[key], " B"),
                     x(ratio(r[key], r.get("floor_bytes_per_idle_socket"))), "", ""))
    mc = r.get("max_circuits")
    rows.append(("concurrent circuits, 1 click/s each, p99 < 100 ms",
                 (fmt(mc) + (" (fd-limit cap)" if r.get("max_circuits_capped") else "")) if is_number(mc) else "not measured",
                 "", "", ""))
    j = r.get("bytes_1mb_json_rtt_ms")
    rows.append(("1 MB round trip as JSON numbers (Demo.Echo)", fmt(j, " ms") if is_number(j) else "refused (see notes)",
                 x(ratio(j, r.get("floor_1mb_rtt_ms"))) if is_number(j) else "", "", ""))
    b = r.get("bytes_1mb_binary_rtt_ms")
    rows.append(("1 MB round trip as bytes (Demo.ReverseBytes, binary frames)",
                 fmt(b, " ms") if is_number(b) else "not measured", x(ratio(b, r.get("floor_1mb_rtt_ms"))), "", ""))
    rows += durability_rows(r)
    if is_number(r.get("click_dom_metrics_on_p50_ms")):
        for key, name, label in (("off", None, "no metrics backend"), ("on", "metrics", "metrics on (swift-prometheus)"),
                                 ("traced", "tracing", "metrics on and a tracer installed")):
            against = "1×" if name is None else (f"{fmt(r.get('click_dom_' + name + '_ratio_p50'))}× / "
                                                 f"{fmt(r.get('click_dom_' + name + '_ratio_p99'))}× of off")
            rows.append((f"click→DOM p50 / p99, {label}", f"{fmt(r.get(f'click_dom_metrics_{key}_p50_ms'), ' ms')} / "
                         f"{fmt(r.get(f'click_dom_metrics_{key}_p99_ms'), ' ms')}", against, "", ""))
    if is_number(r.get("instrument_ns_per_event_on")):
        rows.append(("instrumentation per event on the server: no backend / swift-prometheus / and a tracer",
                     f"{fmt(r['instrument_ns_per_event_off'], ' ns')} / {fmt(r['instrument_ns_per_event_on'], ' ns')} / "
                     f"{fmt(r.get('instrument_ns_per_event_traced'), ' ns')}", "", "", ""))
    for d, label in (("swift_js", "Swift→JS"), ("js_swift", "JS→Swift")):
        ms, rate = r.get(f"stream_50mb_{d}_ms"), r.get(f"stream_50mb_{d}_mb_per_s")
        size = r.get("stream_bytes", 50_000_000) / 1e6
        rows.append((f"{size:g} MB stream {label}",
                     f"{fmt(ms, ' ms')} ({fmt(rate, ' MB/s')})" if is_number(ms) else "not measured", "", "", ""))
    return rows


def durability_rows(r):
    """The durable-circuit figures, as figure_rows' rows; "vs floor" is against persistence off."""
    rows = []
    if is_number(r.get("click_dom_persist_on_p50_ms")):
        rows.append(("click→DOM p50 / p99, persistence off", f"{fmt(r['click_dom_persist_off_p50_ms'], ' ms')} / "
                     f"{fmt(r['click_dom_persist_off_p99_ms'], ' ms')}", "1×", "", ""))
        rows.append(("click→DOM p50 / p99, SQLite persistence on", f"{fmt(r['click_dom_persist_on_p50_ms'], ' ms')} / "
                     f"{fmt(r['click_dom_persist_on_p99_ms'], ' ms')}",
                     f"{fmt(r.get('click_dom_persist_ratio_p50'))}× / {fmt(r.get('click_dom_persist_ratio_p99'))}× of off", "", ""))
    if is_number(r.get("resume_after_restart_s")):
        rows.append((f"{r['resume_after_restart_n']:,} circuits resumed after kill -9: first accepted connection → all restored",
                     f"{fmt(r['resume_after_restart_s'], ' s')} ({r['resume_after_restart_failed']} failed)", "", "", ""))
    if is_number(r.get("bytes_per_paused_circuit")):
        n = (r.get("durability_pause") or {}).get("n")
        rows.append((f"memory per paused circuit{f', n={n:,}' if n else ''}: heap in use (first round / second round)",
                     f"{fmt(r.get('heap_bytes_per_paused_circuit'), ' B')} / {fmt(r.get('heap_bytes_per_paused_circuit_2'), ' B')}; "
                     f"live: {fmt(r.get('heap_bytes_per_live_circuit'), ' B')}", "", "", ""))
        rows.append((f"memory per paused circuit{f', n={n:,}' if n else ''}: RSS (first round / second round)",
                     f"{fmt(r['bytes_per_paused_circuit'], ' B')} / {fmt(r.get('bytes_per_paused_circuit_2'), ' B')}", "", "", ""))
    if is_number(r.get("store_rows_per_s")):
        cpu_off = r.get("store_load_server_cpu_off")
        rows.append((f"store writes, {r['store_load_circuits']:,} circuits clicking once a second (SQLite)",
                     f"{fmt(r['store_rows_per_s'], ' rows/s')} in {fmt(r['store_batches_per_s'], ' batches/s')}; "
                     f"server CPU {r['store_load_server_cpu']} cores"
                     + (f" ({cpu_off} without persistence)" if is_number(cpu_off) else ""), "", "", ""))
    return rows


def print_table(r, notes):
    rows = figure_rows(r)
    head = ("figure", "Tether", "vs floor", "NiceGUI", "vs NiceGUI")
    widths = [max(len(str(row[i])) for row in rows + [head]) for i in range(5)]
    line = "  ".join("{:<%d}" % w for w in widths)
    print()
    print(line.format(*head))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))
    print()
    for name, text, met in targets(r):
        mark = {True: "met", False: "MISSED", None: "not judged"}[met]
        print(f"  target {name}: {text}: {mark}")
    for n in notes:
        print(f"  note: {n}")


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    try:
        swift = subprocess.run(["swift", "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    except Exception:
        swift = "unknown"
    try:
        chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:
        chromium = "unknown"
    try:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain"], capture_output=True, text=True).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except Exception:
        commit = "unknown"
    return {"nproc": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1), "cpu": cpu, "swift": swift,
            "chromium": chromium, "commit": commit, "fd_hard_limit": fd_hard_limit()}


def write_markdown(r, notes, path):
    m = r["machine"]
    findings = ("_No findings yet: write them between the markers; bench/run.py keeps this section when "
                "it rewrites the file._")
    if os.path.exists(path):
        old = open(path).read()
        a, b = old.find(FINDINGS_START), old.find(FINDINGS_END)
        if a >= 0 and b > a:
            findings = old[a + len(FINDINGS_START):b].strip("\n")
    out = []
    w = out.append
    w("# Benchmarks\n")
    w("Written by `scripts/bench` (`bench/run.py`); the figures are from one full run. "
      "Re-run it to refresh them; the findings section is kept.\n")
    w(f"- date: {r['date']}")
    w(f"- machine: {m['nproc']} cores, {m['memory_gib']} GiB, {m['cpu']}; RLIMIT_NOFILE hard limit {m['fd_hard_limit']:,}")
    w(f"- software: {m['swift']}; {m['chromium']} (headless, Playwright); tether-bench release build; commit {m['commit']}")
    w(f"- run took {r['elapsed_s']:.0f} s, at nice {r.get('nice', 0)} (the peer too); 1-minute load average: "
      + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in r.get("load_1min", {}).items()) + "\n")
    w("## Figures\n")
    w("| figure | Tether | vs floor | NiceGUI | vs NiceGUI |")
    w("| --- | ---: | ---: | ---: | ---: |")
    for row in figure_rows(r):
        w("| " + " | ".join(str(c) for c in row) + " |")
    w("")
    w("## Targets\n")
    w("| figure | target | |")
    w("| --- | --- | --- |")
    for name, text, met in targets(r):
        w(f"| {name} | {text} | {({True: 'met', False: '**missed**', None: 'not judged'})[met]} |")
    w("")
    mem = r.get("memory_runs") or {}
    if mem:
        w("## Idle circuits\n")
        w("Fresh server per N; a browserless client opens N circuits on `/counter` and acks the first render; "
          "(VmRSS after − VmRSS before) / N.\n")
        w("| N | RSS before | RSS after | bytes per circuit | time to open |")
        w("| ---: | ---: | ---: | ---: | ---: |")
        for n in sorted(mem, key=int):
            x = mem[n]
            w(f"| {int(n):,} | {x['rss_before'] / 2**20:.1f} MiB | {x['rss_after'] / 2**20:.1f} MiB | "
              f"{x['bytes_per_circuit']:,} | {x['open_s']} s |")
        w("")
    runs = r.get("max_circuits_runs") or []
    if runs:
        w("## Concurrent circuits\n")
        w("Fresh server per step; every circuit clicks `#increment` once a second (phases spread evenly), "
          "the client times each click until its render batch arrives. A step passes when p99 < 100 ms and "
          "no click goes unanswered; a failed step is tried once more on a fresh server, and the ladder stops at "
          "the first step that fails twice. Server and client share the machine's cores; CPU is in cores. "
          "A high client loop lag means the client itself was starved, which inflates the latencies.\n")
        w("| circuits | try | p50 | p99 | max | clicks/s | server CPU | client CPU | client loop lag p99 | server RSS | |")
        w("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for x in runs:
            if "error" in x:
                w(f"| {x['n']:,} | {x.get('attempt', 1)} | | | | | | | | | failed: {x['error']} |")
                continue
            w(f"| {x['n']:,} | {x.get('attempt', 1)} | {fmt(x['p50_ms'], ' ms')} | {fmt(x['p99_ms'], ' ms') if x['p99_ms'] is not None else 'unanswered'} "
              f"| {fmt(x['max_ms'], ' ms')} | {fmt(x['clicks_per_s'])} | {x['server_cpu']} | {x['client_cpu']} "
              f"| {fmt(x['client_lag_p99_ms'], ' ms')} | {x['rss_bytes'] / 2**20:.0f} MiB | {'pass' if x['passed'] else 'fail'} |")
        w("")
    durable = r.get("durability_restart") or r.get("durability_pause") or r.get("durability_load")
    if durable:
        w("## Durable circuits\n")
        w(f"Every server with persistence on saves to an SQLite file of its own in a temporary folder "
          f"(`TETHER_BENCH_STORE`), persist interval {r.get('durability_persist_interval_ms', 1000):,} ms.\n")
        if is_number(r.get("click_dom_persist_on_p50_ms")):
            w(f"- click→DOM: {r['click_dom_persist_clicks']:,} clicks on each server, pooled; the store took "
              f"{r['click_dom_persist_rows_written']:,} rows during the {r['click_dom_persist_seconds']} s of clicking.")
        x = r.get("durability_restart")
        if x:
            w(f"- resume after kill -9: {x['n']:,} circuits opened in {x['open_s']} s and clicked once; "
              f"{x['rows_saved_before_kill']:,} rows written before the kill ({x['saved_wait_s']} s after the last click). "
              f"After the kill, all resumed {x['first_accept_to_all_s']} s after the new process's first accepted connection, "
              f"{x['spawn_to_all_s']} s after it was started, {x['kill_to_all_s']} s after the kill; per circuit, "
              f"connect → restored batch p50 {fmt(x['resume_p50_ms'], ' ms')}, p99 {fmt(x['resume_p99_ms'], ' ms')} "
              f"(200 handshakes at a time). {x['restored']:,} restored, {x['failed']} failed; a click on each then "
              f"rendered count 2 on {x['state_ok']:,} ({x['state_lost']} lost their state).")
        x = r.get("durability_pause")
        if x:
            m = {k: v / 2**20 for k, v in x["rss"].items()}
            w(f"- paused circuits, n={x['n']:,}: server RSS {m['baseline']:.1f} MiB at the baseline, {m['live_1']:.1f} MiB with "
              f"{x['n']:,} live circuits, {m['paused_1']:.1f} MiB once they paused; {x['n']:,} more: {m['live_2']:.1f} MiB live, "
              f"{m['paused_2']:.1f} MiB paused. Per circuit: {x['bytes_per_paused_circuit']:,} B paused, "
              f"{x['bytes_per_live_circuit']:,} B live; second round {x['bytes_per_paused_circuit_2']:,} B per pause, "
              f"{x['bytes_per_live_circuit_2']:,} B per live circuit over the first round's paused state.")
        x = r.get("durability_load")
        if x:
            w("")
            w("| persistence | circuits | seconds | clicks/s | p50 | p99 | server CPU | rows/s | batches/s | snapshot bytes/s | failed batches | store file |")
            w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for key in ("on", "off"):
                y = x.get(key)
                if not y:
                    continue
                store = (f"{fmt(y['store_rows_written_per_s'])} | {fmt(y['store_batches_written_per_s'])} | "
                         f"{fmt(y['store_snapshot_bytes_written_per_s'])} | {y['store_failed_batches']} | "
                         f"{y['store_file_bytes'] / 2**20:.1f} MiB") if key == "on" else " | | | | "
                w(f"| {'SQLite' if key == 'on' else 'off'} | {y['n']:,} | {y.get('seconds', '')} | {fmt(y['clicks_per_s'])} | "
                  f"{fmt(y['p50_ms'], ' ms')} | {fmt(y['p99_ms'], ' ms') if y['p99_ms'] is not None else 'unanswered'} | "
                  f"{y['server_cpu']} | {store} |")
        w("")
    # Each part measured in this run writes its section; one that was not keeps the last one.
    # The long lists (bench/virtualize.py) and CPU per click (bench/callgrind.py) are written by
    # their own tools, so a run here always keeps them.
    for key, markdown, start, end in (
        ("deflate", deflate_markdown, DEFLATE_START, DEFLATE_END),
        ("virtualize", None, sections.VIRTUALIZE_START, sections.VIRTUALIZE_END),
        ("cpu", None, sections.CPU_START, sections.CPU_END),
        ("transport", transport_markdown, TRANSPORT_START, TRANSPORT_END),
        ("hibernation", hibernation_markdown, HIBERNATION_START, HIBERNATION_END),
        ("wasm", wasm_markdown, WASM_START, WASM_END),
    ):
        if markdown and r.get(key):
            out.extend(markdown(r[key]))
            w("")
        elif (kept := sections.kept_section(path, start, end)) is not None:
            w(kept + "\n")
    w("## How it is measured\n")
    w("- **floor**: a raw Hummingbird WebSocket echo (`/_floor/echo`) on the same server and router, with no Tether: "
      "one message of a Tether call's size each way, sent from the bench page. Round trips in a row, timed in the page "
      "with `performance.now()` (tether-bench sends COOP/COEP headers, so pages are cross-origin isolated and the timer "
      "has 5 µs resolution). Pipelined: 10,000 messages sent at once, one WebSocket message each, until the last echo "
      "(Tether batches many calls into one frame, hence ratios above 1×). 1 MB: 1,000,000 bytes as four 256 KiB binary "
      "messages (the server's frame limit, as Tether chunks byte arrays) until the last echo. The same echo from "
      "`bench/circuits.py` (a raw Python client) shows what the browser adds. Idle: N raw sockets, as for circuits.")
    w("- **round trips**: floor, Swift→JS and JS→Swift run in 5 interleaved rounds of 400 calls on `/_bench/interop`, so "
      "load from elsewhere lands on all three alike; each figure is the median over the rounds of that round's p50 "
      "(p99). Swift→JS: `#run-swift-js`, sequential `js.invoke(\"benchNoop\", i, as: Int.self)` from a click handler "
      "on the circuit, each timed in Swift with `ContinuousClock` (200 unmeasured calls first). JS→Swift: "
      "`await Tether.invokeMethodAsync('Bench', 'Noop', i)` in a row, timed in the page.")
    w("- **pipelined**: 10,000 calls at once: Swift→JS from a task group (`#run-swift-js-pipelined`), JS→Swift with "
      "`Promise.all`; 3 interleaved rounds with the floor's, median.")
    w("- **click→DOM**: `/counter`, `#increment` clicked 500 times in a row (after 50 unmeasured), each until a "
      "MutationObserver sees `#count` change: the same code as the NiceGUI peer's `measure.py` (which does 200).")
    w("- **1 MB**: `Demo.ReverseBytes` with a 1,000,000-byte `Uint8Array` (binary frames both ways), and `Demo.Echo` "
      "with a 1,000,000-byte JSON array of numbers, which the runtime refuses (32 KiB text limit); 10 rounds "
      "interleaved with the floor's, median.")
    w("- **streams**: 50 MB each way: `Bench.StreamToJS` returns a `SwiftStreamReference` the page reads with "
      "`arrayBuffer()`; `Bench.StreamFromJS` reads a `Tether.createJSStreamReference(Uint8Array)` to its end.")
    w("- **idle circuits and the ladder**: `bench/circuits.py`, a browserless client speaking the wire protocol "
      "(start, ack, ev), one fresh server per N or step.")
    w("- **NiceGUI**: `../shared/peers/nicegui/measure.py`, run as is: its round trip is `ui.run_javascript('return i+1')` "
      "timed on the server (the analog of Swift→JS), its click→DOM is the same page-side code.")
    w("- **durable circuits** (issue #15): every server with persistence on has `app.persistence.storage = "
      "`.sqlite(path:)` on a file of its own in a temporary folder (tether-bench's `TETHER_BENCH_STORE`; it "
      "saves nothing otherwise), default persist interval (1 s). *Click→DOM*: the click→DOM code above on `/counter` of "
      "two servers at once, persistence off and on, 5 rounds of 100 clicks alternating between them (after 50 "
      "unmeasured each); p50 and p99 of each server's pooled clicks, and their ratio. *Resume after kill -9*: "
      "`bench/circuits.py restart` opens 1,000 circuits, clicks each once, waits until the persister's row count "
      "(`GET /bench/persistence`) covers them and stops moving for a tick; the driver kills the server with SIGKILL and "
      "starts a new one on the same port and file; every circuit sends `resume` with its id, secret and last batch, "
      "as a page does (the first one retrying until the new process accepts), and counts as restored when `cfg` says "
      "`restored: true` and its render batch arrives. The time runs from the new process's first accepted connection "
      "to the last restored batch; a click on each afterwards checks the count came back (2). *Memory per paused "
      "circuit*: malloc's bytes in use (glibc `mallinfo2`, every arena, served by tether-bench at `/bench/persistence`) and VmRSS of a server with a store that already took a few pauses (so its connection is open), then with "
      "1,000 idle live circuits, then after all 1,000 sent `pause` and closed with 4006 and a 2 s settle; "
      "(paused − baseline) / 1,000, judged on the heap in use. malloc keeps freed memory, so the RSS figure is an upper bound on what a paused "
      "circuit holds (the persister's per-circuit fingerprint, allocator fragmentation, SQLite's page cache); the "
      "second round opens and pauses 1,000 more and reports the growth per pause over the first round's paused RSS. "
      "*Write rate*: `bench/circuits.py load` (the ladder's client) with 5,000 circuits clicking once a second, 3 s "
      "unmeasured, then 20 s measured; rows and batches come from the persister's counters (`PersistenceCounters`, "
      "package access, served by tether-bench only) read at both ends of the measured window; server CPU likewise, "
      "and again on a server with persistence off for the contrast.")
    w("- **metrics and tracing** (issue #16): the click→DOM code above on `/counter` of three servers at once: no "
      "metrics backend (swift-metrics' no-op factory, which is what an app that bootstraps nothing has), "
      "swift-prometheus bootstrapped as the demo does (tether-bench's `TETHER_BENCH_METRICS=1`), and the same with "
      "swift-distributed-tracing's `InMemoryTracer` installed (`TETHER_BENCH_TRACING=1`, a span per click kept in "
      "memory, nothing exported). Identical servers differ by up to 10% from one process (and tab) to the next, so "
      "the comparison runs in 6 sessions of three fresh servers, each configuration taking every slot twice; in each "
      "session, 100 unmeasured clicks per server, then 20 rounds of 50 clicks, the order rotating; p50 and "
      "p99 of each configuration's pooled clicks (3,000), and their ratio to no backend. Each Prometheus server's "
      "`/metrics` must then count every click in `tether_events_total`. The server's own cost comes without a browser: "
      "`tether-bench instrument-cost` runs what a circuit calls per click (the event span, the handler's and the render's "
      "timers, the event counter, the batch's size) a million times per backend, after a million unmeasured, and divides; "
      "the tracer there is `InMemoryTracer`, its finished spans cleared every 4,096 events.")
    w("- every server is `.build/release/tether-bench`: the demo app with `TetherApp.application()`'s WebSocket "
      "configuration, except `limits.maxCircuitsPerClient`, raised because every bench circuit comes from 127.0.0.1.\n")
    if notes:
        w("## Notes from this run\n")
        for n in notes:
            w(f"- {n}")
        w("")
    w("## Findings\n")
    w(FINDINGS_START)
    w(findings)
    w(FINDINGS_END)
    w("")
    with open(path, "w") as f:
        f.write("\n".join(out))


# --------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="a few seconds: tiny counts, no peer, no ladder")
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--skip-ladder", action="store_true")
    ap.add_argument("--ladder-steps", default="",
                    help="comma-separated circuit counts for the ladder instead of the default steps, to place a "
                         "ceiling between two of them (e.g. 8000,10000,12000,14400 for issue #19's 1.8x)")
    ap.add_argument("--no-markdown", action="store_true")
    ap.add_argument("--report", action="store_true",
                    help="measure nothing: rewrite BENCHMARKS.md from .bench/results.json (after editing the findings)")
    ap.add_argument("--only", default="",
                    help="comma-separated parts to run while iterating (browser, memory, ladder, peer, durability, "
                         "deflate, metrics, transport, hibernation, wasm; cpu alone); implies --no-markdown (but deflate, "
                         "transport, hibernation and wasm rewrite their own sections of BENCHMARKS.md) and "
                         "writes .bench/results-partial.json")
    ap.add_argument("--quiet-wait", type=float, default=120,
                    help="full run: wait up to this many seconds for the load average to drop below 1")
    args = ap.parse_args()
    only = {p for p in args.only.split(",") if p}
    unknown = only - {"browser", "memory", "ladder", "peer", "durability", "deflate", "metrics", "cpu", "transport", "hibernation",
                      "wasm"}
    if unknown:
        ap.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if only == {"cpu"}:
        # Its own driver: valgrind, and a section of BENCHMARKS.md with its own before and after.
        sys.exit(subprocess.run([sys.executable, os.path.join(ROOT, "bench", "callgrind.py")]
                                + (["--no-markdown"] if args.no_markdown else [])).returncode)
    if "cpu" in only:
        ap.error("--only cpu runs alone (bench/callgrind.py)")
    if only:
        args.no_markdown = True
    wanted = lambda part: not only or part in only
    if args.report:
        with open(os.path.join(OUT_DIR, "results.json")) as f:
            results = json.load(f)
        print_table(results, results.get("notes", []))
        write_markdown(results, results.get("notes", []), os.path.join(ROOT, "BENCHMARKS.md"))
        print("wrote BENCHMARKS.md")
        return
    if not os.access(BIN, os.X_OK):
        sys.exit(f"bench/run.py: {BIN} is missing: swift build -c release --product tether-bench")

    if args.smoke:
        cfg = dict(seq_n=100, rounds=2, warm=20, pipelined_n=500, repeats=1, clicks=30, click_warm=5, bytes_runs=1,
                   stream_bytes=2_000_000,
                   memory_ns=[100],
                   durability=dict(interval_ms=100, click_warm=5, click_rounds=2, clicks_per_round=10, restart_n=20,
                                   pause_n=50, settle_s=0.2, load_n=50, load_warmup_s=0.2, load_seconds=1.0,
                                   load_contrast=False),
                   deflate=dict(click_warm=5, rounds=2, clicks_per_round=10),
                   transport=dict(ns=[100], heap_n=50),
                   hibernation=dict(ns=[50], after_ms=1000, settle_s=0.2),
                   wasm=dict(click_warm=5, click_rounds=2, clicks_per_round=10, swift_js_n=1000, js_swift_n=1000, runs=2,
                             zero_calls=10),
                   metrics=dict(instrument_events=20_000, sessions=1, click_warm=5, click_rounds=3, clicks_per_round=10))
    else:
        cfg = dict(seq_n=2000, rounds=5, warm=200, pipelined_n=10_000, repeats=3, clicks=500, click_warm=50, bytes_runs=10,
                   stream_bytes=50_000_000,
                   memory_ns=[1000, 5000, 10_000],
                   ladder=[500, 1000, 2000, 4000, 8000, 12_000, 16_000, 20_000, 24_000, 28_000],
                   ladder_budget_s=420, ladder_step_s=90, ladder_warmup_s=2, ladder_seconds=8,
                   durability=dict(interval_ms=1000, click_warm=50, click_rounds=5, clicks_per_round=100, restart_n=1000,
                                   pause_n=1000, settle_s=2.0, load_n=5000, load_warmup_s=3, load_seconds=20,
                                   load_contrast=True),
                   deflate=dict(click_warm=50, rounds=6, clicks_per_round=100),
                   transport=dict(ns=[1000, 5000], heap_n=500),
                   hibernation=dict(ns=[1000, 5000], after_ms=30_000, settle_s=2.0, revive_n=1000),
                   wasm=dict(click_warm=100, click_rounds=10, clicks_per_round=100, swift_js_n=100_000, js_swift_n=100_000,
                             runs=15, zero_calls=200, settle_s=90),
                   metrics=dict(instrument_events=1_000_000, sessions=6, click_warm=100, click_rounds=20, clicks_per_round=50))
    if args.ladder_steps:
        try:
            cfg["ladder"] = sorted({int(n) for n in args.ladder_steps.split(",") if n.strip()})
        except ValueError:
            ap.error(f"--ladder-steps takes circuit counts, got {args.ladder_steps!r}")
    # The machine may be shared (builds, tests): run the bench, and everything it starts (servers,
    # Chromium, the circuit client, the peer), ahead of other work where we are allowed to.
    niced = False
    if not args.smoke:
        try:
            os.nice(-10)
            niced = True
        except OSError:
            pass
    started = time.time()
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "smoke": args.smoke, "machine": machine(), "nice": -10 if niced else 0}
    notes = []
    load = results["load_1min"] = {}
    if not args.smoke:
        waited = wait_for_quiet(args.quiet_wait)
        if waited:
            print(f"(waited {waited} s for the machine to settle)", flush=True)
    load["start"] = loadavg()

    if wanted("browser"):
        print("==> browser figures", flush=True)
        with Server("browser") as server:
            browser_figures(server, cfg, results, notes)
    load["after_browser"] = loadavg()
    if wanted("memory"):
        print("==> idle circuits", flush=True)
        memory_figures(cfg, results, notes)
    if not args.smoke and not args.skip_ladder and wanted("ladder"):
        print("==> concurrent circuits", flush=True)
        ladder(cfg, results, notes)
    else:
        results["max_circuits"] = None
        notes.append("concurrent circuits: not measured in this run")
    load["after_circuits"] = loadavg()
    if wanted("durability"):
        print("==> durable circuits", flush=True)
        durability_figures(cfg, results, notes)
    load["after_durability"] = loadavg()
    if wanted("deflate"):
        print("==> permessage-deflate", flush=True)
        try:
            deflate_figures(cfg, results, notes)
        except Exception as e:  # keep the other parts' figures
            notes.append(f"permessage-deflate: not measured: {first_line(e)}")
    if "transport" in only:
        print("==> transport memory", flush=True)
        transport_figures(cfg, results, notes)
    if wanted("metrics"):
        print("==> metrics and tracing", flush=True)
        try:
            metrics_figures(cfg, results, notes)
        except Exception as e:  # keep the other parts' figures
            notes.append(f"metrics and tracing: not measured: {first_line(e)}")
    if wanted("hibernation"):
        print("==> hibernation", flush=True)
        try:
            hibernation_figures(cfg, results, notes)
        except Exception as e:  # keep the other parts' figures
            notes.append(f"hibernation: not measured: {first_line(e)}")
    load["after_metrics"] = loadavg()
    # The smoke uses the module scripts/test built as its tier-1 check (building takes a minute);
    # a full or --only run builds both modules first.
    wasm_module = os.path.join(WASM_DIR, "TetherDemo.wasm")
    wasm_expected = wanted("wasm") and (not args.smoke or os.path.exists(wasm_module))
    if wanted("wasm") and not wasm_expected:
        notes.append(f"WebAssembly: not measured, {os.path.relpath(wasm_module, ROOT)} is not built (scripts/build-wasm)")
    if wasm_expected:
        print("==> WebAssembly render mode", flush=True)
        try:
            wasm_figures(cfg, results, notes, build=not args.smoke)
        except Exception as e:  # keep the other parts' figures
            notes.append(f"WebAssembly: not measured: {first_line(e)}")
    if not args.smoke and not args.skip_peer and wanted("peer"):
        print("==> NiceGUI peer", flush=True)
        peer_figures(results, notes)
    for k in PEER_KEYS:
        results.setdefault(k, None)
    results["stream_bytes"] = cfg["stream_bytes"]
    load["end"] = loadavg()
    if max(load.values()) > 1.5:
        notes.append(f"the machine was busy with other work during the run (1-minute load average {load}); "
                     "figures are noisier than on a quiet machine")
    results["notes"] = notes
    results["elapsed_s"] = round(time.time() - started, 1)

    os.makedirs(OUT_DIR, exist_ok=True)
    out_name = "results-smoke.json" if args.smoke else "results-partial.json" if only else "results.json"
    out_path = os.path.join(OUT_DIR, out_name)
    with open(out_path, "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
    print_table(results, notes)
    print(f"\nresults: {os.path.relpath(out_path, ROOT)} ({results['elapsed_s']:.0f} s)")
    if not args.smoke and not args.no_markdown:
        write_markdown(results, notes, os.path.join(ROOT, "BENCHMARKS.md"))
        print("wrote BENCHMARKS.md")

    if only:
        if "deflate" in only and results.get("deflate") and not args.smoke:
            rewrite_deflate_section(results["deflate"], os.path.join(ROOT, "BENCHMARKS.md"))
            print("wrote the permessage-deflate section of BENCHMARKS.md")
        if "transport" in only and results.get("transport") and not args.smoke:
            rewrite_transport_section(results["transport"], os.path.join(ROOT, "BENCHMARKS.md"))
            print("wrote the transport section of BENCHMARKS.md")
        if "hibernation" in only and results.get("hibernation") and not args.smoke:
            rewrite_hibernation_section(results["hibernation"], os.path.join(ROOT, "BENCHMARKS.md"))
            print("wrote the hibernation section of BENCHMARKS.md")
        if "wasm" in only and results.get("wasm") and not args.smoke:
            rewrite_wasm_section(results["wasm"], os.path.join(ROOT, "BENCHMARKS.md"))
            print("wrote the WebAssembly section of BENCHMARKS.md")
        return
    required = (list(REQUIRED) + ([] if args.smoke or args.skip_ladder else ["max_circuits"])
                + (WASM_REQUIRED if wasm_expected else []))
    missing = [k for k in required if not is_number(results.get(k))]
    if missing:
        print(f"bench: missing figures: {', '.join(missing)}", file=sys.stderr)
        sys.exit(1)
    # Not a speed: a resume that fails, or brings back the wrong count, is a bug.
    lost = (results["resume_after_restart_failed"], results.get("resume_after_restart_state_lost"))
    if any(lost):
        print(f"bench: circuits not resumed after the restart: {lost[0]} failed, {lost[1]} lost their state", file=sys.stderr)
        sys.exit(1)
    if args.smoke:
        print(f"bench smoke: all {len(required)} figures are numbers")


if __name__ == "__main__":
    main()
