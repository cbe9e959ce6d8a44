"""A browserless visitor of a Tether cluster, shared by chaos.py and bench_cluster.py.

It does what the browser runtime does, over the circuit protocol (WireCodec's table): load a page
through the proxy, start its circuit on a socket whose URL carries the circuit id
(`/_tether/circuit?circuit=ID`, the key nginx hashes on), click, acknowledge every render batch,
and when the socket is lost resume the circuit (its id, its secret, the last batch applied) on a
new socket, which the proxy sends to whichever node now holds the id's slot.

What a click did is read from the page itself: /durable's `#count` after each render.
"""
from __future__ import annotations

import asyncio
import html
import json
import re
import time
import urllib.parse
import urllib.request

import websockets
from websockets.asyncio.client import connect as ws_connect

DESCRIPTOR = re.compile(r'data-tether-descriptor="([^"]*)"')
# The prerendered page names its circuit (the routing key) once the server assigns ids at prerender.
CIRCUIT_ID_ATTRIBUTE = re.compile(r'data-tether-circuit(?:-id)?="([^"]*)"')
COUNT_IN_HTML = re.compile(r'id="count"[^>]*>(\d+)<')
SET_TEXT = 3


class SocketLost(Exception):
    """The socket closed under a click; `drained` when the server drained it first (it said
    `drain` or `bye`, or closed with 1001/1012: it saved the circuit)."""

    def __init__(self, drained: bool, detail: str):
        super().__init__(detail)
        self.drained = drained


class ClickFailed(Exception):
    """The server answered a click with an error, or not at all, on a socket that stayed open."""


class ResumeRejected(Exception):
    """The cluster refused the resume: the circuit is gone (its state is lost)."""


def handler_of(page: str, element_id: str, event: str) -> str | None:
    """The handler id an element's `data-t-<event>` binding names (flags after ';' dropped)."""
    for tag in re.findall(r"<(?:button|input|textarea|select)\b[^>]*>", page):
        if f'id="{element_id}"' in tag:
            binding = re.search(rf'\bdata-t-{event}="([^"]*)"', tag)
            return html.unescape(binding.group(1)).split(";")[0] if binding else None
    return None


