"""The WebAssembly render mode in Chromium: /wasm/counter, /wasm/todos and /wasm/call-js-example-1
run the demo's pages from TetherDemo.wasm (built by scripts/build-wasm into .build/wasm, which the
demo server reads), with events handled and edits applied in the page.

Each test records the page's WebSockets and requests from before the first navigation, and ends
by asserting that no WebSocket opened and the circuit runtime was never fetched: a wasm page
talks to the server only to load its files.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from component_support import open_page, text, wait_text
from conftest import TIMEOUT_MS

FIRST, SECOND = "Write the diff", "Ship the runtime"
ROW_TEXTS = "() => [...document.querySelectorAll('li.todo input.todo-text')].map(i => i.value)"
QUOTE = "Can't stop the signal, Mal."


class Traffic:
    """The WebSockets a page opens and the URLs it requests, from before its first navigation."""

    def __init__(self, page: Page) -> None:
        self.sockets: list[str] = []
        self.requests: list[str] = []
        self.wasm_responses: list[dict] = []
        page.on("websocket", lambda ws: self.sockets.append(ws.url))
        page.on("request", lambda request: self.requests.append(request.url))
        page.on(
            "response",
            lambda response: self.wasm_responses.append({"status": response.status, **response.headers})
            if response.url.endswith(".wasm")
            else None,
        )

    def assert_no_circuit(self, page: Page) -> None:
        # A round trip, so every event Chromium sent before now has reached the listeners.
        page.evaluate("() => 0")
        assert self.sockets == [], f"a wasm page opened WebSockets: {self.sockets}"
        runtime = [u for u in self.requests if re.search(r"/_tether/(v/[0-9a-f]+/)?(tether|circuit|reconnect)\.js$", u)]
        assert runtime == [], f"a wasm page fetched the circuit runtime: {runtime}"
        assert not [u for u in self.requests if "/_tether/circuit" in u], "no circuit endpoint is contacted"


@pytest.fixture
def traffic(page: Page) -> Traffic:
    return Traffic(page)


def open_wasm(page: Page, url: str, traffic: Traffic) -> None:
    open_page(page, url)
    broken = page.evaluate("() => document.getElementById('tether-root').getAttribute('data-tether-broken')")
    assert broken is None, f"the module stopped: {broken}"
    assert page.evaluate("() => window.Tether.renderMode") == "webAssembly"
    assert traffic.wasm_responses, "the module was fetched"
    first = traffic.wasm_responses[0]
    assert first["status"] == 200, first
    assert first["content-type"] == "application/wasm", first
    assert first.get("etag"), first


def row_texts(page: Page) -> list[str]:
    return page.evaluate(ROW_TEXTS)


def wait_rows(page: Page, expected: list[str]) -> None:
    try:
        page.wait_for_function(
            f"(want) => JSON.stringify(({ROW_TEXTS})()) === JSON.stringify(want)", arg=expected, timeout=TIMEOUT_MS
        )
    except Exception:
        raise AssertionError(f"rows should become {expected}; they are {row_texts(page)}") from None


def test_counter_counts_in_the_page(server, page, traffic):
    open_wasm(page, server + "/wasm/counter", traffic)
    assert text(page, "#count") == "0"
    for expected in ["1", "2", "3"]:
        page.click("#increment")
        wait_text(page, "#count", expected)
    traffic.assert_no_circuit(page)


def test_counter_keeps_the_prerendered_nodes(server, page, traffic):
    """The module's first render equals the server's prerender, so wasm.js keeps the nodes: a
    node marked before the module ran is still the one on the page."""
    page.route(
        re.compile(r".*/_tether/wasm/TetherDemo\.wasm$"),
        lambda route: (page.evaluate("() => { document.getElementById('increment').__prerendered = true; }"), route.continue_()),
    )
    open_wasm(page, server + "/wasm/counter", traffic)
    assert page.evaluate("() => document.getElementById('increment').__prerendered === true"), (
        "the first render replaced the prerendered nodes"
    )
    page.click("#increment")
    wait_text(page, "#count", "1")
    traffic.assert_no_circuit(page)


def test_todos_add_and_remove(server, page, traffic):
    open_wasm(page, server + "/wasm/todos", traffic)
    assert row_texts(page) == [FIRST, SECOND]
    assert text(page, "#todo-count") == "2"
    page.fill("#new-todo", "Test the rows")
    page.click("#add")
    wait_rows(page, [FIRST, SECOND, "Test the rows"])
    wait_text(page, "#todo-count", "3")
    page.wait_for_function("() => document.querySelector('#new-todo').value === ''")
    page.locator("li.todo").nth(0).locator("button.remove").click()
    wait_rows(page, [SECOND, "Test the rows"])
    wait_text(page, "#todo-count", "2")
    page.locator("li.todo").nth(1).locator("button.up").click()
    wait_rows(page, ["Test the rows", SECOND])
    traffic.assert_no_circuit(page)


def test_call_js_example_shows_the_quote_through_synchronous_interop(server, page, traffic):
    open_wasm(page, server + "/wasm/call-js-example-1", traffic)
    assert QUOTE not in page.inner_text("#tether-root")
    page.get_by_role("button", name="Convert Array").click()
    page.wait_for_function("(q) => document.getElementById('tether-root').innerText.includes(q)", arg=QUOTE)
    # The quote is markup: the <em> the JS function's string holds is an element.
    assert page.evaluate("(q) => [...document.querySelectorAll('#tether-root em')].some(e => e.textContent === q)", QUOTE)
    traffic.assert_no_circuit(page)


def test_invoke_method_is_synchronous_and_reports_a_missing_method(server, page, traffic):
    open_wasm(page, server + "/wasm/counter", traffic)
    outcome = page.evaluate(
        """() => {
            try { return { value: window.Tether.invokeMethod('NoSuchModule', 'Nothing') }; }
            catch (e) { return { error: String(e.message) }; }
        }"""
    )
    assert "error" in outcome and outcome["error"], f"an unknown method must throw: {outcome}"
    rejected = page.evaluate(
        "() => window.Tether.invokeMethodAsync('NoSuchModule', 'Nothing').then(() => 'resolved', (e) => e.message)"
    )
    assert rejected == outcome["error"]
    # A failed call leaves the page working.
    page.click("#increment")
    wait_text(page, "#count", "1")
    traffic.assert_no_circuit(page)


def test_counter_title_follows_the_page_title(server, page, traffic):
    open_wasm(page, server + "/wasm/counter", traffic)
    page.wait_for_function("() => document.title === 'Counter (0)'")
    page.click("#increment")
    page.click("#increment")
    wait_text(page, "#count", "2")
    page.wait_for_function("() => document.title === 'Counter (2)'")
    traffic.assert_no_circuit(page)


def test_todo_rows_keep_their_nodes_and_edits_when_they_move(server, page, traffic):
    open_wasm(page, server + "/wasm/todos", traffic)
    page.evaluate("() => { document.querySelectorAll('li.todo')[1].__second = true; }")
    edited = page.locator("li.todo").nth(1).locator("input.todo-text")
    edited.fill("Ship it twice")
    edited.dispatch_event("change")
    page.locator("li.todo").nth(1).locator("button.up").click()
    wait_rows(page, ["Ship it twice", FIRST])
    # Keyed rows move as nodes: the row marked second is now first, the same element.
    assert page.evaluate("() => document.querySelectorAll('li.todo')[0].__second === true")
    assert page.evaluate("() => document.querySelectorAll('li.todo button.up')[0].disabled")
    traffic.assert_no_circuit(page)


def test_swift_calls_js_synchronously_from_a_method_js_called(server, page, traffic):
    open_wasm(page, server + "/wasm/counter", traffic)
    outcomes = page.evaluate(
        """() => {
            window.answer = () => ({ value: 42 });
            window.fails = () => { throw new Error('no such luck'); };
            return [
                window.Tether.invokeMethod('Demo', 'InvokeJS', 'answer'),
                window.Tether.invokeMethod('Demo', 'InvokeJS', 'fails'),
                window.Tether.invokeMethod('Demo', 'InvokeJS', 'no.such.function'),
                window.Tether.invokeMethod('Demo', 'Add', 2, 3),
            ];
        }"""
    )
    assert outcomes[0] == {"result": {"value": 42}}, outcomes
    assert "no such luck" in outcomes[1]["error"], outcomes
    assert outcomes[2].get("error"), f"an unknown function must be a JS exception in Swift: {outcomes}"
    assert outcomes[3] == 5, outcomes
    traffic.assert_no_circuit(page)


def test_bytes_cross_linear_memory_both_ways(server, page, traffic):
    open_wasm(page, server + "/wasm/counter", traffic)
    result = page.evaluate(
        """() => {
            window.reverseBytes = (bytes) => {
                if (!(bytes instanceof Uint8Array)) throw new Error('expected a Uint8Array, got ' + typeof bytes);
                return bytes.slice().reverse();
            };
            return window.Tether.invokeMethod('Demo', 'ReverseBytesInJS', 'reverseBytes', 300);
        }"""
    )
    assert result == [(299 - i) % 256 for i in range(300)], result[:10]
    traffic.assert_no_circuit(page)


def test_bad_arguments_to_an_exposed_method_are_a_precise_error(server, page, traffic):
    open_wasm(page, server + "/wasm/counter", traffic)
    outcome = page.evaluate(
        """() => {
            try { return { value: window.Tether.invokeMethod('Demo', 'Add', 'two', 3) }; }
            catch (e) { return { error: String(e.message) }; }
        }"""
    )
    assert "argument 0: expected an integer, got string" in outcome.get("error", ""), outcome
    page.click("#increment")
    wait_text(page, "#count", "1")
    traffic.assert_no_circuit(page)
