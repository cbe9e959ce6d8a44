#!/usr/bin/env python3
"""Abuse suite: attacks on a live tether-demo, each checked against what the server must do.

Starts the given binary on a free port on 127.0.0.1 (its log goes to
`Tests/abuse/.artifacts/server.log`) and runs every case against it. Attackers connect from
127.0.0.2 (and 127.0.0.4 where a second address helps), the victim from 127.0.0.3: the server
budgets per client address, so the distinct loopback addresses matter.

For every case the harness checks:
  (a) the server is still alive afterwards and `GET /counter` answers 200;
  (b) a victim circuit on /counter that clicks every ~50 ms during the attack gets every click's
      render batch, with p99 under --victim-p99-ms;
  (c) the server's RSS grows (peak during the case minus before it) by less than the per-address
      memory budget plus 48 MB of slack;
plus the case's own expectation. A case that kills the server fails with "server died" and the
next case gets a fresh server.

    python3 Tests/abuse/abuse.py --binary .build/debug/tether-demo
    python3 Tests/abuse/abuse.py --binary .build/release/tether-demo --victim-p99-ms 100 --markdown out.md
    python3 Tests/abuse/abuse.py --binary ... --only event-queue,no-read
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "support"))

from tether_client import (  # noqa: E402
    Circuit, Page, RawWebSocket, fetch_page, free_port, http_get, rss_kb,
)

HOST = "127.0.0.1"
ATTACKER = "127.0.0.2"
VICTIM = "127.0.0.3"
ATTACKER2 = "127.0.0.4"
ARTIFACTS = HERE / ".artifacts"
SLACK_MB = 48
INT_MAX = 9223372036854775807
FRAME_LIMIT = 30_000  # bytes of one text frame the attackers build (the server's limit is 32 KB)


def frames_of(messages: list, limit: int = FRAME_LIMIT) -> list[str]:
    """Packs messages into as few JSON frames of at most `limit` bytes as possible."""
    frames, current, size = [], [], 2
    for message in messages:
        text = json.dumps(message, separators=(",", ":"))
        if current and size + len(text) + 1 > limit:
            frames.append("[" + ",".join(current) + "]")
            current, size = [], 2
        current.append(text)
        size += len(text) + 1
    if current:
        frames.append("[" + ",".join(current) + "]")
    return frames


# --------------------------------------------------------------------------- the server


class Server:
    def __init__(self, binary: str, budget_mb: int, log_path: Path):
        self.binary = binary
        self.budget_mb = budget_mb
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.starts = 0

    def env(self) -> dict:
        return dict(
            os.environ,
            PORT=str(self.port),
            TETHER_CLIENT_MEMORY_BUDGET_MB=str(self.budget_mb),
            TETHER_HTTP_HEADER_TIMEOUT_SECONDS="2",
            TETHER_HTTP_IDLE_TIMEOUT_SECONDS="3",
            TETHER_CIRCUIT_RETENTION_SECONDS="60",
            TETHER_DESCRIPTOR_LIFETIME_SECONDS="600",
            TETHER_MAX_CIRCUITS_PER_CLIENT="200",
            TETHER_DETAILED_ERRORS="0",
        )

    def start(self):
        self.port = free_port()
        self.starts += 1
        self.mark(f"=== abuse: server start #{self.starts} on port {self.port}")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary], env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited at start with {self.proc.returncode}; see {self.log_path}")
            try:
                if http_get(HOST, self.port, "/counter", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the server did not answer GET /counter within 60 s")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def healthy(self) -> tuple[bool, str]:
        if not self.alive():
            code = self.proc.returncode if self.proc else None
            how = f"signal {-code}" if code is not None and code < 0 else f"exit {code}"
            return False, f"server died ({how})"
        try:
            status = http_get(HOST, self.port, "/counter", timeout=10).status
        except OSError as error:
            return False, f"GET /counter failed: {error}"
        return (status == 200), f"GET /counter answered {status}"

    def stop(self):
        if not self.alive():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def mark(self, line: str):
        with open(self.log_path, "ab") as f:
            f.write((line + "\n").encode())

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset: int) -> str:
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")


# --------------------------------------------------------------------------- per-case context


class Context:
    def __init__(self, server: Server):
        self.server = server
        self.host = HOST
        self.port = server.port
        self.pid = server.proc.pid
        self.circuits: list[Circuit] = []
        self.raw: list = []

    async def page(self, path: str = "/counter", source: str = ATTACKER) -> Page:
        return await fetch_page(self.host, self.port, path, source)

    def new_circuit(self, source: str = ATTACKER, **kwargs) -> Circuit:
        circuit = Circuit(self.host, self.port, source, **kwargs)
        self.circuits.append(circuit)
        return circuit

    async def circuit(self, path: str = "/counter", source: str = ATTACKER, **kwargs) -> tuple[Circuit, Page]:
        """A started circuit on a freshly fetched page (descriptors are single-use)."""
        page = await self.page(path, source)
        circuit = await self.new_circuit(source, **kwargs).open()
        if not await circuit.start(page):
            raise CaseError(f"could not start a circuit on {path}: close {circuit.close_code} "
                            f"{circuit.close_reason!r}, fatal {circuit.fatal!r}")
        return circuit, page

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    async def cleanup(self):
        await asyncio.gather(*(c.close() for c in self.circuits), return_exceptions=True)
        for raw in self.raw:
            if hasattr(raw, "close"):
                raw.close()


class CaseError(Exception):
    pass


# --------------------------------------------------------------------------- the victim


class Victim:
    """A healthy circuit on /counter from 127.0.0.3 clicking every ~50 ms while a case runs."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.latencies: list[float] = []
        self.clicks = 0
        self.missed = 0
        self.problem = ""
        self.circuit: Circuit | None = None

    async def setup(self):
        page = await fetch_page(self.ctx.host, self.ctx.port, "/counter", VICTIM)
        self.handler = page.handler(id="increment")
        self.circuit = Circuit(self.ctx.host, self.ctx.port, VICTIM, name="victim")
        await self.circuit.open()
        if not await self.circuit.start(page):
            raise CaseError("the victim could not start its circuit")

    async def run(self, stop: asyncio.Event, min_seconds: float = 1.5):
        c = self.circuit
        started = time.monotonic()
        while not (stop.is_set() and time.monotonic() - started >= min_seconds):
            t0 = time.monotonic()
            before = c.last_batch
            sent = await c.send([["ev", self.handler, {"type": "click"}]])
            got = sent and await c.wait(lambda: c.last_batch > before or c.closed, 10)
            if got and c.last_batch > before:
                self.latencies.append(time.monotonic() - t0)
                self.clicks += 1
            else:
                self.missed += 1
                self.problem = ("victim socket closed" + (f" ({c.close_code})" if c.close_code else "")) if c.closed \
                    else "a click got no render batch within 10 s"
                return
            await asyncio.sleep(max(0.0, 0.05 - (time.monotonic() - t0)))
        if c.count_text != str(self.clicks):
            self.problem = f"victim count shows {c.count_text}, expected {self.clicks}"

    def stats(self) -> tuple[float, float, float]:
        if not self.latencies:
            return float("nan"), float("nan"), float("nan")
        ordered = sorted(self.latencies)
        pick = lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000
        return pick(0.5), pick(0.99), ordered[-1] * 1000

    async def close(self):
        if self.circuit:
            await self.circuit.close()


