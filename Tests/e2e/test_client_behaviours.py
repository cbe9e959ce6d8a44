"""/client and /counter: client commands (no round trip), the patcher keeping their effects,
loading, offline and dirty states, focus and scrolling from Swift, and the latency simulator.

* #menu-toggle toggles #menu (rendered hidden) and its own class `open`, in the browser alone.
* #highlight toggles `highlighted` on #panel, whose class the server owns (`panel renders-N`).
* #rerender sets aria-pressed on itself (client) and re-renders the panel (server), #renders.
* #focus-search-client focuses #search (client); #focus-search does it from Swift (ref.focus()).
* #scroll-far scrolls #far into view from Swift; #focus-unrendered reports the precise error in
  #reference-error.
* #save sleeps 1 s on the server: `loading` and `disabled` on itself, #saving shown, after 100 ms.
* #offline-banner shows while the circuit is dropped; #name is bound (on change), `dirty` while
  it holds text the server has not rendered back, and #name-unsaved shows meanwhile.
* /counter's #increment takes `loading` and aria-busy while a click is in flight over 200 ms.
"""

from component_support import open_page, text, wait_text
from conftest import wait_until
from interop_support import FrameRecorder


def open_client(server, page) -> None:
    open_page(page, server + "/client")


def has_class(page, selector: str, name: str) -> bool:
    return page.evaluate("([s, n]) => document.querySelector(s).classList.contains(n)", [selector, name])


def visible(page, selector: str) -> bool:
    return page.is_visible(selector)


def sent_events(recorder: FrameRecorder) -> list[str]:
    return [t for t in recorder.texts("sent") if '"ev"' in t]


# --- 7: client commands ------------------------------------------------------------------------


def test_client_commands_toggle_without_a_round_trip(server, page):
    recorder = FrameRecorder().attach(page)
    open_client(server, page)
    assert not visible(page, "#menu"), "the menu is rendered hidden"
    recorder.clear()
    page.click("#menu-toggle")
    assert visible(page, "#menu")
    assert has_class(page, "#menu-toggle", "open")
    page.click("#menu-toggle")
    assert not visible(page, "#menu")
    assert not has_class(page, "#menu-toggle", "open")
    page.click("#focus-search-client")
    assert page.evaluate("document.activeElement.id") == "search"
    page.wait_for_timeout(200)
    assert sent_events(recorder) == [], "client commands sent events to the server"


def test_client_commands_work_while_disconnected(server, page):
    open_client(server, page)
    page.evaluate("Tether.disconnect()")
    page.wait_for_function("() => document.documentElement.classList.contains('tether-disconnected')")
    # The reconnect overlay may cover the page; the click is dispatched on the element itself.
    page.evaluate("document.querySelector('#menu-toggle').click()")
    assert visible(page, "#menu")
    assert page.evaluate("Tether.reconnect()") is True


def test_dispatch_reaches_the_pages_own_listener(server, page):
    open_client(server, page)
    page.evaluate(
        """() => { window.__announced = [];
            document.addEventListener('demo:announce', (e) => window.__announced.push([e.target.id, e.detail])); }"""
    )
    page.click("#announce")
    assert page.evaluate("window.__announced") == [["panel", {"from": "client"}]]


def test_the_patcher_keeps_what_client_commands_did(server, page):
    open_client(server, page)
    page.click("#menu-toggle")
    page.click("#highlight")
    assert page.get_attribute("#panel", "class") == "panel renders-0 highlighted"
    # A server render of the panel rewrites its class; the class the page added stays, and the
    # menu the page showed stays shown.
    page.click("#rerender")
    wait_text(page, "#renders", "1")
    assert page.get_attribute("#panel", "class") == "panel renders-1 highlighted"
    assert visible(page, "#menu")
    assert page.get_attribute("#rerender", "aria-pressed") == "true", "the command ran alongside the server handler"
    page.click("#highlight")
    page.click("#rerender")
    wait_text(page, "#renders", "2")
    assert page.get_attribute("#panel", "class") == "panel renders-2", "a class the page removed does not come back"


# --- 8: focus and scrolling from Swift -------------------------------------------------------


