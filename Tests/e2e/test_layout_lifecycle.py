"""Layout, cascading values and component lifecycle, seen on Home (/).

* DemoLayout cascades ThemeKey = "light"; Home shows it in #theme.
* Home's child Ticker launches a loop in onAfterRender(firstRender:) that increments #ticks
  once a second; `launch` work is cancelled when the component is disposed.
* Leaving / and coming back creates a new Ticker, which counts from 0 again.

Not covered here: that the *server's* loop of the old Ticker stops after navigating away. The
browser cannot see it (the old component is gone from the DOM either way); it belongs in a
Swift-level test (TetherTesting's ComponentTestHost: dispose the page, then check the launched
task was cancelled), or would need a debug counter of live launched tasks exposed by the demo.
"""

import time

from component_support import mark_document, open_home, same_document, text, wait_path, wait_text
from conftest import fetch_html


def ticks(page) -> int:
    return int(text(page, "#ticks"))


def wait_ticks_at_least(page, n: int, timeout_ms: int = 6000) -> None:
    try:
        page.wait_for_function(
            "(n) => Number(document.querySelector('#ticks')?.textContent.trim()) >= n", arg=n, timeout=timeout_ms
        )
    except Exception:
        raise AssertionError(f"#ticks should reach {n} within {timeout_ms} ms; it shows {text(page, '#ticks')!r}") from None


def test_theme_is_cascaded_from_the_layout(server, page):
    open_home(page, server)
    assert text(page, "#theme") == "light"


def test_theme_is_prerendered(server):
    html = fetch_html(server + "/")
    assert '<span id="theme">light</span>' in html, (
        "the prerendered / lacks Home's #theme; it starts " + repr(html[html.find("<h1>"):][:60])
    )


def test_ticker_counts_seconds(server, page):
    open_home(page, server)
    start = time.monotonic()
    first = ticks(page)
    assert first in (0, 1), f"#ticks starts at {first}"
    wait_ticks_at_least(page, first + 3)
    now = ticks(page)
    elapsed = time.monotonic() - start
    # Once a second, from one loop: three more ticks take at least two seconds. A ticker
    # launched twice would count double and get there in about one and a half.
    assert elapsed >= 1.9, f"#ticks went from {first} to {now} in {elapsed:.1f} s: more than one tick a second"
    assert now - first <= int(elapsed) + 1, (
        f"#ticks went from {first} to {now} in {elapsed:.1f} s: more than one tick a second"
    )


def test_ticker_restarts_after_navigating_away_and_back(server, page):
    open_home(page, server)
    mark_document(page)
    wait_ticks_at_least(page, 3)
    page.evaluate("() => { document.querySelector('#ticks').__old = 1; }")

    page.click("nav.demo-nav a:text-is('Counter')")
    wait_path(page, "/counter")
    page.wait_for_selector("#ticks", state="detached")

    page.click("nav.demo-nav a:text-is('Home')")
    wait_path(page, "/")
    page.wait_for_selector("#ticks")
    back = page.evaluate(
        "() => [document.querySelector('#ticks').textContent.trim(), document.querySelector('#ticks').__old === 1]"
    )
    # The old Ticker had counted to 3 or more: a "0" here is a new one.
    assert back == ["0", False], f"after coming back, #ticks (text, is the old element) is {back}: not a new Ticker"
    # The new Ticker's loop runs: its own onAfterRender(firstRender: true) launched it.
    wait_ticks_at_least(page, 2, timeout_ms=4000)
    assert ticks(page) <= 3
    assert same_document(page)


def test_ticker_restarts_after_back_and_forward(server, page):
    open_home(page, server)
    wait_ticks_at_least(page, 2)
    page.click("#go-counter")
    wait_path(page, "/counter")
    page.go_back()
    wait_path(page, "/")
    wait_text(page, "#ticks", "0")
    wait_ticks_at_least(page, 1, timeout_ms=3000)
