"""Tether mounted under a path prefix, in a real browser: the demo with TETHER_MOUNT=/app serves
every page under /app. The runtime, its modules and its circuit socket come from /app/_tether/,
a page works, navigation inside the mount stays in the circuit, and the app's own routes
(/health) still answer at the site root.
"""

from __future__ import annotations

import urllib.request

import pytest

from conftest import DemoServer, wait_ready


# The demo's failing initializer (conftest's ALLOWED_CONSOLE_ERRORS), at its URL under the mount.
@pytest.mark.expect_console_error(
    r"^\[tether\] the initializer /app/broken\.lib\.module\.js failed in beforeStart"
)
def test_pages_runtime_and_circuit_live_under_the_mount(browser):
    with DemoServer("mounted", {"TETHER_MOUNT": "/app", "TETHER_STORE": "none"}) as demo:
        with urllib.request.urlopen(demo.url + "/health", timeout=5) as response:
            assert response.read() == b"ok", "the app's own route answers beside Tether"

        context = browser.new_context()
        page = context.new_page()
        requests: list[str] = []
        sockets: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("websocket", lambda ws: sockets.append(ws.url))
        page.goto(demo.url + "/app/counter")
        wait_ready(page)
        circuit = page.evaluate("Tether.circuit.circuitId")
        assert sockets == [f"ws://127.0.0.1:{demo.port}/app/_tether/circuit?circuit={circuit}"], sockets
        runtime = [u for u in requests if "/_tether/" in u]
        assert runtime and all(u.startswith(demo.url + "/app/_tether/") for u in runtime), runtime

        page.click("#increment")
        page.wait_for_function("document.querySelector('#count').textContent === '1'")

        # Swift navigation to a page of the app stays in the circuit and under the mount.
        page.evaluate("window.__sameDocument = true")
        page.goto(demo.url + "/app/")
        wait_ready(page)
        page.evaluate("window.__sameDocument = true")
        page.click("#go-counter")
        page.wait_for_url(demo.url + "/app/counter")
        page.wait_for_selector("#increment")
        assert page.evaluate("window.__sameDocument === true"), "navigated inside the circuit, without a reload"
        context.close()
