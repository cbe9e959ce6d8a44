"""A protocol-level Tether client for tests that drive a live server without a browser.

Used by `Tests/abuse/abuse.py`. It speaks the circuit protocol of
`Sources/TetherInterop/Wire/WireCodec.swift`: every WebSocket text frame is a JSON array of
messages `[kind, ...]`.

* `http_get` / `fetch_page`: plain HTTP from a chosen source address (the server budgets per
  client address, so tests bind distinct loopback addresses: 127.0.0.2, 127.0.0.3, ...).
* `Page`: a prerendered page's descriptor and its `data-t-*` event handlers.
* `Circuit`: one WebSocket on `/_tether/circuit` with a background reader that sorts every
  inbound message (cfg, render batches, results, errors, JS calls, fatal, rejected) and records
  the close code, so a test can `wait` for any condition with a timeout.
* `RawWebSocket`: a hand-rolled client for what the library will not do: invalid UTF-8 in a text
  frame, or a socket that never reads.
"""
from __future__ import annotations

import asyncio
import base64
import html.parser
import http.client
import json
import os
import socket
import struct
import time
from dataclasses import dataclass, field

import websockets
from websockets.asyncio.client import connect as ws_connect


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> int:
    """Resident set size of a process, in KB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# --------------------------------------------------------------------------- HTTP


@dataclass
class HTTPResult:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


def http_get(host: str, port: int, path: str, source: str | None = None, timeout: float = 10) -> HTTPResult:
    """One GET with the path sent exactly as given (no quoting), no redirects followed, no proxy."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout, source_address=(source, 0) if source else None)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        return HTTPResult(response.status, dict(response.getheaders()), body)
    finally:
        conn.close()


