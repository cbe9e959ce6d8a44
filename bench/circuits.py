#!/usr/bin/env python3
"""Protocol-level Tether circuits without a browser: idle-circuit memory and click load.

    python3 bench/circuits.py memory --port P --pid PID --n 1000
    python3 bench/circuits.py load   --port P --pid PID --n 4000 [--seconds 10]
    python3 bench/circuits.py memory-floor --port P --pid PID --n 1000
    python3 bench/circuits.py echo   --port P --pid PID --n 2000
    python3 bench/circuits.py pause-memory --port P --pid PID --n 1000
    python3 bench/circuits.py restart --port P --pid PID --n 1000 --interval 1
    python3 bench/circuits.py hibernation --port P --pid PID --n 1000

Each prints one JSON line. A circuit is what the runtime (runtime/circuit.js) does, minus the DOM: GET /counter, take
`data-tether-descriptor` from the prerendered HTML, open a WebSocket to /_tether/circuit, send
`[["start", descriptor, url]]`, wait for `["r",0,...]` and ack it. A click is
`[["ev", handlerId, {"type":"click"}]]`, where handlerId is the `data-t-click` binding of
`#increment`; its answer is the next `["r",n,...]` batch, which is acked as the browser does.

The WebSocket client is a minimal asyncio.Protocol (client frames use the all-zero mask key, so
masking costs nothing), because the load generator shares the machine's cores with the server and
must stay cheap: at 20,000 circuits clicking once a second it handles 40,000 frames a second.
`memory-floor` and `echo` are the floor: the same client on tether-bench's raw WebSocket echo
(`/_floor/echo`), with no Tether: idle sockets for memory, sequential round trips for latency.

The durability modes need a tether-bench with a store (`TETHER_BENCH_STORE`). `pause-memory`
sends `[["pause"]]` (the server saves the circuit, frees it and closes the socket with 4006) and
reads the server's RSS around it. `restart` opens and clicks n circuits, waits until the store has
them, prints `{"phase": "saved"}` and waits: the driver kills the server with SIGKILL and starts
another on the same port and store. Then every circuit sends `[["resume", id, secret, lastBatch]]`,
as a page does, and waits for `cfg` with `restored: true` and the restored render batch; a click
on each then checks the count came back. `load --stats-path /bench/persistence` also reports
what the persister wrote while clicks were measured.

`hibernation` needs a tether-bench with `TETHER_BENCH_HIBERNATE_AFTER_MS` (longer than opening n
circuits takes): it opens n /counter circuits and clicks each once, reads the server's heap in
use and RSS with them awake, waits until `/bench/hibernation` counts all n hibernated and reads
them again; then, one circuit at a time, times the first click after hibernation (which revives
the circuit) and a second click on the same circuit, awake. Loopback only.
"""
import argparse
import asyncio
import base64
import html
import json
import os
import re
import resource
import statistics
import sys
import time
import urllib.request
import zlib

try:
    import uvloop  # a NiceGUI dependency; optional
except ImportError:  # pragma: no cover
    uvloop = None

