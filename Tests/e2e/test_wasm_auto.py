"""Auto render mode in Chromium (Blazor's InteractiveAuto), on /auto/counter: the first visit runs
in a circuit while auto.js downloads the module into the Cache API; the next visit runs the stored
module, with no WebSocket and no download; a rebuilt module is a new version, so the visit after
the rebuild is in server mode again, and stores the new version in place of the old.

These tests run a demo server of their own, whose TETHER_WASM_DIR is a temporary folder holding
a copy of .build/wasm/TetherDemo.wasm (scripts/build-wasm), so a test can rebuild "the module"
without touching the session server's: it appends a custom section, which leaves the module
valid and changes its bytes, and so its ETag.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page

from component_support import text, wait_text
from conftest import REPO_ROOT, TIMEOUT_MS, DemoServer, wait_ready, wait_until

MODULE = REPO_ROOT / ".build" / "wasm" / "TetherDemo.wasm"
MODULE_CACHE = "tether-wasm-modules"
STORED_URLS = f"() => caches.open({MODULE_CACHE!r}).then((c) => c.keys()).then((keys) => keys.map((r) => r.url))"
VERSION = "() => document.querySelector('script[data-tether-wasm-version]')?.getAttribute('data-tether-wasm-version') ?? null"


def leb128(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def rebuild(module: Path, note: str) -> None:
    """Changes the module's bytes, and so its ETag, keeping it a valid module that runs as
    before: a custom section (id 0), which engines skip."""
    name = b"tether-e2e"
    payload = note.encode()
    body = leb128(len(name)) + name + payload
    with module.open("ab") as f:
        f.write(b"\x00" + leb128(len(body)) + body)


class Traffic:
    """The WebSockets a page opens and the module requests it makes, since the last reset."""

    def __init__(self, page: Page) -> None:
        self.sockets: list[str] = []
        self.module_requests: list[str] = []
        page.on("websocket", lambda ws: self.sockets.append(ws.url))
        page.on("request", lambda request: self.module_requests.append(request.url) if ".wasm" in request.url else None)

    def reset(self) -> None:
        self.sockets.clear()
        self.module_requests.clear()


@pytest.fixture(scope="module")
def wasm_dir() -> Iterator[Path]:
    if not MODULE.is_file():
        pytest.fail(f"no {MODULE}: build the module with scripts/build-wasm first", pytrace=False)
    folder = Path(tempfile.mkdtemp(prefix="tether-wasm-auto-"))
    shutil.copy2(MODULE, folder / MODULE.name)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def auto_server(wasm_dir: Path) -> Iterator[DemoServer]:
    with DemoServer("wasm-auto", env={"TETHER_WASM_DIR": str(wasm_dir)}) as demo:
        yield demo


def visit(page: Page, url: str) -> str:
    """Loads the auto page and waits until its runtime has rendered; returns the render mode."""
    response = page.goto(url)
    assert response is not None and response.status == 200, f"GET {url} -> {response.status if response else 'no response'}"
    wait_ready(page)
    broken = page.evaluate("() => document.getElementById('tether-root').getAttribute('data-tether-broken')")
    assert broken is None, f"the module stopped: {broken}"
    return page.evaluate("() => window.Tether.renderMode")


def counts_clicks(page: Page) -> None:
    assert text(page, "#count") == "0"
    for expected in ["1", "2", "3"]:
        page.click("#increment")
        wait_text(page, "#count", expected)


def wait_stored(page: Page, version: str) -> list[str]:
    """Waits until the Cache API holds `version` of the module, and returns what it holds."""
    stored: list[str] = []

    def holds() -> bool:
        stored[:] = page.evaluate(STORED_URLS)
        return any(url.endswith(f"?v={version}") for url in stored)

    wait_until(page, holds, f"the module's version {version} stored in the Cache API (it holds {stored})")
    return stored


def test_server_first_then_webassembly_then_server_after_a_rebuild(auto_server, wasm_dir, page):
    url = auto_server.url + "/auto/counter"
    page.add_init_script(
        script="document.addEventListener('tether:module-stored', (e) => { (window.__stored ||= []).push(e.detail); });"
    )
    traffic = Traffic(page)

    # First visit: nothing stored, so a circuit runs the page while the module downloads.
    assert visit(page, url) == "server"
    counts_clicks(page)
    version = page.evaluate(VERSION)
    assert version and re.fullmatch(r"[0-9a-f]{16}", version), version
    assert [u for u in traffic.sockets if "/_tether/circuit" in u], f"server mode opens the circuit: {traffic.sockets}"
    assert wait_stored(page, version) == [f"{auto_server.url}/_tether/wasm/TetherDemo.wasm?v={version}"]
    page.wait_for_function("() => (window.__stored || []).length === 1", timeout=TIMEOUT_MS)
    assert page.evaluate("() => window.__stored[0].version") == version
    assert traffic.module_requests == [f"{auto_server.url}/_tether/wasm/TetherDemo.wasm?v={version}"], traffic.module_requests

    # Second visit: the stored module runs in the page, from the Cache API: no socket, no download.
    traffic.reset()
    assert visit(page, url) == "webAssembly"
    counts_clicks(page)
    page.evaluate("() => 0")  # a round trip, so every event Chromium sent has reached the listeners
    assert traffic.sockets == [], f"a visit in WebAssembly mode opened WebSockets: {traffic.sockets}"
    assert traffic.module_requests == [], f"the stored module was downloaded again: {traffic.module_requests}"
    assert page.evaluate("() => typeof Tether.invokeMethod") == "function", "wasm.js's runtime is the page's Tether"
    assert page.evaluate("() => Tether.invokeMethod('Demo', 'Add', 2, 3)") == 5

    # The module is rebuilt: its version changes, so the stored one no longer counts.
    rebuild(wasm_dir / MODULE.name, "rebuilt once")
    traffic.reset()
    assert visit(page, url) == "server"
    counts_clicks(page)
    new_version = page.evaluate(VERSION)
    assert new_version and new_version != version
    assert [u for u in traffic.sockets if "/_tether/circuit" in u], "after a rebuild the visit is in server mode"
    # The new version replaces the old one.
    wait_until(
        page,
        lambda: page.evaluate(STORED_URLS) == [f"{auto_server.url}/_tether/wasm/TetherDemo.wasm?v={new_version}"],
        "the new version stored in place of the old",
    )

    # And the visit after that runs the rebuilt module.
    traffic.reset()
    assert visit(page, url) == "webAssembly"
    counts_clicks(page)
    page.evaluate("() => 0")
    assert traffic.sockets == []


def test_without_the_cache_api_every_visit_is_in_server_mode(auto_server, page):
    """A browser that gives this page no Cache API (an insecure origin, some private modes)
    stores nothing: every visit runs a circuit, and the module is never downloaded."""
    page.add_init_script(script="Object.defineProperty(window, 'caches', { value: undefined, configurable: true });")
    traffic = Traffic(page)
    for _ in range(2):
        traffic.reset()
        assert visit(page, auto_server.url + "/auto/counter") == "server"
        counts_clicks(page)
        page.evaluate("() => 0")
        assert [u for u in traffic.sockets if "/_tether/circuit" in u], traffic.sockets
        assert traffic.module_requests == [], f"nothing to store it in, so no download: {traffic.module_requests}"


def replace_stored_module(page, module_bytes: list[int]) -> None:
    """Puts `module_bytes` in the cache in place of the stored module, under the same key."""
    page.evaluate(
        """async ([cacheName, bytes]) => {
            const cache = await caches.open(cacheName);
            const [key] = await cache.keys();
            await cache.put(key, new Response(new Uint8Array(bytes), { headers: { 'Content-Type': 'application/wasm' } }));
        }""",
        [MODULE_CACHE, module_bytes],
    )


def test_a_stored_module_that_is_corrupted_falls_back_to_server_mode(auto_server, page):
    """Bytes in the cache that no longer compile are dropped: that visit is in server mode, and
    stores the module again."""
    url = auto_server.url + "/auto/counter"
    assert visit(page, url) == "server"
    version = page.evaluate(VERSION)
    wait_stored(page, version)
    replace_stored_module(page, [0, 1, 2, 3])
    assert visit(page, url) == "server"
    counts_clicks(page)
    # Stored again, whole: the next visit runs it.
    page.wait_for_function(
        """async ([cacheName]) => {
            const cache = await caches.open(cacheName);
            const [key] = await cache.keys();
            if (!key) return false;
            const bytes = new Uint8Array(await (await cache.match(key)).arrayBuffer());
            return bytes.length > 8;
        }""",
        arg=[MODULE_CACHE],
        timeout=TIMEOUT_MS,
    )
    assert visit(page, url) == "webAssembly"


@pytest.mark.expect_console_error(r"the page's WebAssembly module stopped: .*does not export")
def test_a_stored_module_that_does_not_start_reloads_in_server_mode_and_is_not_tried_again(auto_server, page):
    """A stored version that compiles but does not start (here: a valid module with nothing in
    it, standing in for a module that lacks the page) is marked as failed, and the page loads
    again, in server mode; later visits stay in server mode and download nothing, until the
    server names another version."""
    url = auto_server.url + "/auto/counter"
    assert visit(page, url) == "server"
    version = page.evaluate(VERSION)
    wait_stored(page, version)
    # A valid module with nothing in it.
    replace_stored_module(page, [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00])
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    traffic = Traffic(page)
    response = page.goto(url)
    assert response is not None and response.status == 200
    wait_until(page, lambda: len(loads) >= 2, "the page to load again after the module failed to start")
    wait_ready(page)
    assert page.evaluate("() => window.Tether.renderMode") == "server"
    assert page.evaluate("() => document.getElementById('tether-root').getAttribute('data-tether-broken')") is None
    counts_clicks(page)
    failed = page.evaluate(
        """async ([cacheName]) => {
            const cache = await caches.open(cacheName);
            const [key] = await cache.keys();
            return (await cache.match(key)).headers.get('Tether-Module-Failed');
        }""",
        [MODULE_CACHE],
    )
    assert failed and "does not export" in failed, failed

    # Later visits: server mode, and the failed version is not downloaded again.
    traffic.reset()
    assert visit(page, url) == "server"
    page.evaluate("() => 0")
    assert traffic.module_requests == [], traffic.module_requests
    assert len(loads) == 3, f"no second reload: {loads}"
