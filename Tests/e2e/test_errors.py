"""/error: an event handler that throws inside an error boundary.

#throw's handler throws; the ErrorBoundary around it shows its fallback #error-fallback instead of
its content. The rest of the page (#error-increment -> #error-count) keeps working, and the
circuit stays alive: no `fatal` message, no #tether-error-ui, no `tether-disconnected` class.
"""

from component_support import open_page, text, wait_text
from interop_support import FrameRecorder

CIRCUIT_STATE = """() => ({
    errorUi: (() => {
        const el = document.getElementById('tether-error-ui');
        return el ? getComputedStyle(el).display !== 'none' : false;
    })(),
    disconnected: document.documentElement.classList.contains('tether-disconnected'),
})"""


def test_throw_shows_the_fallback_and_the_page_keeps_working(server, page):
    frames = FrameRecorder().attach(page)
    open_page(page, server + "/error")
    assert page.locator("#error-fallback").count() == 0
    assert text(page, "#error-count") == "0"
    page.click("#error-increment")
    wait_text(page, "#error-count", "1")

    page.click("#throw")
    page.wait_for_selector("#error-fallback")
    assert text(page, "#error-fallback") == "Something went wrong: the button was told to throw"
    assert page.locator("#throw").count() == 0, "the boundary's failed content is still shown"
    # State outside the boundary survived the error.
    assert text(page, "#error-count") == "1"

    for expected in ("2", "3"):
        page.click("#error-increment")
        wait_text(page, "#error-count", expected)
    assert page.evaluate(CIRCUIT_STATE) == {"errorUi": False, "disconnected": False}
    fatal = [t for t in frames.texts("received") if '"fatal"' in t]
    assert fatal == [], f"the circuit was ended: {fatal}"


def test_other_pages_work_after_the_error(server, page):
    open_page(page, server + "/error")
    page.click("#throw")
    page.wait_for_selector("#error-fallback")
    page.click("nav.demo-nav a:text-is('Counter')")
    page.wait_for_selector("#count")
    page.click("#increment")
    wait_text(page, "#count", "1")
    # A fresh ErrorPage shows the boundary's content again.
    page.click("nav.demo-nav a:text-is('Errors')")
    page.wait_for_selector("#throw")
    assert page.locator("#error-fallback").count() == 0
    assert page.evaluate(CIRCUIT_STATE) == {"errorUi": False, "disconnected": False}
