"""JS initializers: every *.lib.module.js in the public folder and in library content.

The runtime fetches /_tether/initializers, imports each module, awaits its beforeStart(options)
before connecting and calls afterStarted(Tether) once the first render is applied. The demo's
demo.lib.module.js sets options.demoValue in beforeStart and, in afterStarted, writes
"configured in beforeStart started" into #initializer (in the layout's nav, on every page) and
injects /js/initializer-injected.js. broken.lib.module.js throws in beforeStart: the console
names it, and the app carries on.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from conftest import TIMEOUT_MS, wait_ready, wait_until

INITIALIZER_TEXT = "configured in beforeStart started"


def wait_initializer_text(page) -> None:
    try:
        page.wait_for_function(
            "t => { const el = document.getElementById('initializer'); return !!el && el.textContent.trim() === t; }",
            arg=INITIALIZER_TEXT,
        )
    except Exception:
        got = page.evaluate("() => document.getElementById('initializer')?.textContent ?? null")
        raise AssertionError(f"#initializer never read {INITIALIZER_TEXT!r}; it reads {got!r}") from None


def test_initializers_endpoint_lists_both_modules(server):
    with urllib.request.urlopen(server + "/_tether/initializers", timeout=TIMEOUT_MS / 1000) as resp:
        assert resp.status == 200
        content_type = resp.headers.get("Content-Type", "")
        body = resp.read().decode()
    assert content_type.split(";")[0].strip() == "application/json", content_type
    assert json.loads(body) == ["/broken.lib.module.js", "/demo.lib.module.js"], body


@pytest.mark.parametrize("path", ["/counter", "/"])
def test_after_started_writes_into_the_layout(server, page, path):
    page.goto(server + path)
    wait_ready(page)
    wait_initializer_text(page)


def test_before_start_runs_before_the_circuit_connects(server, page):
    # beforeStart's option change is visible to the runtime: Tether.options carries it.
    page.goto(server + "/counter")
    wait_ready(page)
    wait_initializer_text(page)
    assert page.evaluate("window.Tether.options.demoValue") == "configured in beforeStart"


def test_initializers_are_imported_once_and_before_the_socket_opens(server, page):
    events: list[str] = []
    page.on("request", lambda r: events.append("request " + r.url.split("/", 3)[-1])
            if r.url.endswith(".lib.module.js") or r.url.endswith("/_tether/initializers") else None)
    page.on("websocket", lambda ws: events.append("websocket"))
    page.goto(server + "/counter")
    wait_ready(page)
    wait_initializer_text(page)
    assert events.count("websocket") == 1, events
    before_socket = events[: events.index("websocket")]
    for name in ("request _tether/initializers", "request demo.lib.module.js", "request broken.lib.module.js"):
        assert before_socket.count(name) == 1, f"expected {name!r} once before the socket opened: {events}"


def test_after_started_can_inject_a_script_that_runs(server, page):
    page.goto(server + "/counter")
    wait_ready(page)
    wait_initializer_text(page)
    page.wait_for_function("document.documentElement.dataset.initializerScript === 'ran'")
    assert page.evaluate("document.documentElement.dataset.initializerScript") == "ran"


def test_after_started_runs_after_first_render(server, page):
    # #initializer is written by afterStarted and survives the page's later renders (it lives
    # in the layout, which does not re-render it away).
    page.goto(server + "/counter")
    wait_ready(page)
    wait_initializer_text(page)
    page.click("#increment")
    page.wait_for_function("document.querySelector('#count').textContent.trim() === '1'")
    assert page.text_content("#initializer").strip() == INITIALIZER_TEXT


def test_broken_initializer_is_reported_and_the_app_still_works(server, page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    uncaught: list[str] = []
    page.on("pageerror", lambda e: uncaught.append(str(e)))
    page.goto(server + "/counter")
    wait_ready(page)
    wait_initializer_text(page)

    wait_until(page, lambda: any("broken.lib.module.js" in e for e in errors),
               "no console error named broken.lib.module.js")
    assert not any("demo.lib.module.js" in e for e in errors), f"the good initializer was reported: {errors}"
    assert uncaught == [], f"the broken initializer escaped as an uncaught error: {uncaught}"

    # The app works: the counter increments.
    for expected in ("1", "2"):
        page.click("#increment")
        page.wait_for_function(
            "n => document.querySelector('#count').textContent.trim() === n", arg=expected
        )


def test_broken_initializer_error_includes_its_message(server, page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "/counter")
    wait_ready(page)
    wait_initializer_text(page)
    wait_until(page, lambda: any("broken.lib.module.js" in e for e in errors),
               "no console error named broken.lib.module.js")
    broken = [e for e in errors if "broken.lib.module.js" in e]
    assert len(broken) == 1, f"expected one error naming broken.lib.module.js: {errors}"
    # It says which hook failed and carries the thrown error.
    assert "beforeStart" in broken[0], broken[0]
    assert "this initializer fails on purpose" in broken[0], broken[0]