HOST = "127.0.0.1"


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid):
    """User + system CPU seconds of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def self_cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def fetch_counter(port, path="/counter"):
    """The descriptor, the page URL and the click handler id from the prerendered /counter, or
    another page with the same `#increment` button (tether-bench's /_bench/todos)."""
    url = f"http://{HOST}:{port}{path}"
    with urllib.request.urlopen(url, timeout=10) as r:
        page = r.read().decode()
    m = re.search(r'data-tether-descriptor="([^"]*)"', page)
    if not m or not m.group(1):
        raise RuntimeError(f"no data-tether-descriptor in {path}")
    descriptor = html.unescape(m.group(1))
    tag = re.search(r'<button[^>]*\bid="increment"[^>]*>', page)
    if not tag:
        raise RuntimeError(f"no #increment button in {path}")
    binding = re.search(r'\bdata-t-click="([^"]*)"', tag.group(0))
    if not binding:
        raise RuntimeError("#increment has no data-t-click binding")
    handler = html.unescape(binding.group(1)).split(";")[0]
    return descriptor, url, handler


def fetch_descriptors(port, n, workers=8):
    """n start messages for /counter, one page each: a descriptor starts one circuit."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(workers) as pool:
        pages = list(pool.map(lambda _: fetch_counter(port), range(n)))
    return [json.dumps([["start", descriptor, url]]) for descriptor, url, _ in pages]


def text_frame(text):
    """A masked client text frame; the mask key is zero, so the payload goes as is."""
    payload = text.encode()
    n = len(payload)
    if n < 126:
        header = bytes([0x81, 0x80 | n])
    elif n < 65536:
        header = bytes([0x81, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        header = bytes([0x81, 0x80 | 127]) + n.to_bytes(8, "big")
    return header + b"\0\0\0\0" + payload


class Circuit(asyncio.Protocol):
    """One circuit. `started` resolves on the first render batch; `on_render` gets each later one."""

    # A `Sec-WebSocket-Extensions` offer to send with every upgrade (bench/heap_breakdown.py sets
    # permessage-deflate, as a browser does); None offers nothing.
    extensions = None

    def __init__(self, port, start_message, on_render=None, path="/_tether/circuit"):
        self.port = port
        self.path = path
        self.start_message = start_message  # None: a raw socket, started once upgraded
        self.on_echo = None
        self.on_render = on_render
        self.transport = None
        self.buffer = bytearray()
        self.upgraded = False
        self.started = asyncio.get_running_loop().create_future()
        self.closed = False
        self.sent_at = None  # perf_counter of the click in flight
        self.errors = 0
        self.fragments = None
        self.deflated = False
        self.close_code = None  # from the server's close frame
        self.circuit_id = self.secret = None  # from `cfg`
        self.restored = None  # `cfg`'s restored flag
        self.last_batch = -1  # the last render batch acked
        self.last_render = None  # the text of the frame that held the last render batch

    def connection_made(self, transport):
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((
            f"GET {self.path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            + (f"Sec-WebSocket-Extensions: {self.extensions}\r\n" if self.extensions else "") + "\r\n").encode())

    def connection_lost(self, exc):
        self.closed = True
        if not self.started.done():
            self.started.set_exception(ConnectionError(f"circuit socket closed before the first render: {exc}"))

    def send(self, text):
        self.transport.write(text_frame(text))

    def data_received(self, data):
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[:end]).split(b"\r\n", 1)[0]
            del self.buffer[:end + 4]
            if b" 101 " not in status + b" ":
                if not self.started.done():
                    self.started.set_exception(ConnectionError(f"upgrade refused: {status!r}"))
                self.transport.close()
                return
            self.upgraded = True
            if self.start_message is None:
                self.started.set_result(None)
            else:
                self.send(self.start_message)
        buf = self.buffer
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n = b1 & 0x7F
            pos = 2
            if n == 126:
                if len(buf) < 4:
                    return
                n = int.from_bytes(buf[2:4], "big")
                pos = 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n = int.from_bytes(buf[2:10], "big")
                pos = 10
            if len(buf) < pos + n:
                return
            payload = bytes(buf[pos:pos + n])
            del buf[:pos + n]
            opcode = b0 & 0x0F
            if opcode == 0x9:  # ping: answer with a pong carrying the same payload
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
                continue
            if opcode == 0x8:
                if len(payload) >= 2:
                    self.close_code = int.from_bytes(payload[:2], "big")
                self.transport.close()
                return
            if opcode in (0x1, 0x2):
                self.fragments = payload
                self.deflated = bool(b0 & 0x40)  # RSV1: a permessage-deflate message
            elif opcode == 0x0 and self.fragments is not None:
                self.fragments += payload
            else:
                continue
            if not b0 & 0x80:
                continue
            message, self.fragments = self.fragments, None
            if self.deflated:
                message = zlib.decompressobj(-15).decompress(bytes(message) + b"\x00\x00\xff\xff")
            if message[:1] != b"[":  # only text frames of JSON messages matter here
                continue
            self.message(message.decode())

    def message(self, text):
        if self.start_message is None:
            if self.on_echo is not None:
                self.on_echo(text)
            return
        if '"err"' in text or '"fatal"' in text or '"rejected"' in text:
            self.errors += 1
        if self.circuit_id is None and '["cfg",' in text:
            for m in json.loads(text):
                if m[0] == "cfg":
                    self.circuit_id, self.secret = m[1].get("circuitId"), m[1].get("secret")
                    self.restored = bool(m[1].get("restored"))
        # A frame is an array of messages; a render batch is ["r", n, edits].
        at = text.find('["r",')
        if at < 0:
            return
        comma = text.index(",", at + 5)
        batch = int(text[at + 5:comma])
        self.send(f'[["ack",{batch}]]')
        self.last_batch = batch
        self.last_render = text
        # The first batch: 0 on a new circuit, the one after the page's last on a resumed one.
        if not self.started.done():
            self.started.set_result(None)
            return
        if self.on_render is not None:
            self.on_render(self, batch)


async def open_circuits(port, n, on_render=None, parallel=200, deadline_s=120, raw=False, start_messages=None):
    """Opens n circuits, at most `parallel` handshakes at a time. Returns (circuits, seconds).
    raw: plain sockets on the floor's echo endpoint instead."""
    if raw:
        start_messages, path = [None] * n, "/_floor/echo"
    else:
        start_messages, path = start_messages or fetch_descriptors(port, n), "/_tether/circuit"
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(parallel)
    circuits = []
    t0 = time.perf_counter()
    deadline = t0 + deadline_s

    async def one(start_message):
        async with gate:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError("opening circuits took too long")
            _, c = await asyncio.wait_for(
                loop.create_connection(lambda: Circuit(port, start_message, on_render, path), HOST, port), remaining)
            circuits.append(c)
            await asyncio.wait_for(c.started, max(0.1, deadline - time.perf_counter()))

    results = await asyncio.gather(*(one(message) for message in start_messages), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    elapsed = time.perf_counter() - t0
    if failures:
        for c in circuits:
            c.transport.close()
        raise RuntimeError(f"{len(failures)} of {n} circuits failed to start; first: {failures[0]!r}")
    return circuits, elapsed


def close_all(circuits):
    for c in circuits:
        if c.transport is not None:
            c.transport.abort()


def heap_in_use(port):
    """malloc's bytes in use in the server (tether-bench's /bench/persistence), or None."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/bench/persistence", timeout=5) as r:
            value = json.load(r).get("heap_in_use_bytes")
        return value if isinstance(value, int) and value >= 0 else None
    except (OSError, ValueError):
        return None


async def memory(args, raw=False):
    # Fetching descriptors is a prerender each: do it before the baseline.
    messages = None if raw else fetch_descriptors(args.port, args.n)
    await asyncio.sleep(1.0)
    before, heap_before = rss_bytes(args.pid), heap_in_use(args.port)
    circuits, opened_s = await open_circuits(args.port, args.n, raw=raw, start_messages=messages)
    await asyncio.sleep(args.settle)
    after, heap_after = rss_bytes(args.pid), heap_in_use(args.port)
    errors = sum(c.errors for c in circuits)
    close_all(circuits)
    heap = round((heap_after - heap_before) / args.n) if heap_before is not None and heap_after is not None else None
    return {"n": args.n, "rss_before": before, "rss_after": after,
            "bytes_per_circuit": round((after - before) / args.n), "heap_per_circuit": heap, "open_s": round(opened_s, 2),
            "errors": errors}


async def echo(args):
    """Sequential round trips on the raw echo socket: the floor, seen from this client."""
    (c,), _ = await open_circuits(args.port, 1, raw=True)
    loop = asyncio.get_running_loop()
    waiting = [None]
    c.on_echo = lambda _text: waiting[0].set_result(None)
    frame = text_frame(json.dumps([["c", 12345, "benchNoop", [1234], 0]]))
    lat = []
    for i in range(args.n + 200):
        waiting[0] = loop.create_future()
        t0 = time.perf_counter()
        c.transport.write(frame)
        await asyncio.wait_for(waiting[0], 10)
        if i >= 200:
            lat.append(time.perf_counter() - t0)
    close_all([c])
    lat.sort()
    return {"n": args.n, "p50_us": round(percentile(lat, 0.5) * 1e6, 1), "p99_us": round(percentile(lat, 0.99) * 1e6, 1)}


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


async def load(args):
    """n circuits, each clicking once a second at its own phase; click→patch latency."""
    latencies = []
    measuring = [False]
    late_replies = [0]

    def on_render(c, _batch):
        if c.sent_at is None:
            late_replies[0] += 1
            return
        if measuring[0]:
            latencies.append(time.perf_counter() - c.sent_at)
        c.sent_at = None

    _, _, handler = fetch_counter(args.port)
    click = text_frame(json.dumps([["ev", handler, {"type": "click"}]]))
    circuits, opened_s = await open_circuits(args.port, args.n, on_render)
    n = len(circuits)
    loop = asyncio.get_running_loop()
    tick = 0.005
    overlapped = 0  # a circuit still waiting for its previous click's answer a second later
    lag = []
    total = args.warmup + args.seconds
    t_start = time.perf_counter()
    cpu_server0 = cpu_server1 = cpu_self0 = cpu_self1 = None
    stats0 = None  # the persister's counters when measuring starts
    next_index = 0  # clicks issued so far, across rounds
    k = 0
    while True:
        k += 1
        scheduled = t_start + k * tick
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.perf_counter()
        lag.append(now - scheduled)
        elapsed = now - t_start
        if elapsed >= total:
            break
        if not measuring[0] and elapsed >= args.warmup:
            measuring[0] = True
            stats0 = fetch_stats(args.port, args.stats_path) if args.stats_path else None
            cpu_server0, cpu_self0, t_measure0 = cpu_seconds(args.pid), self_cpu_seconds(), time.perf_counter()
        # Everything due by now: circuit i clicks at i/n past every second.
        due = int(elapsed * n)
        while next_index < due:
            c = circuits[next_index % n]
            next_index += 1
            if c.closed:
                continue
            if c.sent_at is not None:
                overlapped += 1
                continue
            c.sent_at = time.perf_counter()
            c.transport.write(click)
    measuring_end = time.perf_counter()
    cpu_server1, cpu_self1 = cpu_seconds(args.pid), self_cpu_seconds()
    stats1 = fetch_stats(args.port, args.stats_path) if args.stats_path else None
    # Let the last answers land, then count what never came.
    for _ in range(200):
        if not any(c.sent_at is not None for c in circuits):
            break
        await asyncio.sleep(0.01)
    missing = sum(1 for c in circuits if c.sent_at is not None)
    closed = sum(1 for c in circuits if c.closed)
    errors = sum(c.errors for c in circuits)
    close_all(circuits)
    latencies.sort()
    lag.sort()
    window = measuring_end - t_measure0
    # Unanswered or overlapping clicks count as slower than any answer.
    slow = missing + overlapped
    samples = len(latencies) + slow
    p99 = percentile(latencies + [float("inf")] * slow, 0.99) if samples else None
    store = {}
    if stats1 is not None:
        store = {f"store_{k}_per_s": round((stats1[k] - stats0[k]) / window, 1)
                 for k in ("rows_written", "batches_written", "snapshot_bytes_written")}
        store["store_failed_batches"] = stats1["failed_batches"] - stats0["failed_batches"]
    return {
        **store,
        "n": n, "open_s": round(opened_s, 2), "clicks_measured": samples, "seconds": round(window, 2),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 3) if latencies else None,
        "p99_ms": (round(p99 * 1000, 3) if p99 != float("inf") else None) if p99 is not None else None,
        "max_ms": round(latencies[-1] * 1000, 3) if latencies else None,
        "missing": missing, "overlapped": overlapped, "closed": closed, "errors": errors,
        "late_replies": late_replies[0],
        "clicks_per_s": round(samples / window) if window > 0 else None,
        "server_cpu": round((cpu_server1 - cpu_server0) / window, 3),
        "client_cpu": round((cpu_self1 - cpu_self0) / window, 3),
        "client_lag_p99_ms": round(percentile(lag, 0.99) * 1000, 3),
        "rss_bytes": rss_bytes(args.pid),
    }


def fetch_stats(port, path):
    """tether-bench's persister counters (`GET /bench/persistence`)."""
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=10) as r:
        return json.loads(r.read())


async def wait_closed(circuits, timeout):
    deadline = time.perf_counter() + timeout
    while any(not c.closed for c in circuits) and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
    return sum(1 for c in circuits if c.closed)


async def pause_all(circuits, timeout=120):
    """Sends `pause` on every circuit and waits for the sockets to close; the close codes seen."""
    frame = text_frame(json.dumps([["pause"]]))
    for c in circuits:
        c.transport.write(frame)
    await wait_closed(circuits, timeout)
    codes = {}
    for c in circuits:
        codes[str(c.close_code)] = codes.get(str(c.close_code), 0) + 1
    return codes


async def pause_memory(args):
    """Server RSS with n idle live circuits, then with the same n paused; twice, so the second
    round shows what a pause costs once the allocator and the store's page cache are warm."""
    # Prerenders first, and a few circuits paused before the baseline: that opens the store
    # (its connection and schema), which every later pause shares.
    warm = min(20, args.n)
    messages = fetch_descriptors(args.port, 2 * args.n + warm)
    circuits, _ = await open_circuits(args.port, warm, start_messages=messages[:warm])
    await pause_all(circuits)
    await asyncio.sleep(args.settle)
    heap_path = args.stats_path or "/bench/persistence"
    heap = lambda: fetch_stats(args.port, heap_path).get("heap_in_use_bytes", -1)
    rss = {"baseline": rss_bytes(args.pid)}
    heaps = {"baseline": heap()}
    codes = {}
    times = {}
    for rnd, batch in ((1, messages[warm:warm + args.n]), (2, messages[warm + args.n:])):
        circuits, times[f"open_{rnd}_s"] = await open_circuits(args.port, args.n, start_messages=batch)
        await asyncio.sleep(args.settle)
        rss[f"live_{rnd}"] = rss_bytes(args.pid)
        heaps[f"live_{rnd}"] = heap()
        t0 = time.perf_counter()
        for code, count in (await pause_all(circuits)).items():
            codes[code] = codes.get(code, 0) + count
        times[f"pause_{rnd}_s"] = time.perf_counter() - t0
        await asyncio.sleep(args.settle)
        rss[f"paused_{rnd}"] = rss_bytes(args.pid)
        heaps[f"paused_{rnd}"] = heap()
    n = args.n
    return {
        "n": n, "rss": rss, "heap": heaps, "close_codes": codes,
        # What the server still holds per paused circuit: malloc's bytes in use, over the baseline.
        "heap_bytes_per_paused_circuit": round((heaps["paused_1"] - heaps["baseline"]) / n),
        "heap_bytes_per_live_circuit": round((heaps["live_1"] - heaps["baseline"]) / n),
        "heap_bytes_per_paused_circuit_2": round((heaps["paused_2"] - heaps["paused_1"]) / n), **{k: round(v, 2) for k, v in times.items()},
        # n circuits paused, over the baseline before any of them opened.
        "bytes_per_paused_circuit": round((rss["paused_1"] - rss["baseline"]) / n),
        # The same, for n live ones: the contrast.
        "bytes_per_live_circuit": round((rss["live_1"] - rss["baseline"]) / n),
        # The second round: n more opened (reusing what the first round's pauses freed), then
        # paused: growth per pause over the first round's paused state.
        "bytes_per_paused_circuit_2": round((rss["paused_2"] - rss["paused_1"]) / n),
        "bytes_per_live_circuit_2": round((rss["live_2"] - rss["paused_1"]) / n),
        "stats": fetch_stats(args.port, args.stats_path) if args.stats_path else None,
    }


async def hibernation(args):
    """Memory per hibernated circuit, and the first click after hibernation against an awake one."""
    loop = asyncio.get_running_loop()
    stats = lambda: fetch_stats(args.port, args.stats_path or "/bench/hibernation")
    _, _, handler = fetch_counter(args.port)
    click = text_frame(json.dumps([["ev", handler, {"type": "click"}]]))
    messages = fetch_descriptors(args.port, args.n)
    waiting = {}

    def on_render(c, _batch):
        answered = waiting.pop(id(c), None)
        if answered is not None and not answered.done():
            answered.set_result(time.perf_counter())

    async def click_once(c):
        answered = loop.create_future()
        waiting[id(c)] = answered
        t0 = time.perf_counter()
        c.transport.write(click)
        return (await asyncio.wait_for(answered, 30)) - t0

    await asyncio.sleep(1.0)
    before = stats()
    rss = {"baseline": rss_bytes(args.pid)}
    heap = {"baseline": before["heap_in_use_bytes"]}
    circuits, opened_s = await open_circuits(args.port, args.n, on_render, start_messages=messages)
    t_clicked = time.perf_counter()
    gate = asyncio.Semaphore(50)

    async def warm(c):
        async with gate:
            await click_once(c)

    await asyncio.gather(*(warm(c) for c in circuits))
    await asyncio.sleep(args.settle)
    awake = stats()
    rss["awake"], heap["awake"] = rss_bytes(args.pid), awake["heap_in_use_bytes"]
    hibernated_early = awake["hibernated"] - before["hibernated"]
    n = len(circuits)
    deadline = time.perf_counter() + 300
    while stats()["hibernated"] - before["hibernated"] < n:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"only {stats()['hibernated'] - before['hibernated']} of {n} circuits hibernated in 300 s")
        await asyncio.sleep(0.2)
    all_hibernated_s = time.perf_counter() - t_clicked
    await asyncio.sleep(args.settle)
    slept = stats()
    rss["hibernated"], heap["hibernated"] = rss_bytes(args.pid), slept["heap_in_use_bytes"]
    cpu0 = cpu_seconds(args.pid)
    first, second = [], []
    for c in circuits[:args.revive_n or n]:
        first.append(await click_once(c))
        second.append(await click_once(c))
    cpu_clicks = cpu_seconds(args.pid) - cpu0
    woke = stats()
    errors = sum(c.errors for c in circuits)
    closed = sum(1 for c in circuits if c.closed)
    close_all(circuits)
    first.sort()
    second.sort()
    ms = lambda v: round(v * 1000, 3)
    return {
        "n": n, "open_s": round(opened_s, 2), "rss": rss, "heap": heap,
        "heap_bytes_per_awake_circuit": round((heap["awake"] - heap["baseline"]) / n),
        "heap_bytes_per_hibernated_circuit": round((heap["hibernated"] - heap["baseline"]) / n),
        "rss_bytes_per_awake_circuit": round((rss["awake"] - rss["baseline"]) / n),
        "rss_bytes_per_hibernated_circuit": round((rss["hibernated"] - rss["baseline"]) / n),
        "snapshot_bytes_per_circuit": round((slept["snapshot_bytes"] - before["snapshot_bytes"]) / n, 1),
        "hibernated_before_measuring_awake": hibernated_early, "all_hibernated_after_s": round(all_hibernated_s, 2),
        "revive_clicks": len(first), "revivals": woke["revivals"] - slept["revivals"],
        "revive_p50_ms": ms(percentile(first, 0.5)), "revive_p99_ms": ms(percentile(first, 0.99)),
        "awake_p50_ms": ms(percentile(second, 0.5)), "awake_p99_ms": ms(percentile(second, 0.99)),
        "server_cpu_ms_per_click_pair": round(cpu_clicks * 1000 / max(1, len(first)), 3),
        "errors": errors, "closed": closed,
    }