# --------------------------------------------------------------------------- cases


def has(texts, *needles) -> int:
    return sum(1 for t in texts if any(n.lower() in str(t).lower() for n in needles))


async def settle(predicate_count, quiet: float = 2.0, limit: float = 20.0):
    """Waits until `predicate_count()` stops changing for `quiet` seconds, at most `limit`."""
    deadline = time.monotonic() + limit
    last, since = predicate_count(), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        now = predicate_count()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return last


async def case_event_numbers(ctx: Context):
    c, page = await ctx.circuit("/counter")
    handler = page.handler(id="increment")
    notes, refused = [], 0
    for label, args in [("detail 1e19", '{"type":"click","detail":1e19}'),
                        ("button Int64.max + 1", '{"type":"click","button":9223372036854775808}'),
                        ("clientX 1e400", '{"type":"click","clientX":1e400}')]:
        errors, batch = len(c.errors), c.last_batch
        await c.send(f'[["ev",{json.dumps(handler)},{args}]]')
        await c.wait(lambda: len(c.errors) > errors or c.last_batch > batch or c.closed, 5)
        if has(c.errors[errors:], "event refused"):
            refused += 1
        elif c.closed:
            notes.append(f"{label}: socket closed")
            break
        else:
            notes.append(f"{label}: not refused" + (" (the handler ran)" if c.last_batch > batch else ""))
    before = int(c.count_text or 0)
    clicked = not c.closed and await c.click(handler, 5)
    after = int(c.count_text or 0)
    ok = refused == 3 and clicked and after == before + 1
    detail = f"{refused}/3 refused; next click {'rendered' if clicked else 'got no batch'}, count {before}→{after}"
    return ok, "; ".join([detail] + notes)