def test_focus_and_scroll_from_swift(server, page):
    open_client(server, page)
    page.click("#focus-search")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'search'")
    assert page.evaluate("window.scrollY") == 0
    page.click("#scroll-far")
    page.wait_for_function(
        """() => { const r = document.querySelector('#far').getBoundingClientRect();
                   return r.top >= 0 && r.bottom <= window.innerHeight; }"""
    )
    assert page.evaluate("window.scrollY") > 1000


def test_focus_on_a_reference_never_rendered_is_a_precise_error(server, page):
    open_client(server, page)
    page.click("#focus-unrendered")
    wait_until(page, lambda: text(page, "#reference-error") != "", "the error shows")
    assert text(page, "#reference-error").startswith(
        "ElementReference.focus(): the element has not been rendered in a live circuit yet"
    )


# --- 6: loading, offline and dirty -------------------------------------------------------------


def test_loading_state_of_a_slow_handler(server, page):
    open_client(server, page)
    assert not visible(page, "#saving")
    page.click("#save")
    page.wait_for_function("() => document.querySelector('#save').classList.contains('loading')")
    assert page.get_attribute("#save", "disabled") == ""
    assert visible(page, "#saving")
    wait_text(page, "#saves", "1")
    page.wait_for_function("() => !document.querySelector('#save').classList.contains('loading')")
    assert page.get_attribute("#save", "disabled") is None
    assert not visible(page, "#saving")


def test_root_class_and_offline_banner_follow_the_connection(server, page):
    open_client(server, page)
    classes = page.evaluate("[...document.documentElement.classList]")
    assert "tether-connected" in classes and "tether-disconnected" not in classes
    assert not visible(page, "#offline-banner")
    page.evaluate("Tether.disconnect()")
    page.wait_for_function("() => document.documentElement.classList.contains('tether-disconnected')")
    assert not page.evaluate("document.documentElement.classList.contains('tether-connected')")
    assert visible(page, "#offline-banner")
    assert page.evaluate("Tether.reconnect()") is True
    page.wait_for_function("() => document.documentElement.classList.contains('tether-connected')")
    assert not visible(page, "#offline-banner")


def test_dirty_until_the_server_renders_the_value_back(server, page):
    open_client(server, page)
    assert not has_class(page, "#name", "dirty")
    assert not visible(page, "#name-unsaved")
    page.fill("#name", "Grace")
    assert has_class(page, "#name", "dirty"), "typed, and bound on change: the server has not seen it"
    assert visible(page, "#name-unsaved")
    page.press("#name", "Tab")  # change: the value goes to the server
    wait_text(page, "#name-saved", "Grace")
    page.wait_for_function("() => !document.querySelector('#name').classList.contains('dirty')")
    assert not visible(page, "#name-unsaved")


# --- 12: the latency simulator, and /counter's loading state -----------------------------------


def test_counter_loading_state_under_simulated_latency(server, page):
    open_page(page, server + "/counter")
    page.evaluate("Tether.enableLatencySim(300)")
    started = page.evaluate("performance.now()")
    page.click("#increment")
    page.wait_for_function("() => document.querySelector('#increment').classList.contains('loading')")
    assert page.get_attribute("#increment", "aria-busy") == "true"
    assert text(page, "#count") == "0", "the loading state shows before the server's answer"
    wait_text(page, "#count", "1")
    page.wait_for_function("() => !document.querySelector('#increment').classList.contains('loading')")
    assert page.get_attribute("#increment", "aria-busy") is None
    took = page.evaluate("performance.now()") - started
    assert took >= 600, f"a round trip at 300 ms each way took only {took:.0f} ms"
    page.evaluate("Tether.disableLatencySim()")
    started = page.evaluate("performance.now()")
    page.click("#increment")
    wait_text(page, "#count", "2")
    assert not has_class(page, "#increment", "loading"), "a quick click never shows the loading state"


def test_latency_sim_keeps_order_and_checks_its_argument(server, page):
    open_page(page, server + "/counter")
    error = page.evaluate("() => { try { Tether.enableLatencySim(-5); return null; } catch (e) { return e.name + ': ' + e.message; } }")
    assert error == "TypeError: Tether.enableLatencySim(ms) needs a number of milliseconds from 0 to 60000, got -5"
    page.evaluate("Tether.enableLatencySim(150)")
    page.evaluate("() => { for (let i = 0; i < 5; i++) document.querySelector('#increment').click(); }")
    wait_text(page, "#count", "5")
    page.evaluate("Tether.disableLatencySim()")
