"""/scripts: where scripts run and where they don't.

Scripts in the document's head and at the end of its body run, inline and external; a
component's collocated module (/_content/DemoApp/ScriptsPage.js) is imported through the JS
runtime and runs once; a script the component adds through JS after start runs. A <script>
element in component markup, or inside a MarkupString, is never executed (as in Blazor).
"""

from __future__ import annotations

import pytest

from conftest import wait_ready


def text(page, selector: str) -> str:
    return (page.text_content(selector) or "").strip()


def barrier(page) -> None:
    """Clicks #inject-script and waits for its result. Events are handled in order and renders
    applied in order, so every render the circuit sent before has been applied by then."""
    page.click("#inject-script")
    wait_text(page, "#injected-by-component", "ran")


def wait_text(page, selector: str, expected: str) -> None:
    try:
        page.wait_for_function(
            "([s, t]) => { const el = document.querySelector(s); return !!el && el.textContent.trim() === t; }",
            arg=[selector, expected],
        )
    except Exception:
        raise AssertionError(f"{selector} never read {expected!r}; it reads {text(page, selector)!r}") from None


@pytest.mark.parametrize(
    "selector", ["#head-script", "#body-script", "#external-script", "#collocated-module"]
)
def test_each_kind_of_script_ran(server, page, selector):
    page.goto(server + "/scripts")
    wait_ready(page)
    wait_text(page, selector, "ran")


def test_all_four_scripts_ran_once(server, page):
    page.goto(server + "/scripts")
    wait_ready(page)
    wait_text(page, "#collocated-module", "ran")
    got = {s: text(page, s) for s in ("#head-script", "#body-script", "#external-script", "#collocated-module")}
    assert got == {s: "ran" for s in got}, got


def test_head_and_body_scripts_survive_the_circuit_taking_over(server, page):
    # The circuit's renders must not wipe what the document scripts wrote into the prerendered
    # page: let every render sent so far land, then look again.
    page.goto(server + "/scripts")
    wait_ready(page)
    wait_text(page, "#collocated-module", "ran")
    barrier(page)
    assert text(page, "#head-script") == "ran"
    assert text(page, "#body-script") == "ran"
    assert text(page, "#external-script") == "ran"


def test_collocated_module_is_served_from_library_content(server, page):
    module_requests: list[str] = []
    page.on("request", lambda r: module_requests.append(r.url) if r.url.endswith("/ScriptsPage.js") else None)
    page.goto(server + "/scripts")
    wait_ready(page)
    wait_text(page, "#collocated-module", "ran")
    assert any(u.endswith("/_content/DemoApp/ScriptsPage.js") for u in module_requests), module_requests


def test_script_injected_by_component_runs(server, page):
    page.goto(server + "/scripts")
    wait_ready(page)
    wait_text(page, "#collocated-module", "ran")
    assert text(page, "#injected-by-component") == ""
    page.click("#inject-script")
    wait_text(page, "#injected-by-component", "ran")
    assert page.evaluate("typeof window.injectedScriptStatus") == "function"


def test_script_element_in_component_markup_does_not_run(server, page):
    page.goto(server + "/scripts")
    wait_ready(page)
    wait_text(page, "#collocated-module", "ran")
    # An executable inline script runs the moment it is inserted, and #collocated-module is the
    # page's last render after start: had the <script> been made to run, it would have by now.
    assert page.evaluate("document.documentElement.dataset.componentScript") is None, (
        "the <script> in ScriptsPage's markup ran"
    )


def test_script_in_inserted_markup_string_does_not_run(server, page):
    page.goto(server + "/scripts")
    wait_ready(page)
    wait_text(page, "#collocated-module", "ran")
    assert page.query_selector("#markup-inserted") is None
    page.click("#insert-markup-script")
    page.wait_for_selector("#markup-inserted")
    assert text(page, "#markup-inserted") == "inserted"
    # The <script> was inserted with the span before it; an inline script runs on insertion.
    state = page.evaluate(
        """() => ({
            markup: document.documentElement.dataset.markupScript,
            component: document.documentElement.dataset.componentScript,
        })"""
    )
    assert state == {"markup": None, "component": None}, f"a script in component markup ran: {state}"
    # Nor after another render of the page.
    page.click("#insert-markup-script")
    barrier(page)
    assert page.evaluate("document.documentElement.dataset.markupScript") is None


def test_scripts_in_markup_do_not_run_after_in_circuit_navigation(server, page):
    # Arriving at /scripts by a link inside the circuit inserts the page as markup: its
    # <script> element still must not run, and the collocated module still loads.
    page.goto(server + "/")
    wait_ready(page)
    page.click("nav a[href='/scripts']")
    page.wait_for_url("**/scripts")
    wait_text(page, "#collocated-module", "ran")
    # As above: an inline script runs on insertion, and this is the page's last render.
    assert page.evaluate("document.documentElement.dataset.componentScript") is None, (
        "the <script> in ScriptsPage's markup ran when the page was patched in"
    )