class _HandlerScraper(html.parser.HTMLParser):
    """Collects the descriptor and every element with a `data-t-<event>` handler attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.descriptor: str | None = None
        self.elements: list[dict] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = {k: (v or "") for k, v in attrs}
        if "data-tether-descriptor" in attributes and self.descriptor is None:
            self.descriptor = attributes["data-tether-descriptor"]
        handlers = {k[len("data-t-"):]: v for k, v in attributes.items() if k.startswith("data-t-")}
        if handlers:
            element = {"tag": tag, "attrs": attributes, "handlers": handlers, "text": ""}
            self.elements.append(element)
            if tag not in ("input", "img", "br", "hr", "meta", "link"):
                self._open.append(element)

    def handle_endtag(self, tag):
        if self._open and self._open[-1]["tag"] == tag:
            self._open.pop()

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data


@dataclass
class Page:
    path: str
    html: str
    descriptor: str | None
    elements: list[dict] = field(default_factory=list)

    @classmethod
    def parse(cls, path: str, text: str) -> "Page":
        scraper = _HandlerScraper()
        scraper.feed(text)
        return cls(path, text, scraper.descriptor, scraper.elements)

    def handler(self, event: str = "click", *, id: str | None = None, text: str | None = None) -> str | None:
        """The handler id of the first element with that element id, or whose text contains `text`."""
        for element in self.elements:
            if event not in element["handlers"]:
                continue
            if id is not None and element["attrs"].get("id") != id:
                continue
            if text is not None and text.lower() not in element["text"].strip().lower():
                continue
            return element["handlers"][event]
        return None


async def fetch_page(host: str, port: int, path: str, source: str | None = None) -> Page:
    result = await asyncio.to_thread(http_get, host, port, path, source)
    if result.status != 200:
        raise RuntimeError(f"GET {path} answered {result.status}")
    return Page.parse(path, result.body.decode("utf-8", "replace"))


# --------------------------------------------------------------------------- circuits


def count_from_edits(edits) -> str | None:
    """The last text-update edit (`[3, path, text]`) of a render batch, if any."""
    found = None
    if isinstance(edits, list):
        for edit in edits:
            if isinstance(edit, list) and len(edit) >= 3 and edit[0] == 3:
                found = str(edit[2])
    return found


class Circuit:
    """One circuit socket. `open()` connects; the reader task fills the fields below."""

    def __init__(self, host: str, port: int, source: str | None = None, *, max_queue: int | None = 4096,
                 auto_ack: bool = True, name: str = "circuit"):
        self.host, self.port, self.source, self.name = host, port, source, name
        self.max_queue = max_queue
        self.auto_ack = auto_ack
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.cfg: dict | None = None
        self.batches: dict[int, object] = {}
        self.last_batch = -1
        self.count_text: str | None = None
        self.results: dict[int, tuple[bool, object]] = {}
        self.errors: list[str] = []
        self.calls: list[list] = []
        self.fatal: str | None = None
        self.rejected: str | None = None
        self.other: list[list] = []
        self.binary_frames = 0
        self.binary_bytes = 0
        self.text_frames = 0
        self.closed = False
        self.close_code: int | None = None
        self.close_reason: str = ""
        self.closed_at: float | None = None
        self.reader_error: str | None = None
        self._changed = asyncio.Event()
        self._next_call = 1
        self._ack_task: asyncio.Task | None = None

    # ---- connection

    async def open(self, timeout: float = 15):
        url = f"ws://{self.host}:{self.port}/_tether/circuit"
        kwargs = {}
        if self.source:
            kwargs["local_addr"] = (self.source, 0)
        self.ws = await ws_connect(
            url, open_timeout=timeout, ping_interval=None, close_timeout=2, max_size=2**24,
            max_queue=self.max_queue, compression=None, proxy=None, **kwargs)
        self.reader = asyncio.create_task(self._read())
        return self

    async def start(self, page: Page, url: str | None = None, timeout: float = 15) -> bool:
        """Sends `start` and waits for the cfg and render batch 0."""
        await self.send([["start", page.descriptor, url or f"http://{self.host}:{self.port}{page.path}"]])
        return await self.wait(lambda: (self.cfg is not None and 0 in self.batches) or self.closed or self.fatal is not None,
                               timeout) and self.cfg is not None and 0 in self.batches

    async def resume(self, circuit_id: str, secret: str, last_batch: int, timeout: float = 15) -> bool:
        """Sends `resume`; true when a cfg arrives (false for `rejected`, a close or a timeout)."""
        await self.send([["resume", circuit_id, secret, last_batch]])
        await self.wait(lambda: self.cfg is not None or self.rejected is not None or self.closed, timeout)
        return self.cfg is not None

    async def send(self, messages) -> bool:
        """Sends one frame (a list of messages, or a raw str/bytes). False if the socket is gone."""
        payload = messages if isinstance(messages, (str, bytes)) else json.dumps(messages, separators=(",", ":"))
        try:
            await self.ws.send(payload)
            return True
        except (websockets.ConnectionClosed, OSError):
            return False

    async def send_text_bytes(self, data: bytes) -> bool:
        """A text frame with exactly these bytes, valid UTF-8 or not."""
        try:
            await self.ws.send(data, text=True)
            return True
        except (websockets.ConnectionClosed, OSError):
            return False

    async def close(self, end: bool = True, timeout: float = 3):
        """Ends the circuit (`end`, so the server does not retain it) and closes the socket."""
        if self.ws is None:
            return
        try:
            if end and not self.closed:
                await asyncio.wait_for(self.send([["end"]]), timeout)
            await asyncio.wait_for(self.ws.close(), timeout)
        except Exception:
            pass
        try:
            self.ws.transport.abort()
        except Exception:
            pass
        for task in (self.reader, self._ack_task):
            if task and not task.done():
                task.cancel()
                try:
                    await task
                except BaseException:
                    pass

    async def drop(self):
        """Closes the socket without `end`: the server keeps the circuit for a resume."""
        await self.close(end=False)

    # ---- waiting

    async def wait(self, predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            event = self._changed
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except asyncio.TimeoutError:
                return predicate()
        return True

    async def wait_closed(self, timeout: float) -> bool:
        return await self.wait(lambda: self.closed, timeout)

    # ---- operations

    def next_call_id(self) -> int:
        call = self._next_call
        self._next_call += 1
        return call

    async def invoke(self, target, method: str, args: list, timeout: float = 10):
        """One JS→Swift call; returns (ok, value) or None on timeout."""
        call = self.next_call_id()
        await self.send([["inv", call, target, method, args]])
        await self.wait(lambda: call in self.results or self.closed, timeout)
        return self.results.get(call)

    async def click(self, handler: str, timeout: float = 10) -> bool:
        """Clicks and waits for the next render batch; true when one arrived."""
        before = self.last_batch
        if not await self.send([["ev", handler, {"type": "click"}]]):
            return False
        return await self.wait(lambda: self.last_batch > before or self.closed, timeout) and self.last_batch > before

    @property
    def secret(self) -> str | None:
        return (self.cfg or {}).get("secret")

    @property
    def circuit_id(self) -> str | None:
        return (self.cfg or {}).get("circuitId")

    # ---- reader

    def _notify(self):
        self._changed.set()
        self._changed = asyncio.Event()

    async def _read(self):
        try:
            async for frame in self.ws:
                if isinstance(frame, bytes):
                    self.binary_frames += 1
                    self.binary_bytes += len(frame)
                    self._notify()
                    continue
                self.text_frames += 1
                try:
                    messages = json.loads(frame)
                except ValueError:
                    self.other.append(["<unparsable>", frame[:200]])
                    self._notify()
                    continue
                newest_batch = None
                for message in messages if isinstance(messages, list) else [messages]:
                    if not isinstance(message, list) or not message:
                        self.other.append(message)
                        continue
                    kind = message[0]
                    if kind == "cfg":
                        self.cfg = message[1] if len(message) > 1 else {}
                    elif kind == "r":
                        number = message[1]
                        self.batches[number] = message[2] if len(message) > 2 else None
                        text = count_from_edits(message[2] if len(message) > 2 else None)
                        if text is not None:
                            self.count_text = text
                        if number > self.last_batch:
                            self.last_batch = number
                            newest_batch = number
                    elif kind == "res":
                        self.results[message[1]] = (bool(message[2]), message[3] if len(message) > 3 else None)
                    elif kind == "err":
                        self.errors.append(str(message[1]) if len(message) > 1 else "")
                    elif kind == "c":
                        self.calls.append(message)
                    elif kind == "fatal":
                        self.fatal = str(message[1]) if len(message) > 1 else ""
                    elif kind == "rejected":
                        self.rejected = str(message[1]) if len(message) > 1 else ""
                    else:
                        self.other.append(message)
                if newest_batch is not None and self.auto_ack:
                    self._schedule_ack(newest_batch)
                self._notify()
        except websockets.ConnectionClosed:
            pass
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a protocol error on our side, a reset...
            self.reader_error = f"{type(error).__name__}: {error}"
        finally:
            self.closed = True
            self.closed_at = time.monotonic()
            ws = self.ws
            # The close frame the server sent, if any.
            rcvd = getattr(ws.protocol, "close_rcvd", None) if ws is not None else None
            if rcvd is not None:
                self.close_code, self.close_reason = rcvd.code, rcvd.reason
            self._notify()

    def _schedule_ack(self, batch: int):
        async def ack():
            await self.send([["ack", batch]])
        self._ack_task = asyncio.create_task(ack())


# --------------------------------------------------------------------------- raw WebSocket


class RawWebSocket:
    """A minimal client over a plain TCP stream: it sends any frame bytes and reads only when asked."""

    OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10

    def __init__(self, host: str, port: int, source: str | None = None, rcvbuf: int | None = None):
        self.host, self.port, self.source, self.rcvbuf = host, port, source, rcvbuf
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.sock: socket.socket | None = None

    async def open(self, path: str = "/_tether/circuit", timeout: float = 10):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if self.rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        if self.source:
            sock.bind((self.source, 0))
        sock.setblocking(False)
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, (self.host, self.port)), timeout)
        self.sock = sock
        self.reader, self.writer = await asyncio.open_connection(sock=sock, limit=2**24)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.writer.write(request.encode())
        await self.writer.drain()
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), timeout)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"upgrade refused: {head[:200]!r}")
        return self

    @staticmethod
    def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
        head = bytearray([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            head.append(0x80 | n)
        elif n < 65536:
            head.append(0x80 | 126)
            head += struct.pack("!H", n)
        else:
            head.append(0x80 | 127)
            head += struct.pack("!Q", n)
        mask = os.urandom(4)
        head += mask
        if n:
            # XOR with the repeated mask, fast through big integers.
            repeated = (mask * (n // 4 + 1))[:n]
            masked = (int.from_bytes(payload, "little") ^ int.from_bytes(repeated, "little")).to_bytes(n, "little")
        else:
            masked = b""
        return bytes(head) + masked

    def write_frame(self, opcode: int, payload: bytes):
        self.writer.write(self.frame(opcode, payload))

    async def send_frame(self, opcode: int, payload: bytes, timeout: float = 5):
        self.write_frame(opcode, payload)
        await asyncio.wait_for(self.writer.drain(), timeout)

    async def send_json(self, messages, timeout: float = 5):
        await self.send_frame(self.OP_TEXT, json.dumps(messages, separators=(",", ":")).encode(), timeout)

    async def recv_frame(self, timeout: float = 10) -> tuple[int, bytes]:
        """The next whole message (continuations joined); raises on EOF or timeout."""
        async def one():
            b0, b1 = await self.reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            mask = await self.reader.readexactly(4) if b1 & 0x80 else None
            data = await self.reader.readexactly(n)
            if mask:
                data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
            return b0 & 0x80, b0 & 0x0F, data

        async def whole():
            fin, opcode, data = await one()
            while not fin:
                fin, _, more = await one()
                data += more
            return opcode, data

        return await asyncio.wait_for(whole(), timeout)

    async def read_until_close(self, timeout: float) -> tuple[list, int | None, str, bool]:
        """Reads messages until a close frame or EOF: (messages, close code, reason, saw EOF)."""
        messages: list = []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return messages, None, "", False
            try:
                opcode, data = await self.recv_frame(remaining)
            except asyncio.TimeoutError:
                return messages, None, "", False
            except (asyncio.IncompleteReadError, ConnectionError, OSError):
                return messages, None, "", True
            if opcode == self.OP_CLOSE:
                code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
                return messages, code, data[2:].decode("utf-8", "replace"), False
            if opcode == self.OP_TEXT:
                try:
                    messages.extend(json.loads(data))
                except ValueError:
                    messages.append(["<unparsable>", data[:200]])

    def tcp_state(self) -> int | None:
        """The kernel's TCP state of this socket (1 = established, 7 = closed, 8 = close-wait)."""
        try:
            info = self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
            return info[0]
        except OSError:
            return None

    def close(self):
        try:
            if self.writer:
                self.writer.transport.abort()
        except Exception:
            pass
