"""Helpers shared by the JS→Swift interop tests (test_call_swift, test_swift_objects,
test_bytes, test_streams, test_upload). Not a test module itself.

* ``call(page, expr, timeout_ms)``: runs an async JS expression in the page and returns
  ``{"ok": True, "value": ...}`` or ``{"ok": False, "error": "<message>"}``, racing it against a
  timeout so a hung call fails the test instead of hanging it.
* ``FrameRecorder``: records the circuit WebSocket's frames (direction, binary or text, size).
* ``RssSampler(pid)``: a process's resident memory, sampled from a thread while a transfer runs
  (the demo server's pid comes from the ``server_pid`` fixture).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from playwright.sync_api import Page, WebSocket

# Runs `body` (the text of an async function body that returns a value) and reports its
# outcome as data, so a rejection's exact message reaches Python. The body is spliced into the
# source (no eval/new Function in the page, so a strict CSP would not get in the way).
_CALL = """async ([ms, arg]) => {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`__timeout__: no outcome within ${ms} ms`)), ms);
    });
    try {
        const value = await Promise.race([(async () => { __BODY__ })(), timeout]);
        return { ok: true, value: value === undefined ? '__undefined__' : value };
    } catch (e) {
        return { ok: false, error: e instanceof Error ? e.message : String(e) };
    } finally {
        clearTimeout(timer);
    }
}"""


def call(page: Page, body: str, timeout_ms: int = 10_000, arg: Any = None) -> dict:
    """Runs the async function body `body` in the page (it may use `arg`) and returns its outcome."""
    outcome = page.evaluate(_CALL.replace("__BODY__", body), [timeout_ms, arg])
    if not outcome["ok"] and outcome["error"].startswith("__timeout__"):
        raise AssertionError(f"JS did not settle within {timeout_ms} ms:\n{body}")
    return outcome


def value_of(page: Page, body: str, timeout_ms: int = 10_000, arg: Any = None) -> Any:
    """Like call(), but the outcome must be a success; returns the value."""
    outcome = call(page, body, timeout_ms, arg)
    assert outcome["ok"], f"expected success, got rejection {outcome['error']!r} from:\n{body}"
    return outcome["value"]


def error_of(page: Page, body: str, timeout_ms: int = 10_000, arg: Any = None) -> str:
    """Like call(), but the outcome must be a rejection; returns its message."""
    outcome = call(page, body, timeout_ms, arg)
    assert not outcome["ok"], f"expected a rejection, got value {outcome['value']!r} from:\n{body}"
    return outcome["error"]


def invoke_js(module: str, method: str, *args_js: str) -> str:
    """The JS body of one Tether.invokeMethodAsync call, arguments given as JS source."""
    args = "".join(", " + a for a in args_js)
    return f"return await Tether.invokeMethodAsync({module!r}, {method!r}{args});"


# --------------------------------------------------------------------------- WebSocket frames


@dataclass
class Frame:
    direction: str  # "sent" (browser → server) or "received"
    binary: bool
    size: int       # bytes for binary frames, UTF-8 bytes for text frames
    text: Optional[str] = None


@dataclass
class FrameRecorder:
    """Records the frames of every circuit WebSocket of a page from the moment it is attached."""

    frames: list[Frame] = field(default_factory=list)
    recording: bool = True

    def attach(self, page: Page) -> "FrameRecorder":
        page.on("websocket", self._on_websocket)
        return self

    def _on_websocket(self, ws: WebSocket) -> None:
        if "/_tether/circuit" not in ws.url:
            return
        ws.on("framesent", lambda payload: self._add("sent", payload))
        ws.on("framereceived", lambda payload: self._add("received", payload))

    def _add(self, direction: str, payload: Any) -> None:
        if not self.recording:
            return
        if isinstance(payload, (bytes, bytearray)):
            self.frames.append(Frame(direction, True, len(payload)))
        else:
            text = str(payload)
            # Keep small texts whole (tests search them for messages); big ones are only sized.
            self.frames.append(Frame(direction, False, len(text.encode("utf-8")), text if len(text) <= 4096 else text[:200]))

    def clear(self) -> None:
        self.frames.clear()

    def binary_bytes(self, direction: str) -> int:
        return sum(f.size for f in self.frames if f.binary and f.direction == direction)

    def binary_frames(self, direction: str) -> list[Frame]:
        return [f for f in self.frames if f.binary and f.direction == direction]

    def texts(self, direction: str) -> list[str]:
        return [f.text or "" for f in self.frames if not f.binary and f.direction == direction]

    def largest_text(self) -> Optional[Frame]:
        texts = [f for f in self.frames if not f.binary]
        return max(texts, key=lambda f: f.size) if texts else None

    def summary(self) -> str:
        out = {}
        for f in self.frames:
            key = (f.direction, "binary" if f.binary else "text")
            n, total, biggest = out.get(key, (0, 0, 0))
            out[key] = (n + 1, total + f.size, max(biggest, f.size))
        return ", ".join(f"{d} {k}: {n} frames, {t} bytes, largest {b}" for (d, k), (n, t, b) in sorted(out.items())) or "no frames"


# --------------------------------------------------------------------------- server memory


def rss_bytes(pid: int) -> int:
    """VmRSS of a process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS line in /proc/{pid}/status")


class RssSampler:
    """Samples a process's RSS every `interval_s` on a background thread while in a `with` block."""

    def __init__(self, pid: int, interval_s: float = 0.05) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.before = 0
        self.after = 0
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                value = rss_bytes(self.pid)
            except (OSError, AssertionError):
                return
            self.peak = max(self.peak, value)
            self.samples += 1
            self._stop.wait(self.interval_s)

    def __enter__(self) -> "RssSampler":
        self.before = rss_bytes(self.pid)
        self.peak = self.before
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.after = rss_bytes(self.pid)
        self.peak = max(self.peak, self.after)

    @property
    def growth(self) -> int:
        return self.after - self.before

    @property
    def peak_growth(self) -> int:
        return self.peak - self.before

    def describe(self) -> str:
        mb = 1024 * 1024
        return (f"RSS before {self.before / mb:.1f} MB, after {self.after / mb:.1f} MB "
                f"(+{self.growth / mb:.1f}), peak {self.peak / mb:.1f} MB (+{self.peak_growth / mb:.1f}), "
                f"{self.samples} samples")


class Stopwatch:
    def __enter__(self) -> "Stopwatch":
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.monotonic() - self.start


def pattern(size: int) -> bytes:
    """`size` bytes of i % 251, the pattern PatternStream produces."""
    block = bytes(range(251))
    reps, rest = divmod(size, 251)
    return block * reps + block[:rest]


MB = 1024 * 1024
