"""/interop-parity in Chromium: every row of Blazor's interop that Tether matches, run for real."""
from conftest import wait_ready

CHECKS = [
    "swift-ref-back", "swift-ref-arg", "js-ref", "js-ref-param", "nested-stream", "dispose-swift",
    "global-values", "case-insensitive", "ordered-json",
]


def test_every_interop_parity_check_passes_in_the_browser(server, page):
    page.goto(server + "/interop-parity")
    wait_ready(page)
    page.click("#run-all")
    page.wait_for_function(
        "ids => ids.every(id => document.getElementById('result-' + id).textContent !== '')", arg=CHECKS)
    results = {check: page.inner_text(f"#result-{check}") for check in CHECKS}
    assert results == {check: "ok" for check in CHECKS}, results