def fetch(url: str, timeout: float = 30) -> tuple[str, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode("utf-8", "replace"), dict(response.headers)


def texts_in(edits) -> list[str]:
    """Every text a render batch sets or inserts, in order: setText edits and markup in the others."""
    found: list[str] = []
    if not isinstance(edits, list):
        return found
    for edit in edits:
        if not isinstance(edit, list) or not edit:
            continue
        if edit[0] == SET_TEXT and len(edit) >= 3:
            found.append(str(edit[2]))
            continue
        for part in edit[1:]:
            if isinstance(part, str):
                match = COUNT_IN_HTML.search(part)
                if match:
                    found.append(match.group(1))
    return found


def count_in(edits) -> int | None:
    """The count a render batch of /durable shows, if it changes it (the page has no other text edit)."""
    for text in reversed(texts_in(edits)):
        if text.strip().isdigit():
            return int(text.strip())
    return None


def count_set_in(edits) -> int | None:
    """The count a click's render batch sets: a setText edit. A resumed circuit's first batch
    re-renders the page as markup instead, which is not a click's answer."""
    if not isinstance(edits, list):
        return None
    for edit in reversed(edits):
        if isinstance(edit, list) and len(edit) >= 3 and edit[0] == SET_TEXT and str(edit[2]).strip().isdigit():
            return int(str(edit[2]).strip())
    return None


class Visitor:
    """One page of /durable (by default) and its circuit, clicking #increment."""

    def __init__(self, base: str, path: str = "/durable", name: str = "visitor"):
        self.base = base.rstrip("/")
        self.path = path
        self.name = name
        self.ws = None
        self.circuit_id: str | None = None
        self.secret: str | None = None
        self.handler: str | None = None
        self.last_batch = 0
        self.count = 0  # what the page shows now
        self.drain_seen = False  # the server said `drain` or `bye`: this socket closes next

    def socket_url(self) -> str:
        url = self.base.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/_tether/circuit"
        if self.circuit_id:
            url += "?circuit=" + urllib.parse.quote(self.circuit_id, safe="")
        return url

    async def connect(self, timeout: float):
        self.ws = await ws_connect(self.socket_url(), open_timeout=timeout, ping_interval=None, close_timeout=1,
                                   max_size=2**24, compression=None, proxy=None)
        self.drain_seen = False

    async def open(self, timeout: float = 30):
        """Loads the page through the proxy and starts its circuit; the count starts at 0."""
        page, _ = await asyncio.to_thread(fetch, self.base + self.path, timeout)
        descriptor = DESCRIPTOR.search(page)
        if not descriptor:
            raise RuntimeError(f"{self.path} has no descriptor")
        self.page_loaded(page)
        named = CIRCUIT_ID_ATTRIBUTE.search(page)
        self.circuit_id = html.unescape(named.group(1)) if named else None
        await self.connect(timeout)
        await self.send([["start", html.unescape(descriptor.group(1)), self.base + self.path]])
        cfg = await self.until_cfg(timeout)
        self.adopt(cfg)
        await self.until_batch(0, timeout)

    def page_loaded(self, page: str):
        self.handler = handler_of(page, "increment", "click")

    def frame_received(self, frame: str):
        """Every text frame, as it arrives (a subclass reads what it needs from it)."""

    def adopt(self, cfg: dict):
        self.circuit_id = cfg.get("circuitId") or self.circuit_id
        self.secret = cfg.get("secret") or self.secret

    async def send(self, messages):
        try:
            await self.ws.send(json.dumps(messages, separators=(",", ":")))
        except (websockets.ConnectionClosed, OSError) as error:
            raise self.lost(f"send failed: {error!r}")

    def lost(self, detail: str) -> SocketLost:
        code = getattr(self.ws, "close_code", None) if self.ws is not None else None
        return SocketLost(self.drain_seen or code in (1001, 1012), f"{detail} (close code {code})")

    async def receive(self, timeout: float) -> list:
        """The next frame's messages; acknowledges render batches and notes `bye` as they pass."""
        try:
            frame = await asyncio.wait_for(self.ws.recv(), timeout)
        except (websockets.ConnectionClosed, OSError) as error:
            raise self.lost(f"socket closed: {error!r}")
        if isinstance(frame, bytes):
            return []
        self.frame_received(frame)
        messages = json.loads(frame)
        for message in messages:
            if not isinstance(message, list) or not message:
                continue
            if message[0] == "r":
                self.last_batch = max(self.last_batch, int(message[1]))
                shown = count_in(message[2] if len(message) > 2 else None)
                if shown is not None:
                    self.count = shown
                await self.send([["ack", int(message[1])]])
            elif message[0] == "bye":
                self.drain_seen = True
            elif message[0] == "drain":
                # As the runtime does: nothing is held back, so say so at once and send no more.
                self.drain_seen = True
                await self.send([["drained"]])
        return messages

    async def until_cfg(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for message in await self.receive(max(0.01, deadline - time.monotonic())):
                if message[0] == "cfg":
                    return message[1] if len(message) > 1 and isinstance(message[1], dict) else {}
                if message[0] == "rejected":
                    raise ResumeRejected(str(message[1:]))
                if message[0] == "fatal":
                    raise ClickFailed(f"fatal before cfg: {message[1:]}")

    async def until_batch(self, number: int, timeout: float):
        deadline = time.monotonic() + timeout
        while self.last_batch < number:
            await self.receive(max(0.01, deadline - time.monotonic()))

    async def click(self, timeout: float = 10) -> int:
        """Clicks #increment; returns the count the page shows after the click's render batch."""
        before = self.count
        try:
            while self.drain_seen:
                # The server is saving the circuit: a page sends nothing more until it resumes.
                await self.receive(timeout)
        except asyncio.TimeoutError:
            raise ClickFailed(f"the socket was not closed within {timeout} s of the server's drain")
        await self.send([["ev", self.handler, {"type": "click"}]])
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ClickFailed(f"no render within {timeout} s of a click (count {before})")
            try:
                messages = await self.receive(remaining)
            except asyncio.TimeoutError:
                raise ClickFailed(f"no render within {timeout} s of a click (count {before})")
            for message in messages:
                if message[0] in ("fatal", "err"):
                    raise ClickFailed(f"{message[0]}: {message[1:]}")
                if message[0] == "r":
                    shown = count_set_in(message[2] if len(message) > 2 else None)
                    if shown is not None:
                        return shown

    async def resume(self, give_up_after: float = 30, drained: bool = False) -> int:
        """Resumes the circuit on a new socket, retrying until a node takes it; returns the attempts.

        On the runtime's schedule (reconnect.js): after a drain at once, after a drop first
        0.5 s, then 1 s, then every 2 s; so a resume time includes the runtime's wait."""
        await self.drop()
        deadline = time.monotonic() + give_up_after
        attempts = 0
        last_error = None
        while time.monotonic() < deadline:
            attempts += 1
            if attempts > 1 or not drained:
                await asyncio.sleep(min(0.5 * 2 ** (attempts - 1 - (1 if drained else 0)), 2.0))
            try:
                await self.connect(timeout=5)
                await self.send([["resume", self.circuit_id, self.secret, self.last_batch]])
                self.adopt(await self.until_cfg(5))
                return attempts
            except ResumeRejected:
                await self.drop()
                raise
            except (SocketLost, ClickFailed, OSError, asyncio.TimeoutError, websockets.InvalidHandshake,
                    websockets.InvalidURI) as error:
                last_error = error
                await self.drop()
        raise ClickFailed(f"no node resumed {self.circuit_id} within {give_up_after} s ({attempts} attempts; last: {last_error!r})")

    async def drop(self):
        if self.ws is not None:
            try:
                self.ws.transport.abort()
            except Exception:
                pass
            self.ws = None

    async def end(self):
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.send(json.dumps([["end"]])), 2)
                await asyncio.wait_for(self.ws.close(), 2)
            except Exception:
                pass
            await self.drop()


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


class ChatVisitor(Visitor):
    """A /chat page: posts tokens and records when each token first showed up on the page."""

    TOKEN = re.compile(r"chaos-\d+-\d+")

    def __init__(self, base: str, name: str = "chat"):
        super().__init__(base, "/chat", name)
        self.seen: dict[str, float] = {}
        self.inputs: dict[str, str | None] = {}

    def page_loaded(self, page: str):
        self.inputs = {"name": handler_of(page, "chat-name", "input"), "text": handler_of(page, "chat-text", "input"),
                       "send": handler_of(page, "chat-send", "click")}
        missing = [k for k, v in self.inputs.items() if not v]
        if missing:
            raise RuntimeError(f"/chat has no handler for {missing}")

    def frame_received(self, frame: str):
        now = time.monotonic()
        for token in self.TOKEN.findall(frame):
            self.seen.setdefault(token, now)

    async def post(self, text: str):
        """Types a name and the text and clicks Send, in one frame, as fast typing would."""
        await self.send([["ev", self.inputs["name"], {"type": "input", "value": self.name}],
                         ["ev", self.inputs["text"], {"type": "input", "value": text}],
                         ["ev", self.inputs["send"], {"type": "click"}]])

    async def listen(self, seconds: float):
        """Reads frames (acknowledging batches) for a while; SocketLost when the socket goes."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                await self.receive(remaining)
            except asyncio.TimeoutError:
                return
