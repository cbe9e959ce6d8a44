"""Manual start: /manual-start.html loads tether.js with autostart="false", and
/js/manual-start.js calls Tether.start({url: '/counter', logLevel, reconnectionOptions,
configureConnection}) itself. Until start is called nothing connects; after it, the counter page
is rendered into the empty #tether-root and works, over a socket whose URL the
configureConnection callback changed (?source=manual-start).
"""

from __future__ import annotations

import re

import pytest

from conftest import REPO_ROOT, wait_ready

# The runtime's ES modules: tether.js and everything it imports, each served at /_tether/<name>.
RUNTIME_DIR = REPO_ROOT / "Sources/TetherServer/Resources/runtime"


def circuit_runtime_modules() -> list[str]:
    """tether.js and every module it imports, transitively: what a server page loads. The
    WebAssembly render mode's wasm.js, in the same folder, is not among them."""
    seen, pending = set(), ["tether.js"]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending += re.findall(r"""^\s*(?:import|export)\b[^'"]*?from\s+['"]\./([\w-]+\.js)['"]""", (RUNTIME_DIR / name).read_text(), re.M)
    return sorted(seen)


RUNTIME_MODULES = circuit_runtime_modules()

MANUAL_START_TAG = '<script type="module" src="/js/manual-start.js"></script>'

READY_STATE = """(ms) => Promise.race([
    window.Tether.ready.then(() => 'resolved'),
    new Promise(r => setTimeout(() => r('pending'), ms)),
])"""


def record_sockets(page) -> list[str]:
    urls: list[str] = []
    page.on("websocket", lambda ws: urls.append(ws.url))
    return urls


def serve_without_manual_start_js(page, how: str = "stub-script") -> dict:
    """Loads /manual-start.html without manual-start.js running; returns a dict telling whether
    the change was made (so the test knows the page really differs).

    "html-copy" serves the HTML with the script tag removed. "stub-script" serves the page as is
    but answers /js/manual-start.js with an empty module. A document fulfilled by Playwright
    cannot open a socket to 127.0.0.1 (Chromium's local network access checks block it:
    net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS), so a test that goes on to start the
    runtime uses "stub-script"."""
    found = {"changed": False}

    if how == "html-copy":
        def handle(route):
            response = route.fetch()
            html = response.text()
            found["changed"] = MANUAL_START_TAG in html
            route.fulfill(response=response, body=html.replace(MANUAL_START_TAG, ""))

        page.route("**/manual-start.html", handle)
    else:
        def stub(route):
            found["changed"] = True
            route.fulfill(status=200, content_type="text/javascript", body="// manual-start.js removed by the test\n")

        page.route("**/js/manual-start.js", stub)
    return found


def wait_status(page, expected: str) -> None:
    try:
        page.wait_for_function(
            "t => document.getElementById('status').textContent === t", arg=expected
        )
    except Exception:
        got = page.text_content("#status")
        raise AssertionError(f"#status never read {expected!r}; it reads {got!r}") from None


@pytest.mark.parametrize("how", ["html-copy", "stub-script"])
def test_nothing_connects_before_start(server, page, how):
    found = serve_without_manual_start_js(page, how)
    sockets = record_sockets(page)
    runtime_requests: list[str] = []
    page.on("request", lambda r: runtime_requests.append(r.url) if "/_tether/" in r.url else None)

    page.goto(server + "/manual-start.html")
    assert found["changed"], f"manual-start.js is no longer loaded by {MANUAL_START_TAG}; update this test"
    page.wait_for_function("!!(window.Tether && window.Tether.ready)")
    # Proving that nothing connects takes a bounded wait: a start would open the socket within
    # a few milliseconds of the runtime loading.
    page.wait_for_timeout(1000)

    assert sockets == [], f"a websocket opened although Tether.start was never called: {sockets}"
    assert page.evaluate(READY_STATE, 200) == "pending", "Tether.ready resolved without a start"
    assert page.evaluate("window.Tether.circuit") is None
    # Only the runtime's modules were fetched: no initializer list, no prerender.
    fetched = sorted({u.split("/_tether/", 1)[1].split("?")[0] for u in runtime_requests})
    assert fetched == RUNTIME_MODULES, f"requests under /_tether/ before start: {runtime_requests}"
    assert page.text_content("#status") == "not started", "manual-start.js ran after all"
    assert page.inner_html("#tether-root").strip() == ""


