"""Markup the DSL cannot honour is loud in a debug build (README, "Events and forms"): a page
whose render adds a handler for a misspelled event ends its circuit, and the page shows the
server's message naming the component and the element, instead of a button that silently does
nothing. The demo's own pages have no such problem: every other e2e test runs them on this same
debug build, whose circuits would fail the same way."""
from __future__ import annotations

from typing import Iterator

import pytest

from conftest import DemoServer, wait_ready


@pytest.fixture(scope="module")
def test_pages_server() -> Iterator[DemoServer]:
    with DemoServer("markup-checking", {"TETHER_TEST_TRAPS": "1", "TETHER_DETAILED_ERRORS": "1"}) as demo:
        yield demo


def test_a_misspelled_event_ends_the_circuit_naming_the_element(test_pages_server, page):
    page.goto(test_pages_server.url + "/test/markup-problem")
    wait_ready(page)
    page.click("#break")
    page.wait_for_selector("#tether-error-ui", state="visible", timeout=10_000)
    message = page.inner_text("#tether-error-ui")
    assert "MarkupProblemPage, <button id=\"misspelled\">: 'clik' is not an event Tether listens for" in message, message
    assert page.query_selector("#misspelled") is None, "the broken render must not reach the page"
