"""The runtime works under `Content-Security-Policy: script-src 'self'` (README, "Limits and
security": no eval, no inline script).

A demo started with TETHER_TEST_CSP=1 puts `<meta http-equiv="Content-Security-Policy"
content="script-src 'self'">` first in every page's <head>. The demo's own two inline scripts (one
in <head>, one at the end of <body>, there to show the script-loading options) are then blocked,
as they should be, and Chromium logs each block as a console error. Everything else, the runtime
(/_tether/tether.js), its initializers, the modules it imports and the external scripts the
pages use, must keep working and cause no violation at all.

Every `securitypolicyviolation` event is recorded from before the page's first script, and the
tests check that each one is one of the demo's inline scripts: blockedURI "inline", reported
against the document itself at the line of an inline <script> in the served HTML.
"""

from __future__ import annotations

import re
from typing import Iterator

import pytest

from component_support import text, wait_text
from conftest import DemoServer, fetch_html, wait_ready
from interop_support import value_of

# (Functions given to wait_for_function here are arrow functions: Playwright evaluates a bare
# expression string with eval while it polls, which this policy forbids.)
pytestmark = pytest.mark.expect_console_error(
    r"^Executing inline script violates the following Content Security Policy directive 'script-src 'self''"
)

CSP_META = """<meta http-equiv="Content-Security-Policy" content="script-src 'self'">"""

RECORD_VIOLATIONS = """(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
        window.__violations.push({
            blockedURI: e.blockedURI, sourceFile: e.sourceFile,
            position: [e.lineNumber, e.columnNumber],
            directive: e.effectiveDirective, disposition: e.disposition,
        });
    });
})();"""


@pytest.fixture(scope="module")
def csp_server() -> Iterator[DemoServer]:
    with DemoServer("csp", {"TETHER_TEST_CSP": "1"}) as demo:
        yield demo


@pytest.fixture
def csp_page(csp_server, page):
    page.add_init_script(script=RECORD_VIOLATIONS)
    return page


def inline_script_positions(html: str) -> list[list[int]]:
    """[line, column] (both 1-based) where the text of each <script> without a src starts in
    the HTML: where Chromium reports a blocked inline script."""
    positions = []
    for m in re.finditer(r"<script\b([^>]*)>", html):
        if "src=" not in m.group(1):
            line_start = html.rfind("\n", 0, m.end()) + 1
            positions.append([html.count("\n", 0, m.end()) + 1, m.end() - line_start + 1])
    return positions


def open_csp(page, base: str, path: str) -> tuple[str, str]:
    """Opens path on the CSP server and checks the policy is in force; returns the document's
    URL and its HTML, as served."""
    html = fetch_html(base + path)
    assert CSP_META in html, f"{path} is not served with the CSP <meta>; is TETHER_TEST_CSP honoured?"
    assert html.index(CSP_META) < html.index("<script"), "the CSP <meta> must come before every script"
    page.goto(base + path)
    wait_ready(page)
    return base + path, html


def assert_only_inline_scripts_blocked(page, opened: tuple[str, str]) -> None:
    """Every violation since the document loaded was one of its two inline scripts."""
    document, html = opened
    violations = page.evaluate("window.__violations")
    inline = inline_script_positions(html)
    assert len(inline) == 2, f"the demo's pages have two inline scripts; this one has them at {inline}"
    others = [
        v for v in violations
        if not (v["blockedURI"] == "inline" and v["sourceFile"] == document and v["position"] in inline)
    ]
    assert others == [], f"violations other than the demo's inline scripts (at [line, column] {inline}): {others}"
    # And the policy was in force: both inline scripts were blocked, once each.
    assert sorted(v["position"] for v in violations) == sorted(inline), violations
    assert all(v["directive"] == "script-src-elem" and v["disposition"] == "enforce" for v in violations), violations


def test_counter_works_under_a_strict_csp(csp_server, csp_page):
    opened = open_csp(csp_page, csp_server.url, "/counter")
    for expected in ("1", "2", "3"):
        csp_page.click("#increment")
        wait_text(csp_page, "#count", expected)
    assert_only_inline_scripts_blocked(csp_page, opened)


def test_swift_calls_an_external_script_under_a_strict_csp(csp_server, csp_page):
    # /call-js-example-1's Convert Array calls convertArray from /js/convert-array.js.
    opened = open_csp(csp_page, csp_server.url, "/call-js-example-1")
    quote = "Can't stop the signal, Mal."
    csp_page.locator("button", has_text="Convert Array").click()
    csp_page.wait_for_function(
        "q => [...document.querySelectorAll('em')].some(e => e.textContent.trim() === q)", arg=quote
    )
    assert_only_inline_scripts_blocked(csp_page, opened)


def test_js_calls_swift_under_a_strict_csp(csp_server, csp_page):
    opened = open_csp(csp_page, csp_server.url, "/call-swift-example-1")
    assert value_of(csp_page, "return await Tether.invokeMethodAsync('Demo', 'Add', 2, 3);") == 5
    csp_page.click("#return-array")
    wait_text(csp_page, "#array-result", "[11,12,13]")
    assert_only_inline_scripts_blocked(csp_page, opened)


def test_modules_objects_and_initializers_under_a_strict_csp(csp_server, csp_page):
    opened = open_csp(csp_page, csp_server.url, "/js-objects")
    # Initializers: imported from /_tether/initializers' list, and afterStarted injects a script.
    wait_text(csp_page, "#initializer", "configured in beforeStart started")
    csp_page.wait_for_function("() => document.documentElement.dataset.initializerScript === 'ran'")
    # Swift imports an ES module and constructs an object through the runtime.
    csp_page.click("#import-module")
    wait_text(csp_page, "#module-result", "Hello from a module, Ada! loads=1")
    csp_page.click("#construct")
    csp_page.wait_for_function("() => document.querySelector('#object-result').textContent.startsWith('inc=6 ')")
    assert_only_inline_scripts_blocked(csp_page, opened)


def test_scripts_page_under_a_strict_csp(csp_server, csp_page):
    # The collocated module, a script the component injects, and <script> elements in component
    # markup, which the runtime must never try to run (so the policy never has to block them).
    opened = open_csp(csp_page, csp_server.url, "/scripts")
    wait_text(csp_page, "#collocated-module", "ran")
    wait_text(csp_page, "#external-script", "ran")
    csp_page.click("#insert-markup-script")
    csp_page.wait_for_selector("#markup-inserted")
    csp_page.click("#inject-script")
    wait_text(csp_page, "#injected-by-component", "ran")
    # The inline document scripts were blocked: what they would have written is missing.
    assert text(csp_page, "#head-script") == ""
    assert text(csp_page, "#body-script") == ""
    assert_only_inline_scripts_blocked(csp_page, opened)


def test_navigation_and_reconnect_under_a_strict_csp(csp_server, csp_page):
    opened = open_csp(csp_page, csp_server.url, "/counter")
    csp_page.click("#increment")
    wait_text(csp_page, "#count", "1")
    # The reconnect UI is built by the runtime (no inline script or handler attributes).
    csp_page.evaluate("Tether.circuit.socket.close()")
    csp_page.wait_for_function("() => Tether.circuit.state === 'open'")
    csp_page.click("#increment")
    wait_text(csp_page, "#count", "2")
    csp_page.click("nav.demo-nav a:text-is('Todos')")
    csp_page.wait_for_selector("#todo-count")
    assert_only_inline_scripts_blocked(csp_page, opened)