def test_start_called_later_connects(server, page):
    # The same stripped page connects as soon as start is called, so the previous test's
    # "nothing connects" means something.
    assert serve_without_manual_start_js(page, "stub-script") is not None
    sockets = record_sockets(page)
    page.goto(server + "/manual-start.html")
    page.wait_for_function("!!(window.Tether && window.Tether.ready)")
    # (That nothing connects on its own is test_nothing_connects_before_start's to prove.)
    assert sockets == []

    page.evaluate("() => { window.Tether.start({ url: '/counter' }); }")
    wait_ready(page)
    assert len(sockets) == 1, sockets
    page.click("#increment")
    page.wait_for_function("document.querySelector('#count').textContent.trim() === '1'")


def test_manual_start_connects_with_its_options(server, page):
    sockets = record_sockets(page)
    page.goto(server + "/manual-start.html")
    wait_status(page, "connected")
    wait_ready(page)

    assert len(sockets) == 1, f"expected exactly one websocket: {sockets}"
    assert "/_tether/circuit" in sockets[0], sockets[0]
    assert "source=manual-start" in sockets[0], f"configureConnection's query is missing: {sockets[0]}"
    # The circuit the prerender chose comes first; configureConnection adds to it.
    circuit = page.evaluate("Tether.circuit.circuitId")
    assert page.evaluate("window.manualStartQuery") == f"?circuit={circuit}&source=manual-start"
    # The options given to start are the runtime's options.
    options = page.evaluate(
        "() => ({ url: Tether.options.url, logLevel: Tether.options.logLevel, reconnection: Tether.options.reconnectionOptions })"
    )
    assert options == {
        "url": "/counter",
        "logLevel": "info",
        "reconnection": {"maxRetries": 3, "retryIntervalMilliseconds": 200},
    }, options


def test_manual_start_renders_the_counter_and_it_works(server, page):
    page.goto(server + "/manual-start.html")
    wait_status(page, "connected")
    # The page's own URL stays the static file; the counter is rendered into #tether-root.
    assert page.url.endswith("/manual-start.html")
    assert page.text_content("#tether-root h1").strip() == "Counter"
    assert page.text_content("#count").strip() == "0"
    for expected in ("1", "2", "3"):
        page.click("#increment")
        page.wait_for_function(
            "n => document.querySelector('#count').textContent.trim() === n", arg=expected
        )
    # Content outside #tether-root is the static page's and is left alone.
    assert page.text_content("#status") == "connected"


def test_manual_start_runs_initializers_too(server, page):
    page.goto(server + "/manual-start.html")
    wait_status(page, "connected")
    page.wait_for_function(
        "document.getElementById('initializer')?.textContent.trim() === 'configured in beforeStart started'"
    )
    page.wait_for_function("document.documentElement.dataset.initializerScript === 'ran'")


def test_start_twice_opens_one_socket(server, page):
    sockets = record_sockets(page)
    page.goto(server + "/manual-start.html")
    wait_status(page, "connected")
    same = page.evaluate("async () => (await Tether.start({ url: '/counter' })) === Tether")
    assert same, "a second Tether.start should resolve like Tether.ready, with the runtime"
    page.click("#increment")
    page.wait_for_function("document.querySelector('#count').textContent.trim() === '1'")
    # A socket the second start opened would have been created before it resolved, so its
    # websocket event has reached Python by the time the click's round trip is done.
    assert len(sockets) == 1, f"a second start opened another socket: {sockets}"