async def case_demo_overflow(ctx: Context):
    c, _ = await ctx.circuit("/counter")
    checks = []
    add = await c.invoke("Demo", "Add", [INT_MAX, 1], 5)
    checks.append(("Add refused 'does not fit'", bool(add and add[0] is False and "does not fit" in str(add[1])), add))
    created = await c.invoke("Demo", "CreateCounter", [INT_MAX], 5)
    obj = created[1].get("__tetherObject") if created and created[0] and isinstance(created[1], dict) else None
    checks.append(("CreateCounter(Int.max) gives an object", obj is not None, created))
    if obj is not None:
        inc = await c.invoke(obj, "Increment", [], 5)
        checks.append(("Increment refused", bool(inc and inc[0] is False), inc))
    else:
        checks.append(("Increment refused", False, "no object"))
    try:
        status = (await asyncio.to_thread(http_get, HOST, ctx.port, f"/items/{INT_MAX}", ATTACKER)).status
    except OSError as error:
        status = f"error {error}"
    checks.append((f"GET /items/{INT_MAX} 200", status == 200, status))
    failed = [f"{name}: got {str(got)[:80]}" for name, ok, got in checks if not ok]
    return not failed, "all as expected" if not failed else "; ".join(failed)


async def case_pending_calls(ctx: Context):
    circuits = [(await ctx.circuit("/counter", ATTACKER, auto_ack=True))[0] for _ in range(10)]

    async def flood(c: Circuit):
        # Each call carries 2 KB, so 20,000 of them ask for more than the budget holds.
        messages = [["inv", c.next_call_id(), "Demo", "InvokeJS", ["window.never", ["x" * 2048], None]] for _ in range(2000)]
        for frame in frames_of(messages):
            if not await asyncio.wait_for(c.send(frame), 15):
                break

    await asyncio.gather(*(flood(c) for c in circuits))
    total = lambda: sum(len(c.results) for c in circuits)
    # A debug build takes seconds to parse 40 MB of calls before the first refusal goes out.
    await settle(total, quiet=5.0, limit=30.0)
    refused = sum(has([v for ok, v in c.results.values() if not ok], "too many calls", "memory budget") for c in circuits)
    other = sum(1 for c in circuits for ok, v in c.results.values() if not ok) - refused
    calls = sum(len(c.calls) for c in circuits)
    closed = [c.close_code for c in circuits if c.closed]
    ok = refused >= 1000
    return ok, (f"20000 sent: {refused} refused (too many calls / memory budget), {other} other failures, "
                f"{20000 - total()} pending, {calls} JS calls reached the client" + (f"; closed {closed}" if closed else ""))


async def case_byte_segments(ctx: Context):
    circuits = [(await ctx.circuit("/counter", ATTACKER))[0] for _ in range(3)]
    payload = os.urandom(256 * 1024)
    sent = [0, 0, 0]

    async def flood(index: int, c: Circuit):
        for i in range(400):
            if c.closed:
                return
            try:
                if not await asyncio.wait_for(c.send(struct.pack("<I", 1000 * index + i + 1) + payload), 10):
                    return
            except asyncio.TimeoutError:
                return
            sent[index] += 1

    await asyncio.gather(*(flood(i, c) for i, c in enumerate(circuits)))
    await asyncio.sleep(1.0)
    refusals = sum(has(c.errors, "budget", "limit") for c in circuits)
    codes = [c.close_code for c in circuits if c.closed]
    refused = refusals > 0 or 1008 in codes
    # The attacker's sockets go away (dropped, not ended); its segments must be freed.
    for c in circuits:
        await c.drop()
    await asyncio.sleep(1.5)
    fresh, _ = await ctx.circuit("/counter", ATTACKER)
    for i in range(4):
        await fresh.send(struct.pack("<I", 90_000 + i) + payload)
    await asyncio.sleep(1.5)
    again = has(fresh.errors, "budget", "limit")
    reusable = again == 0 and not fresh.closed
    detail = (f"frames sent {sent}, {refusals} budget/limit errs, closes {codes}; "
              f"after the drop a new circuit's 4 segments: "
              + ("accepted" if reusable else f"{again} refused, closed {fresh.close_code}"))
    return refused and reusable, detail


async def case_tracked_objects(ctx: Context):
    c, _ = await ctx.circuit("/counter")
    messages = [["inv", c.next_call_id(), "Demo", "CreateCounter", [1]] for _ in range(20_000)]
    for frame in frames_of(messages):
        if not await asyncio.wait_for(c.send(frame), 15):
            break
    await settle(lambda: len(c.results), quiet=2.0, limit=30.0)
    oks = sum(1 for ok, _ in c.results.values() if ok)
    refused = has([v for ok, v in c.results.values() if not ok], "objects", "budget")
    first_refused = min((k for k, (ok, v) in c.results.items() if not ok), default=None)
    ok = oks >= 1 and refused >= 1
    return ok, (f"20000 sent: {oks} objects created, {refused} refused (objects/budget), "
                f"{20000 - len(c.results)} unanswered" + (f", first refusal at call {first_refused}" if first_refused else "")
                + (f"; closed {c.close_code}" if c.closed else ""))


