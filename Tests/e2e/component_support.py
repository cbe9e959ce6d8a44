"""Helpers shared by the component-model tests (test_todos, test_form, test_routing,
test_errors, test_events, test_layout_lifecycle, test_prerender_security). Not a test module.

* ``text(page, selector)``: the trimmed text of the first match ("" when there is none).
* ``wait_text(page, selector, expected)``: waits until that text equals ``expected``; on timeout
  fails with the text actually shown, so a wrong value is reported as such, not as a timeout.
* ``wait_path(page, path)``: waits until ``location.pathname + location.search`` is ``path``.
* ``mark_document(page)`` / ``same_document(page)``: tag ``window`` with an expando, and later
  check it is still there, i.e. the page was not reloaded in between.
* ``open_page(page, url)``: goto + wait_ready, with the HTTP status checked.
* ``open_home(page, server)``: the same for "/".
"""

from __future__ import annotations

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from conftest import TIMEOUT_MS, wait_ready


def text(page: Page, selector: str) -> str:
    return page.evaluate(
        "(s) => { const el = document.querySelector(s); return el ? el.textContent.trim() : ''; }", selector
    )


def wait_text(page: Page, selector: str, expected: str, timeout_ms: int = TIMEOUT_MS) -> None:
    try:
        page.wait_for_function(
            """([s, want]) => {
                const el = document.querySelector(s);
                return !!el && el.textContent.trim() === want;
            }""",
            arg=[selector, expected],
            timeout=timeout_ms,
        )
    except PlaywrightTimeoutError:
        raise AssertionError(
            f"{selector} should show {expected!r} within {timeout_ms} ms; it shows {text(page, selector)!r}"
        ) from None


def current_path(page: Page) -> str:
    return page.evaluate("() => location.pathname + location.search")


def wait_path(page: Page, path: str, timeout_ms: int = TIMEOUT_MS) -> None:
    try:
        page.wait_for_function(
            "(p) => location.pathname + location.search === p", arg=path, timeout=timeout_ms
        )
    except PlaywrightTimeoutError:
        raise AssertionError(
            f"the URL should become {path!r} within {timeout_ms} ms; it is {current_path(page)!r}"
        ) from None


def mark_document(page: Page) -> None:
    page.evaluate("() => { window.__noReload = 1; }")


def same_document(page: Page) -> bool:
    return page.evaluate("() => window.__noReload === 1")


def open_page(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (
        f"GET {url} -> {response.status if response else 'no response'}"
    )
    wait_ready(page)


def open_home(page: Page, server: str) -> None:
    open_page(page, server + "/")
