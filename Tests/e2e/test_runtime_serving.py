"""Serving the runtime (README, "Serving the runtime") in Chromium.

A page loads every runtime module from /_tether/v/<hash>/, immutable for a year and gzipped; a
reload takes them from the browser's cache (or, at worst, a 304) instead of downloading them
again. Chromium negotiates permessage-deflate on the circuit socket (on by default) and the circuit
works through a large re-render; with it off (the demo's TETHER_DEFLATE=off) nothing is negotiated.

The network is watched through the Chrome DevTools Protocol, which reports what Playwright's
events do not: whether a response came from the cache, and the WebSocket handshake's headers.
"""

import re
from typing import Iterator

import pytest

from conftest import REPO_ROOT, DemoServer, wait_ready, wait_until

VERSIONED = re.compile(r"/_tether/v/([0-9a-f]{16})/([a-z-]+\.js)$")
# tether.js and every module it imports: the folder is the list, less wasm.js, which only
# WebAssembly pages load (test_wasm.py), and auto.js, which only auto pages load (test_wasm_auto.py).
RUNTIME_MODULES = len([
    p for p in (REPO_ROOT / "Sources/TetherServer/Resources/runtime").glob("*.js") if p.name not in ("wasm.js", "auto.js")
])


class NetworkLog:
    """Every request under /_tether/ a page makes, with how its response came: from the server
    (status, headers) or from the browser's cache."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.requests = {}  # requestId -> {"url", "status", "headers", "cached"}
        self.handshakes = []  # response headers of WebSocket handshakes, names lower-cased
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._received)
        self.cdp.on("Network.requestServedFromCache", self._from_cache)
        self.cdp.on("Network.webSocketHandshakeResponseReceived", self._handshake)
        self.cdp.send("Network.enable")

    def _sent(self, e):
        if "/_tether/" in e["request"]["url"]:
            self.requests[e["requestId"]] = {"url": e["request"]["url"], "status": None, "headers": {}, "cached": False}

    def _received(self, e):
        entry = self.requests.get(e["requestId"])
        if entry is not None:
            response = e["response"]
            entry["status"] = response["status"]
            entry["headers"] = {k.lower(): v for k, v in response["headers"].items()}
            entry["cached"] = entry["cached"] or response.get("fromDiskCache", False) or response.get("fromPrefetchCache", False)

    def _from_cache(self, e):
        entry = self.requests.get(e["requestId"])
        if entry is not None:
            entry["cached"] = True

    def _handshake(self, e):
        self.handshakes.append({k.lower(): v for k, v in e["response"]["headers"].items()})

    def runtime(self):
        """The requests for runtime modules, by module name."""
        out = {}
        for entry in self.requests.values():
            m = VERSIONED.search(entry["url"].split("?")[0])
            if m:
                out[m.group(2)] = dict(entry, version=m.group(1))
        return out

    def clear(self):
        self.requests.clear()


def test_runtime_comes_from_the_versioned_folder_gzipped_and_immutable(server, page):
    log = NetworkLog(page)
    page.goto(server + "/counter")
    wait_ready(page)
    wait_until(page, lambda: len(log.runtime()) == RUNTIME_MODULES and all(e["status"] for e in log.runtime().values()),
               f"all {RUNTIME_MODULES} runtime modules to load")
    modules = log.runtime()
    assert "tether.js" in modules
    assert len({e["version"] for e in modules.values()}) == 1, "one version for the whole runtime"
    unversioned = [e["url"] for e in log.requests.values() if re.search(r"/_tether/[a-z-]+\.js$", e["url"])]
    assert not unversioned, f"the page fetched unversioned modules: {unversioned}"
    for name, entry in modules.items():
        assert entry["status"] == 200, (name, entry)
        assert entry["headers"].get("cache-control") == "public, max-age=31536000, immutable", (name, entry["headers"])
        assert entry["headers"].get("content-encoding") == "gzip", (name, entry["headers"])
        assert "accept-encoding" in entry["headers"].get("vary", "").lower(), (name, entry["headers"])
        assert entry["headers"].get("etag"), (name, entry["headers"])

    # A reload: the page's HTML comes again (no-store), the runtime does not.
    log.clear()
    page.reload()
    wait_ready(page)
    wait_until(page, lambda: "tether.js" in log.runtime() and all(e["status"] or e["cached"] for e in log.runtime().values()),
               "the reloaded page to load its runtime")
    reloaded = log.runtime()
    downloaded = {name: e["status"] for name, e in reloaded.items() if not (e["cached"] or e["status"] == 304)}
    assert not downloaded, f"after a reload these runtime modules were downloaded again: {downloaded}"
    page.click("#increment")
    page.wait_for_function("() => document.querySelector('#count').textContent.trim() === '1'")


@pytest.fixture(scope="module")
def deflate_off_server() -> Iterator[DemoServer]:
    with DemoServer("deflate-off", {"TETHER_DEFLATE": "off"}) as demo:
        yield demo


LONG_TODO = "Restock the bolts, nuts and washers before Friday. " * 40


def test_circuit_negotiates_permessage_deflate_in_chromium(server, page):
    """On by default: Chromium offers it, the server agrees without context takeover."""
    log = NetworkLog(page)
    page.goto(server + "/todos")
    wait_ready(page)
    wait_until(page, lambda: bool(log.handshakes), "the circuit's WebSocket handshake")
    extensions = log.handshakes[0].get("sec-websocket-extensions", "")
    assert extensions.startswith("permessage-deflate"), log.handshakes[0]
    assert "client_no_context_takeover" in extensions and "server_no_context_takeover" in extensions, extensions
    # Both directions carry messages over the 256-byte threshold: the typed text goes up in an
    # input event, the new row comes down in a render batch.
    page.fill("#new-todo", LONG_TODO)
    page.click("#add")
    page.wait_for_function(
        "(want) => [...document.querySelectorAll('li.todo input.todo-text')].some(i => i.value === want)", arg=LONG_TODO.strip()
    )
    assert page.text_content("#todo-count").strip() == "3"


def test_deflate_can_be_turned_off(deflate_off_server, page):
    log = NetworkLog(page)
    page.goto(deflate_off_server.url + "/todos")
    wait_ready(page)
    wait_until(page, lambda: bool(log.handshakes), "the circuit's WebSocket handshake")
    assert "sec-websocket-extensions" not in log.handshakes[0], log.handshakes[0]
    page.fill("#new-todo", LONG_TODO)
    page.click("#add")
    page.wait_for_function("() => document.querySelector('#todo-count').textContent.trim() === '3'")
