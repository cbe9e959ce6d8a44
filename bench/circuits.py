#!/usr/bin/env python3
"""Protocol-level Tether circuits without a browser: idle-circuit memory and click load.

    python3 bench/circuits.py memory --port P --pid PID --n 1000
    python3 bench/circuits.py load   --port P --pid PID --n 4000 [--seconds 10]
    python3 bench/circuits.py memory-floor --port P --pid PID --n 1000
    python3 bench/circuits.py echo   --port P --pid PID --n 2000

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
Loopback only.
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


def fetch_counter(port):
    """The descriptor, the page URL and the click handler id from the prerendered /counter."""
    url = f"http://{HOST}:{port}/counter"
    with urllib.request.urlopen(url, timeout=10) as r:
        page = r.read().decode()
    m = re.search(r'data-tether-descriptor="([^"]*)"', page)
    if not m or not m.group(1):
        raise RuntimeError("no data-tether-descriptor in /counter")
    descriptor = html.unescape(m.group(1))
    tag = re.search(r'<button[^>]*\bid="increment"[^>]*>', page)
    if not tag:
        raise RuntimeError("no #increment button in /counter")
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

    def connection_made(self, transport):
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((
            f"GET {self.path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())

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
                self.transport.close()
                return
            if opcode in (0x1, 0x2):
                self.fragments = payload
            elif opcode == 0x0 and self.fragments is not None:
                self.fragments += payload
            else:
                continue
            if not b0 & 0x80:
                continue
            message, self.fragments = self.fragments, None
            if message[:1] != b"[":  # only text frames of JSON messages matter here
                continue
            self.message(message.decode())

    def message(self, text):
        if self.start_message is None:
            if self.on_echo is not None:
                self.on_echo(text)
            return
        if '"err"' in text or '"fatal"' in text:
            self.errors += 1
        # A frame is an array of messages; a render batch is ["r", n, edits].
        at = text.find('["r",')
        if at < 0:
            return
        comma = text.index(",", at + 5)
        batch = int(text[at + 5:comma])
        self.send(f'[["ack",{batch}]]')
        if batch == 0:
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


async def memory(args, raw=False):
    # Fetching descriptors is a prerender each: do it before the baseline.
    messages = None if raw else fetch_descriptors(args.port, args.n)
    await asyncio.sleep(1.0)
    before = rss_bytes(args.pid)
    circuits, opened_s = await open_circuits(args.port, args.n, raw=raw, start_messages=messages)
    await asyncio.sleep(args.settle)
    after = rss_bytes(args.pid)
    errors = sum(c.errors for c in circuits)
    close_all(circuits)
    return {"n": args.n, "rss_before": before, "rss_after": after,
            "bytes_per_circuit": round((after - before) / args.n), "open_s": round(opened_s, 2),
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
            cpu_server0, cpu_self0, t_measure0 = cpu_seconds(args.pid), self_cpu_seconds(), now
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
    return {
        "n": n, "open_s": round(opened_s, 2), "clicks_measured": samples,
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["memory", "load", "memory-floor", "echo"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True, help="the server's pid, for VmRSS and CPU time")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--settle", type=float, default=2.0, help="memory: seconds to wait before reading RSS")
    ap.add_argument("--warmup", type=float, default=2.0, help="load: seconds of clicks not measured")
    ap.add_argument("--seconds", type=float, default=8.0, help="load: seconds of clicks measured")
    args = ap.parse_args()
    limit = raise_fd_limit()
    if args.n + 64 > limit:
        sys.exit(f"circuits.py: {args.n} circuits need more than the fd limit of {limit}")
    if uvloop is not None:
        uvloop.install()
    modes = {"memory": memory, "load": load, "memory-floor": lambda a: memory(a, raw=True), "echo": echo}
    try:
        print(json.dumps(asyncio.run(modes[args.mode](args))), flush=True)
    except Exception as e:  # one line the driver can read either way
        print(json.dumps({"n": args.n, "error": f"{type(e).__name__}: {e}"}), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