async def case_event_queue(ctx: Context):
    c, page = await ctx.circuit("/call-js-example-1")
    handler = page.handler(text="Convert Array")
    if handler is None:
        return False, "no 'Convert Array' button on /call-js-example-1"
    await c.send([["ev", handler, {"type": "click"}]])
    if not await c.wait(lambda: c.calls or c.closed, 5):
        return False, "the handler sent no JS call"
    for frame in frames_of([["ev", handler, {"type": "click"}] for _ in range(5000)]):
        if not await asyncio.wait_for(c.send(frame), 15):
            break
    await settle(lambda: len(c.errors), quiet=1.5, limit=15.0)
    queue = has(c.errors, "queue")
    return queue >= 1, (f"5000 clicks behind a handler awaiting JS: {queue} refused ('queue'), "
                        f"{len(c.errors) - queue} other errs" + (f"; closed {c.close_code}" if c.closed else ""))


async def case_stream_fairness(ctx: Context):
    c, _ = await ctx.circuit("/counter", max_queue=None)
    created = await c.invoke("Demo", "PatternStream", [104_857_600], 10)
    stream = created[1].get("__tetherStream") if created and created[0] and isinstance(created[1], dict) else None
    if stream is None:
        return False, f"PatternStream gave {str(created)[:100]}"
    frames = 0
    end = time.monotonic() + 5
    while time.monotonic() < end and not c.closed:
        await asyncio.wait_for(c.send([["inv", c.next_call_id(), stream, "Read", []] for _ in range(200)]), 10)
        frames += 1
        await asyncio.sleep(0.05)
    chunks = sum(1 for ok, v in c.results.values() if ok and v is not None)
    return c.binary_bytes > 0, (f"{frames} frames of 200 Reads; {chunks} chunks "
                                f"({c.binary_bytes / 2**20:.0f} MB) read, "
                                f"{sum(1 for ok, _ in c.results.values() if not ok)} refused")