async def restart(args):
    """n circuits clicked once and saved; after the driver restarts the server (SIGKILL, then a
    new process on the same port and store), every one resumes. Times from the new server's first
    accepted connection until the last restored render batch arrives."""
    loop = asyncio.get_running_loop()
    _, _, handler = fetch_counter(args.port)
    click = text_frame(json.dumps([["ev", handler, {"type": "click"}]]))
    waiting = set()
    all_answered = loop.create_future()

    def on_render(c, _batch):
        if c.sent_at is None:
            return
        c.sent_at = None
        waiting.discard(c)
        if not waiting and not all_answered.done():
            all_answered.set_result(None)

    circuits, opened_s = await open_circuits(args.port, args.n, on_render)
    for c in circuits:
        waiting.add(c)
        c.sent_at = time.perf_counter()
        c.transport.write(click)
    await asyncio.wait_for(all_answered, 60)
    # Saved: every click's snapshot reaches the store at the next tick. Wait a tick, then until
    # the row count stops moving for a tick and covers every circuit.
    t_clicked = time.perf_counter()
    stats = lambda: loop.run_in_executor(None, fetch_stats, args.port, args.stats_path)
    await asyncio.sleep(args.interval)
    before = await stats()
    while True:
        await asyncio.sleep(args.interval * 1.2 + 0.1)
        now = await stats()
        if now["rows_written"] == before["rows_written"] and now["rows_written"] >= args.n:
            break
        if time.perf_counter() - t_clicked > 60:
            raise TimeoutError(f"the store did not settle: {now}")
        before = now
    saved_wait_s = time.perf_counter() - t_clicked
    missing_cfg = sum(1 for c in circuits if not c.circuit_id or not c.secret)
    print(json.dumps({"phase": "saved", "n": len(circuits), "stats": now, "saved_wait_s": round(saved_wait_s, 2)}), flush=True)

    # The driver kills the server now: every socket drops.
    await wait_closed(circuits, 60)
    saved = [(c.circuit_id, c.secret, c.last_batch) for c in circuits]
    messages = [json.dumps([["resume", cid, secret, last]]) for cid, secret, last in saved]
    resumed = [None] * len(messages)
    latencies = []
    failures = []

    def one_socket(message):
        return loop.create_connection(lambda: Circuit(args.port, message, on_render), HOST, args.port)

    # The first resume waits for the new process to accept: the page's reconnect loop, tighter.
    deadline = time.perf_counter() + 120
    while True:
        try:
            t_connect = time.perf_counter()
            _, first = await one_socket(messages[0])
            break
        except OSError:
            if time.perf_counter() > deadline:
                raise TimeoutError("the restarted server never accepted a connection")
            await asyncio.sleep(0.005)
    t_first = time.perf_counter()
    t_first_epoch = time.time()
    gate = asyncio.Semaphore(200)

    async def resume(i, made=None, t0=None):
        async with gate:
            try:
                if made is None:
                    t0 = time.perf_counter()
                    _, made = await asyncio.wait_for(one_socket(messages[i]), 60)
                resumed[i] = made
                await asyncio.wait_for(made.started, 60)
                if not made.restored:
                    raise RuntimeError(f"resumed without cfg restored (close {made.close_code})")
                latencies.append(time.perf_counter() - t0)
            except Exception as e:  # counted, not raised: the figure is how many failed
                failures.append(f"{type(e).__name__}: {e}")

    await asyncio.gather(*(resume(i, first, t_connect) if i == 0 else resume(i) for i in range(len(messages))))
    t_all = time.perf_counter()
    t_all_epoch = time.time()
    # The state came back: one more click on each restored circuit renders a count of 2.
    ok = [c for c in resumed if c is not None and c.restored and not c.closed]
    waiting.clear()
    all_answered = loop.create_future()
    for c in ok:
        waiting.add(c)
        c.sent_at = time.perf_counter()
        c.transport.write(click)
    if ok:
        try:
            await asyncio.wait_for(all_answered, 30)
        except asyncio.TimeoutError:
            pass
    state_ok = sum(1 for c in ok if c.sent_at is None and re.search(r'"2"|,2\]', c.last_render or ""))
    close_all([c for c in resumed if c is not None])
    latencies.sort()
    return {
        "n": len(messages), "open_s": round(opened_s, 2), "saved_wait_s": round(saved_wait_s, 2),
        "missing_cfg": missing_cfg,
        "restored": len(latencies), "failed": len(messages) - len(latencies), "failures": failures[:3],
        "state_ok": state_ok, "state_lost": len(latencies) - state_ok,
        "first_accept_to_all_s": round(t_all - t_first, 3),
        "first_accept_epoch": t_first_epoch, "all_restored_epoch": t_all_epoch,
        "resume_p50_ms": round(percentile(latencies, 0.5) * 1000, 2) if latencies else None,
        "resume_p99_ms": round(percentile(latencies, 0.99) * 1000, 2) if latencies else None,
        "errors": sum(c.errors for c in resumed if c is not None),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["memory", "load", "memory-floor", "echo", "pause-memory", "restart", "hibernation"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True, help="the server's pid, for VmRSS and CPU time")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--settle", type=float, default=2.0, help="memory: seconds to wait before reading RSS")
    ap.add_argument("--warmup", type=float, default=2.0, help="load: seconds of clicks not measured")
    ap.add_argument("--seconds", type=float, default=8.0, help="load: seconds of clicks measured")
    ap.add_argument("--stats-path", default=None,
                    help="load, pause-memory: the server's persister counters (tether-bench: /bench/persistence)")
    ap.add_argument("--interval", type=float, default=1.0, help="restart: the server's persist interval, in seconds")
    ap.add_argument("--revive-n", type=int, default=0, help="hibernation: circuits to time the revive on (0: all n)")
    args = ap.parse_args()
    if args.mode == "restart" and not args.stats_path:
        args.stats_path = "/bench/persistence"
    limit = raise_fd_limit()
    if args.n + 64 > limit:
        sys.exit(f"circuits.py: {args.n} circuits need more than the fd limit of {limit}")
    if uvloop is not None:
        uvloop.install()
    modes = {"memory": memory, "load": load, "memory-floor": lambda a: memory(a, raw=True), "echo": echo,
             "pause-memory": pause_memory, "restart": restart, "hibernation": hibernation}
    try:
        print(json.dumps(asyncio.run(modes[args.mode](args))), flush=True)
    except Exception as e:  # one line the driver can read either way
        print(json.dumps({"n": args.n, "error": f"{type(e).__name__}: {e}"}), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