async def case_no_read(ctx: Context):
    page = await ctx.page("/counter", ATTACKER)
    ws = RawWebSocket(HOST, ctx.port, ATTACKER, rcvbuf=4096)
    ctx.raw.append(ws)
    await ws.open()
    await ws.send_json([["start", page.descriptor, ctx.url("/counter")]])
    streams, seen_batch = [], False
    await ws.send_json([["inv", i, "Demo", "PatternStream", [104_857_600]] for i in range(1, 21)])
    deadline = time.monotonic() + 15
    while (len(streams) < 20 or not seen_batch) and time.monotonic() < deadline:
        try:
            opcode, data = await ws.recv_frame(max(0.1, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            break
        if opcode != RawWebSocket.OP_TEXT:
            continue
        for message in json.loads(data):
            if message[0] == "r":
                seen_batch = True
            if message[0] == "res" and message[2] and isinstance(message[3], dict) and "__tetherStream" in message[3]:
                streams.append(message[3]["__tetherStream"])
    if not streams:
        return False, "could not create streams"
    # From here on the socket is never read; every frame asks for 20 × 256 KB.
    started = time.monotonic()
    call, frames, how = 100, 0, None
    while time.monotonic() - started < 35:
        state = ws.tcp_state()
        if state is not None and state != 1:
            how = f"TCP state {state}"
            break
        try:
            if ws.writer.transport.get_write_buffer_size() < 1 << 20:
                ws.write_frame(RawWebSocket.OP_TEXT, json.dumps(
                    [["inv", call + i, s, "Read", []] for i, s in enumerate(streams)]).encode())
                call += len(streams)
                frames += 1
            await asyncio.wait_for(ws.writer.drain(), 0.3)
        except asyncio.TimeoutError:
            pass
        except (ConnectionError, OSError) as error:
            how = type(error).__name__
            break
        if ws.writer.transport.is_closing():
            how = "transport closed"
            break
        await asyncio.sleep(0.1)
    elapsed = time.monotonic() - started
    ws.close()
    if how is None:
        return False, f"still open after {elapsed:.0f} s ({frames} flood frames sent)"
    return elapsed <= 31, f"closed after {elapsed:.1f} s ({how}; {frames} flood frames of {len(streams)} Reads)"


async def case_retention_per_address(ctx: Context):
    page = await ctx.page("/counter", VICTIM)
    handler = page.handler(id="increment")
    v = ctx.new_circuit(VICTIM)
    await v.open()
    if not await v.start(page) or not await v.click(handler, 5):
        return False, "the retained victim could not start and click"
    circuit_id, secret, last = v.circuit_id, v.secret, v.last_batch
    await asyncio.sleep(0.3)
    await v.drop()
    await asyncio.sleep(0.5)
    credentials, failures = [], 0
    gate = asyncio.Semaphore(10)

    async def one():
        nonlocal failures
        async with gate:
            try:
                page = await ctx.page("/counter", ATTACKER)
                c = Circuit(HOST, ctx.port, ATTACKER)
                await c.open()
                if await c.start(page, timeout=10):
                    credentials.append((c.circuit_id, c.secret, c.last_batch))
                else:
                    failures += 1
                await c.drop()
            except Exception:
                failures += 1

    try:
        await asyncio.gather(*(one() for _ in range(150)))
        await asyncio.sleep(1.0)
        r = ctx.new_circuit(VICTIM)
        await r.open()
        resumed = await r.resume(circuit_id, secret, last, 10)
        count = None
        if resumed and await r.click(handler, 5):
            count = r.count_text
        ok = resumed and count == "2"
        how = (f"resume {'accepted' if resumed else 'refused: ' + repr(r.rejected or r.close_code)}"
               + (f", next click shows {count}" if resumed else ""))
        return ok, f"attacker dropped {len(credentials)} circuits ({failures} refused); victim {how}"
    finally:
        # End the attacker's retained circuits, so they do not count against 127.0.0.2 later.
        async def end(cid, sec, last_batch):
            async with gate:
                c = Circuit(HOST, ctx.port, ATTACKER)
                try:
                    await c.open(5)
                    await c.send([["resume", cid, sec, last_batch], ["end"]])
                    await c.wait(lambda: c.closed or c.cfg is not None or c.rejected is not None, 3)
                except Exception:
                    pass
                await c.close()
        await asyncio.gather(*(end(*cred) for cred in credentials), return_exceptions=True)


async def case_first_frame_size(ctx: Context):
    page = await ctx.page("/counter", ATTACKER)
    c = await ctx.new_circuit(ATTACKER).open()
    start = json.dumps(["start", page.descriptor, ctx.url("/counter")])
    padding = ',["ack",0]' * (200 * 1024 // 10 + 1)
    frame = "[" + start + padding + "]"
    await c.send(frame)
    await c.wait(lambda: c.closed, 10)
    ok = c.closed and c.close_code == 1009 and c.cfg is None
    return ok, (f"{len(frame) // 1024} KB first frame: " + (f"closed {c.close_code} {c.close_reason!r}" if c.closed else "not closed")
                + (", cfg was sent" if c.cfg is not None else ", no cfg"))


async def case_slowloris(ctx: Context):
    reader, writer = await asyncio.open_connection(HOST, ctx.port, local_addr=(ATTACKER, 0))
    started = time.monotonic()
    writer.write(b"GET /counter HTTP/1.1\r\nHost: x\r\n")
    header = b"X-Slow: " + b"a" * 1000
    closed_at, answer, i = None, b"", 0
    try:
        while time.monotonic() - started < 9:
            try:
                writer.write(header[i:i + 1])
                i += 1
                await writer.drain()
            except (ConnectionError, OSError):
                closed_at = time.monotonic()
                break
            try:
                data = await asyncio.wait_for(reader.read(65536), 0.5)
                if not data:
                    closed_at = time.monotonic()
                    break
                answer += data
            except asyncio.TimeoutError:
                pass
            except (ConnectionError, OSError):
                closed_at = time.monotonic()
                break
    finally:
        writer.transport.abort()
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace") if answer else "no answer"
    if closed_at is None:
        return False, f"still open after {time.monotonic() - started:.1f} s ({i} bytes of header sent)"
    elapsed = closed_at - started
    return elapsed <= 5.0, f"closed after {elapsed:.1f} s ({status})"


async def read_http_response(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            headers[k.strip().lower()] = v.strip()
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return head


async def case_idle_keepalive(ctx: Context):
    reader, writer = await asyncio.open_connection(HOST, ctx.port, local_addr=(ATTACKER, 0))
    try:
        writer.write(b"GET /counter HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
        await writer.drain()
        head = await asyncio.wait_for(read_http_response(reader), 10)
        started = time.monotonic()
        try:
            data = await asyncio.wait_for(reader.read(1), 9)
            closed = data == b""
        except asyncio.TimeoutError:
            closed = False
        except (ConnectionError, OSError):
            closed = True
        elapsed = time.monotonic() - started
    finally:
        writer.transport.abort()
    status = head.split(b"\r\n", 1)[0].decode(errors="replace")
    if not closed:
        return False, f"{status}; idle connection still open after {elapsed:.1f} s"
    return elapsed <= 6.0, f"{status}; idle connection closed after {elapsed:.1f} s"


async def case_old_socket(ctx: Context):
    a, page = await ctx.circuit("/counter", ATTACKER)
    handler = page.handler(id="increment")
    circuit_id, secret_a = a.circuit_id, a.secret
    await asyncio.sleep(0.2)
    # B, the one that resumes with A's credentials, comes from another address.
    b = await ctx.new_circuit(ATTACKER2).open()
    if not await b.resume(circuit_id, secret_a, a.last_batch, 10):
        return False, f"B's resume refused: {b.rejected or b.close_code}"
    problems = []
    a_closed = await a.wait_closed(2.0)
    if not a_closed or a.close_code != 4002:
        problems.append("A not closed within 2 s" if not a_closed else f"A closed with {a.close_code}")
    if not b.secret or b.secret == secret_a:
        problems.append("B's cfg has the same secret (no rotation)")
    a_sent = False
    if not a.closed:
        a_sent = await a.send([["ev", handler, {"type": "click"}]])
        await asyncio.sleep(0.5)
    if not await b.click(handler, 5):
        problems.append("B's click got no render")
    await asyncio.sleep(0.3)
    if b.count_text != "1":
        problems.append(f"count is {b.count_text} after B's one click" + (" (A's click took effect)" if a_sent else ""))
    c = await ctx.new_circuit(ATTACKER2).open()
    resumed = await c.resume(circuit_id, secret_a, b.last_batch, 10)
    if resumed:
        problems.append("resume with A's old secret accepted")
    elif not (c.rejected is not None or c.close_code == 4001):
        problems.append(f"old-secret resume ended with close {c.close_code}, no 'rejected'")
    return not problems, "; ".join(problems) or "A closed 4002, secret rotated, old secret rejected"


async def case_descriptor_reuse(ctx: Context):
    page = await ctx.page("/counter", ATTACKER)
    first = await ctx.new_circuit(ATTACKER).open()
    ok_first = await first.start(page)
    second = await ctx.new_circuit(ATTACKER).open()
    await second.send([["start", page.descriptor, ctx.url("/counter")]])
    await second.wait(lambda: second.closed or second.cfg is not None, 10)
    await second.wait(lambda: second.closed, 2)
    ok = ok_first and second.cfg is None and second.close_code == 4004
    return ok, (f"first {'got cfg' if ok_first else 'failed'}; second: "
                + ("got cfg" if second.cfg is not None else "no cfg")
                + (f", closed {second.close_code} {second.close_reason!r}" if second.closed else ", still open"))


async def case_log_flood(ctx: Context):
    c, _ = await ctx.circuit("/counter")
    await asyncio.sleep(0.5)
    size0 = ctx.server.log_size()
    unknown = "[" + ",".join(['["zz"]'] * (FRAME_LIMIT // 7)) + "]"
    garbage = "[" + "{not json " * (FRAME_LIMIT // 10 - 1)
    sent = 0
    for i in range(22):
        frame = unknown if i % 2 == 0 else garbage
        if not await asyncio.wait_for(c.send(frame), 15):
            break
        sent += len(frame)
    await settle(lambda: len(c.errors), quiet=1.0, limit=10.0)
    await asyncio.sleep(1.0)
    growth = ctx.server.log_size() - size0
    return growth < 256 * 1024, (f"{sent // 1024} KB of bad frames ({len(c.errors)} errs back): "
                                 f"log grew {growth / 1024:.0f} KB" + (f"; closed {c.close_code}" if c.closed else ""))


async def case_log_injection(ctx: Context):
    c, _ = await ctx.circuit("/counter")
    offset = ctx.server.log_size()
    await c.send([["x\nFORGED: admin logged in"]])
    await c.wait(lambda: c.errors or c.closed, 5)
    await asyncio.sleep(1.0)
    text = ctx.server.log_since(offset)
    forged = [line for line in text.splitlines() if line.startswith("FORGED")]
    mentioned = "FORGED" in text
    return not forged, (f"a line starts with FORGED: {forged[0][:60]!r}" if forged
                        else "no forged line" + (" (the text appears escaped)" if mentioned else " (not logged)"))


def fatal_button(page: Page) -> str | None:
    for element in page.elements:
        if "click" not in element["handlers"]:
            continue
        ident = element["attrs"].get("id", "").lower()
        text = element["text"].lower()
        if "fatal" in ident or "fatal" in text or "outside" in text or "unhandled" in text:
            return element["handlers"]["click"]
    return None


async def case_close_codes(ctx: Context):
    results = []
    # Invalid UTF-8 in a text frame, on a started circuit.
    c, _ = await ctx.circuit("/counter")
    await c.send_text_bytes(b'[["ev","\xff\xfe\xfd"]]')
    await c.wait_closed(5)
    results.append(("invalid UTF-8 → 1007", c.close_code == 1007, c.close_code))
    # A first message that is neither start nor resume.
    c = await ctx.new_circuit(ATTACKER).open()
    await c.send([["hello"]])
    await c.wait_closed(12)
    results.append(("[[\"hello\"]] → 4005 + reason", c.close_code == 4005 and bool(c.close_reason),
                    f"{c.close_code} {c.close_reason!r}"))
    # A forged descriptor.
    c = await ctx.new_circuit(ATTACKER).open()
    await c.send([["start", "eyJmb3JnZWQiOnRydWV9.Zm9yZ2Vk", ctx.url("/counter")]])
    await c.wait_closed(12)
    results.append(("forged descriptor → 4004 + reason", c.close_code == 4004 and bool(c.close_reason),
                    f"{c.close_code} {c.close_reason!r}"))
    # A handler that throws outside any error boundary: /error's, if it has such a button, else
    # /call-js-example-1's "Convert Array", whose JS call this client fails so the handler throws.
    c, page = await ctx.circuit("/error")
    handler, how = fatal_button(page), "/error"
    if handler is None:
        await c.close()
        c, page = await ctx.circuit("/call-js-example-1")
        handler, how = page.handler(text="Convert Array"), "/call-js-example-1 with its JS call failed"
    if handler is None:
        results.append(("fatal → 'fatal' + 4000", False, "no handler that throws outside a boundary"))
    else:
        await c.send([["ev", handler, {"type": "click"}]])
        if how != "/error" and await c.wait(lambda: c.calls or c.closed, 5) and c.calls:
            await c.send([["done", c.calls[0][1], False, {"message": "abuse: this call fails"}]])
        await c.wait_closed(10)
        results.append((f"fatal ({how}) → 'fatal' + 4000", c.fatal is not None and c.close_code == 4000,
                        f"fatal {'sent' if c.fatal is not None else 'missing'}, close {c.close_code}"))
    bad = [f"{name}: got {got}" for name, ok, got in results if not ok]
    return not bad, "; ".join(bad) or "1007, 4005, 4004, fatal+4000 as expected"


async def case_http_edges(ctx: Context):
    problems = []
    r = await asyncio.to_thread(http_get, HOST, ctx.port, "/%ff", ATTACKER)
    if r.status != 400:
        problems.append(f"GET /%ff answered {r.status}")
    r = await asyncio.to_thread(http_get, HOST, ctx.port, "/_content/DemoApp/wwwroot", ATTACKER)
    location = r.header("Location")
    if 300 <= r.status < 400 and not (location or "").startswith("/_content/DemoApp/"):
        problems.append(f"/_content/DemoApp/wwwroot redirects to {location!r}")
    return not problems, "; ".join(problems) or f"/%ff 400; wwwroot {r.status}" + (f" → {location}" if location else "")


CASES = [
    ("event-numbers", case_event_numbers),
    ("demo-overflow", case_demo_overflow),
    ("pending-calls", case_pending_calls),
    ("byte-segments", case_byte_segments),
    ("tracked-objects", case_tracked_objects),
    ("event-queue", case_event_queue),
    ("stream-fairness", case_stream_fairness),
    ("no-read", case_no_read),
    ("retention-per-address", case_retention_per_address),
    ("first-frame-size", case_first_frame_size),
    ("slowloris", case_slowloris),
    ("idle-keepalive", case_idle_keepalive),
    ("old-socket", case_old_socket),
    ("descriptor-reuse", case_descriptor_reuse),
    ("log-flood", case_log_flood),
    ("log-injection", case_log_injection),
    ("close-codes", case_close_codes),
    ("http-edges", case_http_edges),
]


# --------------------------------------------------------------------------- running


@dataclass
class Outcome:
    name: str
    passed: bool = False
    expectation: bool = False
    p50: float = float("nan")
    p99: float = float("nan")
    max: float = float("nan")
    clicks: int = 0
    rss_mb: float = float("nan")
    detail: str = ""
    problems: list = field(default_factory=list)


async def run_case(name: str, fn, server: Server, args) -> Outcome:
    outcome = Outcome(name)
    # A fresh server per case: RSS a case freed stays in the heap and would hide the next case's
    # growth, and retained circuits or budgets of one case must not decide another.
    server.stop()
    server.start()
    await warm_up(server)
    server.mark(f"=== abuse: case {name}")
    ctx = Context(server)
    victim = Victim(ctx)
    try:
        await asyncio.wait_for(victim.setup(), 20)
    except Exception as error:
        outcome.detail = f"victim could not start: {error}"
        outcome.problems.append("victim")
        await victim.close()
        return outcome
    await asyncio.sleep(0.2)
    before = rss_kb(ctx.pid)
    peak = before
    sampling = True

    async def sample():
        nonlocal peak
        while sampling:
            peak = max(peak, rss_kb(ctx.pid))
            await asyncio.sleep(0.1)

    sampler = asyncio.create_task(sample())
    stop = asyncio.Event()
    clicking = asyncio.create_task(victim.run(stop))
    try:
        outcome.expectation, outcome.detail = await asyncio.wait_for(fn(ctx), 80)
    except asyncio.TimeoutError:
        outcome.detail = "the case timed out"
    except Exception as error:
        outcome.detail = f"{type(error).__name__}: {error}"[:300]
    peak = max(peak, rss_kb(ctx.pid))
    stop.set()
    try:
        await asyncio.wait_for(clicking, 20)
    except Exception:
        clicking.cancel()
        victim.problem = victim.problem or "the victim's clicks stalled"
    sampling = False
    await sampler
    try:
        await asyncio.wait_for(ctx.cleanup(), 20)
    except Exception:
        pass
    await victim.close()
    outcome.rss_mb = max(0, peak - before) / 1024 if before else float("nan")
    outcome.p50, outcome.p99, outcome.max = victim.stats()
    outcome.clicks = victim.clicks
    healthy, health = server.healthy()
    if not healthy:
        outcome.problems.append(health)
        server.stop()
    if not outcome.expectation:
        outcome.problems.append("expectation")
    if victim.problem:
        outcome.problems.append(victim.problem)
    elif not victim.latencies or not outcome.p99 < args.victim_p99_ms:
        outcome.problems.append(f"victim p99 {outcome.p99:.0f} ms ≥ {args.victim_p99_ms:.0f}")
    if not outcome.rss_mb < args.budget_mb + SLACK_MB:
        outcome.problems.append(f"RSS +{outcome.rss_mb:.0f} MB ≥ {args.budget_mb + SLACK_MB}")
    outcome.passed = not outcome.problems
    return outcome


def fmt(value: float, digits: int = 0) -> str:
    return "–" if value != value else f"{value:.{digits}f}"


def table(outcomes: list[Outcome]) -> list[list[str]]:
    rows = [["case", "result", "expectation met", "victim p50 / p99 / max ms", "RSS growth MB", "detail"]]
    for o in outcomes:
        problems = [p for p in o.problems if p != "expectation"]
        detail = o.detail + (" — " + "; ".join(problems) if problems else "")
        rows.append([o.name, "PASS" if o.passed else "FAIL", "yes" if o.expectation else "no",
                     f"{fmt(o.p50)} / {fmt(o.p99)} / {fmt(o.max)} ({o.clicks} clicks)", fmt(o.rss_mb, 1), detail])
    return rows


def print_table(rows: list[list[str]]):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])
        if i == 0:
            print("  ".join("-" * w for w in widths) + "  " + "-" * 6)


def markdown(rows: list[list[str]]) -> str:
    escape = lambda s: s.replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows[1:]]
    return "\n".join(lines) + "\n"


async def warm_up(server: Server):
    """The first page renders and circuit fill caches that are not an attack's doing."""
    for path in ("/counter", "/call-js-example-1", "/error"):
        await asyncio.to_thread(http_get, HOST, server.port, path)
    page = await fetch_page(HOST, server.port, "/counter", VICTIM)
    warm = Circuit(HOST, server.port, VICTIM)
    await warm.open()
    if await warm.start(page):
        await warm.click(page.handler(id="increment"), 5)
    await warm.close()


async def run(args) -> list[Outcome]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / "server.log"
    log_path.write_bytes(b"")
    server = Server(args.binary, args.budget_mb, log_path)
    selected = [(n, f) for n, f in CASES if not args.only or n in args.only]
    outcomes = []
    try:
        for name, fn in selected:
            started = time.monotonic()
            outcome = await run_case(name, fn, server, args)
            outcomes.append(outcome)
            others = [p for p in outcome.problems if p != "expectation"]
            print(f"[{'PASS' if outcome.passed else 'FAIL'}] {name} ({time.monotonic() - started:.0f} s): {outcome.detail}"
                  + (f" — {'; '.join(others)}" if others else ""), flush=True)
    finally:
        server.stop()
    return outcomes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the tether-demo binary to attack")
    parser.add_argument("--victim-p99-ms", type=float, default=500, help="bound on the victim's click p99 (default 500, for debug builds)")
    parser.add_argument("--budget-mb", type=int, default=32, help="TETHER_CLIENT_MEMORY_BUDGET_MB for the demo (default 32)")
    parser.add_argument("--only", type=lambda s: [x.strip() for x in s.split(",") if x.strip()], default=None,
                        help="comma-separated case names: " + ", ".join(n for n, _ in CASES))
    parser.add_argument("--markdown", help="also write the results table as Markdown to this file")
    args = parser.parse_args()
    unknown = [n for n in (args.only or []) if n not in dict(CASES)]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    if not os.access(args.binary, os.X_OK):
        parser.error(f"not an executable: {args.binary}")
    args.binary = os.path.abspath(args.binary)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    started = time.monotonic()
    outcomes = asyncio.run(run(args))
    rows = table(outcomes)
    print()
    print_table(rows)
    if args.markdown:
        Path(args.markdown).write_text(markdown(rows))
    passed = sum(o.passed for o in outcomes)
    print(f"\n(server log: {ARTIFACTS / 'server.log'}; {time.monotonic() - started:.0f} s)")
    print(f"abuse: {passed} passed, {len(outcomes) - passed} failed")
    sys.exit(1 if passed < len(outcomes) else 0)


if __name__ == "__main__":
    main()
