"""Reconnection: when the circuit's socket drops, the runtime retries and resumes the same
circuit, whose state the server kept; render batches sent while the page was away are replayed.

The default UI is #tether-reconnect-modal. Every state change sets one class on it
(tether-reconnect-show, -retrying, -failed, -rejected, -hide) and dispatches a CustomEvent of
the same name with a "tether:" prefix on document. Tether.disconnect() closes the socket with no
automatic retry (the server keeps the circuit); Tether.reconnect() tries once to resume and
resolves true, or false when the circuit is gone (rejected, with a Reload button).
Tether.circuit.socket.close() stands in for a dropped connection (auto-retry follows).

Expiry and "server down" need a server of their own: the tests here start the tether-demo
binary on a free port (TETHER_CIRCUIT_RETENTION_SECONDS=1 for expiry) and stop it by pid. Those
servers save nothing (TETHER_STORE=none): these tests are about a circuit that lives only in the
memory of one process. What a store adds is in test_durable.py.
"""

from __future__ import annotations

import signal
from typing import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import DemoServer, wait_ready

STATES = ("show", "retrying", "hide", "failed", "rejected")

# Before any page script: record every reconnect event with the modal's class and visibility
# at that moment (the runtime sets the class before it dispatches the event).
RECORD_RECONNECT_EVENTS = """(() => {
    window.__reconnect = [];
    for (const state of %s) {
        document.addEventListener('tether:reconnect-' + state, (e) => {
            const modal = document.getElementById('tether-reconnect-modal');
            window.__reconnect.push({
                state,
                detail: e.detail || null,
                modalClass: modal ? modal.className : null,
                modalVisible: !!modal && getComputedStyle(modal).display !== 'none',
                htmlDisconnected: document.documentElement.classList.contains('tether-disconnected'),
                at: performance.now(),
            });
        });
    }
})();""" % (list(STATES),)


# --------------------------------------------------------------------------- helpers


def record_reconnect_events(page) -> None:
    page.add_init_script(script=RECORD_RECONNECT_EVENTS)


def reconnect_events(page) -> list[dict]:
    return page.evaluate("window.__reconnect || []")


def event_states(page) -> list[str]:
    return [e["state"] for e in reconnect_events(page)]


def record_sockets(page) -> list[str]:
    urls: list[str] = []
    page.on("websocket", lambda ws: urls.append(ws.url))
    return urls


def wait_event(page, state: str, timeout_ms: int = 10_000) -> None:
    try:
        page.wait_for_function(
            "s => (window.__reconnect || []).some(e => e.state === s)", arg=state, timeout=timeout_ms
        )
    except Exception:
        raise AssertionError(
            f"no tether:reconnect-{state} within {timeout_ms} ms; events so far: {event_states(page)}"
        ) from None


def call(page, expression: str, timeout_ms: int = 10_000):
    """Awaits a Promise-valued expression in the page, failing (not hanging) after timeout_ms."""
    return page.evaluate(
        """([expr, ms]) => Promise.race([
               (0, eval)(expr),
               new Promise((_, reject) => setTimeout(
                   () => reject(new Error(`${expr} did not settle within ${ms} ms`)), ms)),
           ])""",
        [expression, timeout_ms],
    )


def count(page) -> str:
    return page.text_content("#count").strip()


def wait_count(page, expected: str) -> None:
    try:
        page.wait_for_function(
            "n => document.querySelector('#count').textContent.trim() === n", arg=expected
        )
    except Exception:
        raise AssertionError(f"#count never read {expected!r}; it reads {count(page)!r}") from None


def click_to(page, n: int) -> None:
    for i in range(int(count(page)) + 1, n + 1):
        page.click("#increment")
        wait_count(page, str(i))


def record_count_values(page) -> None:
    """From now on, window.__countValues lists every text #count takes."""
    page.evaluate(
        """() => {
            const el = document.querySelector('#count');
            window.__countValues = [];
            new MutationObserver(() => window.__countValues.push(el.textContent.trim()))
                .observe(el, { childList: true, characterData: true, subtree: true });
        }"""
    )


def ticks(page) -> int:
    return int(page.text_content("#ticks").strip())


def modal_class(page) -> str | None:
    return page.evaluate("document.getElementById('tether-reconnect-modal')?.className ?? null")


def modal_button_visible(page, which: str) -> bool:
    el = page.query_selector(f"#tether-reconnect-modal .tether-reconnect-{which}")
    return bool(el and el.is_visible())


# --------------------------------------------------------------------------- own servers


@pytest.fixture(scope="module")
def short_retention_server() -> Iterator[DemoServer]:
    with DemoServer("retention-1s", {"TETHER_CIRCUIT_RETENTION_SECONDS": "1", "TETHER_STORE": "none"}) as server:
        yield server


@pytest.fixture
def doomed_server() -> Iterator[DemoServer]:
    """A server the test stops partway through."""
    with DemoServer("doomed", {"TETHER_STORE": "none"}) as server:
        yield server


# --------------------------------------------------------------------------- dropped socket


def test_dropped_socket_reconnects_to_the_same_circuit(server, page):
    record_reconnect_events(page)
    sockets = record_sockets(page)
    page.goto(server + "/counter")
    wait_ready(page)
    click_to(page, 3)
    circuit_id = page.evaluate("Tether.circuit.circuitId")
    assert circuit_id, "the circuit has no id after start"

    page.evaluate("Tether.circuit.socket.close()")
    wait_event(page, "hide")

    events = reconnect_events(page)
    assert [e["state"] for e in events][:3] == ["show", "retrying", "hide"], events
    assert [e["state"] for e in events].count("hide") == 1, events
    show, retrying, hide = events[:3]
    assert "tether-reconnect-show" in show["modalClass"].split(), show
    assert show["modalVisible"], f"the modal was not visible in the show state: {show}"
    assert show["htmlDisconnected"], "<html> lacked tether-disconnected while disconnected"
    assert "tether-reconnect-retrying" in retrying["modalClass"].split(), retrying
    assert retrying["detail"]["attempt"] == 1, retrying
    assert hide["modalClass"].split() == ["tether-reconnect-hide"], (
        f"exactly one state class at a time; after reconnect: {hide['modalClass']!r}"
    )
    assert not hide["modalVisible"], "the modal is still visible after the reconnect"

    assert page.evaluate("document.documentElement.classList.contains('tether-disconnected')") is False
    assert len(sockets) == 2, f"expected the first socket and one resumed socket: {sockets}"
    assert page.evaluate("Tether.circuit.circuitId") == circuit_id, "a new circuit was started instead"
    # The prerender chose the id, and both sockets name it, so a proxy that hashes on the query
    # (nginx: hash $arg_circuit) sends the start and the resume to the node that holds the circuit.
    assert page.get_attribute("#tether-root", "data-tether-circuit") == circuit_id
    routed = [parse_qs(urlparse(url).query).get("circuit") for url in sockets]
    assert routed == [[circuit_id], [circuit_id]], f"the socket URLs do not name circuit {circuit_id}: {sockets}"

    # Same circuit, state intact: the count is still 3 and the next click gives 4.
    assert count(page) == "3"
    page.click("#increment")
    wait_count(page, "4")


def test_a_second_drop_reconnects_again(server, page):
    record_reconnect_events(page)
    page.goto(server + "/counter")
    wait_ready(page)
    click_to(page, 1)
    for expected in ("2", "3"):
        before = len(event_states(page))
        page.evaluate("Tether.circuit.socket.close()")
        page.wait_for_function(
            "n => (window.__reconnect || []).slice(n).some(e => e.state === 'hide')", arg=before
        )
        page.click("#increment")
        wait_count(page, expected)
    assert event_states(page) == ["show", "retrying", "hide"] * 2, event_states(page)


def test_click_while_disconnected_is_delivered_once_after_the_resume(server, page):
    # A message posted while the socket is down waits in the runtime's outbox, which is sent
    # as soon as the resumed circuit is configured: the click lands after the resume, once.
    page.goto(server + "/counter")
    wait_ready(page)
    click_to(page, 2)
    page.evaluate("Tether.disconnect()")
    page.wait_for_function("Tether.circuit.state === 'disconnected'")
    page.click("#increment")
    assert page.evaluate("Tether.circuit.outbox.length") == 1, "the click was not kept for the resume"
    assert count(page) == "2", "a click was applied while disconnected"
    record_count_values(page)
    assert call(page, "Tether.reconnect()") is True
    wait_count(page, "3")
    # Two more clicks: events are handled in order, so a duplicate of the queued click would
    # show up in between, as a value skipped or repeated.
    for expected in ("4", "5"):
        page.click("#increment")
        wait_count(page, expected)
    values = page.evaluate("window.__countValues")
    assert values == ["3", "4", "5"], f"#count took the values {values} after the resume"


# --------------------------------------------------------------------------- deliberate disconnect


def test_disconnect_then_reconnect_replays_missed_batches(server, page):
    record_reconnect_events(page)
    sockets = record_sockets(page)
    page.goto(server + "/")
    wait_ready(page)
    page.wait_for_function("Number(document.querySelector('#ticks').textContent) >= 1")

    page.evaluate("Tether.disconnect()")
    page.wait_for_function("Tether.circuit.state === 'disconnected'")
    t0 = ticks(page)
    # Time for the server to tick (once a second) at least twice while the page is away; it is
    # also the bounded wait that shows nothing arrives meanwhile.
    page.wait_for_timeout(2500)

    # While disconnected nothing arrives, and a deliberate disconnect starts no retries.
    assert ticks(page) == t0, "#ticks changed while the page was disconnected"
    assert len(sockets) == 1, f"Tether.disconnect() was followed by automatic reconnects: {sockets}"
    assert event_states(page) == [], f"a deliberate disconnect showed reconnect UI: {event_states(page)}"

    # Watch every value #ticks takes from now on.
    page.evaluate(
        """() => {
            const el = document.querySelector('#ticks');
            window.__tickValues = [];
            new MutationObserver(() => window.__tickValues.push(Number(el.textContent)))
                .observe(el, { childList: true, characterData: true, subtree: true });
        }"""
    )
    assert call(page, "Tether.reconnect()") is True

    # The server kept ticking: the missed batches are replayed at once, not one a second, so
    # #ticks gains two in less time than the ticker needs for one.
    try:
        page.wait_for_function("n => Number(document.querySelector('#ticks').textContent) >= n", arg=t0 + 2, timeout=900)
    except Exception:
        raise AssertionError(
            f"#ticks went from {t0} to {ticks(page)} only; the batches missed in 2.5 s were not replayed"
        ) from None
    t1 = ticks(page)
    values = page.evaluate("window.__tickValues")
    assert values == sorted(set(values)), f"#ticks went backwards or repeated while replaying: {values}"
    assert len(sockets) == 2, sockets
    assert event_states(page) == ["hide"], event_states(page)

    # And it goes on ticking live.
    page.wait_for_function("n => Number(document.querySelector('#ticks').textContent) > n", arg=t1, timeout=3_000)


def test_reconnect_right_after_disconnect(server, page):
    # Tether.disconnect() and Tether.reconnect() in the same turn: reconnect must not report
    # success for the socket that is still closing, and the circuit must end up connected.
    page.goto(server + "/counter")
    wait_ready(page)
    click_to(page, 2)
    ok = call(page, "(() => { Tether.disconnect(); return Tether.reconnect(); })()")
    assert ok is True, f"Tether.reconnect() right after disconnect resolved {ok!r}"
    # Resolving true means the resumed socket is configured: the circuit is connected now.
    state = page.evaluate("Tether.circuit.state")
    assert state == "open", (
        f"Tether.reconnect() resolved true but the circuit is not connected: {state}"
    )
    page.click("#increment")
    wait_count(page, "3")


def test_reconnect_when_connected_is_a_no_op(server, page):
    sockets = record_sockets(page)
    page.goto(server + "/counter")
    wait_ready(page)
    assert call(page, "Tether.reconnect()") is True
    page.click("#increment")
    wait_count(page, "1")
    # A socket reconnect() opened would have been created before it resolved, so its websocket
    # event has reached Python by the time the click's round trip is done.
    assert len(sockets) == 1, f"reconnect() on a live circuit opened another socket: {sockets}"


# --------------------------------------------------------------------------- expired circuit


def test_expired_circuit_is_rejected_with_reload(short_retention_server, page):
    record_reconnect_events(page)
    base = short_retention_server.url
    page.goto(base + "/counter")
    wait_ready(page)
    click_to(page, 2)

    page.evaluate("Tether.disconnect()")
    # The server drops the circuit 1 s (its retention) after the socket closed, on a timer of its
    # own that the page cannot observe without resuming the circuit: wait past it, with margin.
    page.wait_for_timeout(2500)
    assert call(page, "Tether.reconnect()") is False, "a circuit past its retention was resumed"

    wait_event(page, "rejected")
    cls = (modal_class(page) or "").split()
    assert "tether-reconnect-rejected" in cls, f"modal class: {cls}"
    assert [c for c in cls if c.startswith("tether-reconnect-")] == ["tether-reconnect-rejected"], cls
    assert page.is_visible("#tether-reconnect-modal")
    assert modal_button_visible(page, "reload"), "no visible Reload button in the rejected state"
    assert not modal_button_visible(page, "retry"), "Retry cannot help a rejected circuit"
    assert "hide" not in event_states(page)

    # Reload starts afresh: a new circuit, count 0, working.
    page.click("#tether-reconnect-modal .tether-reconnect-reload")
    page.wait_for_load_state("load")
    wait_ready(page)
    wait_count(page, "0")
    page.click("#increment")
    wait_count(page, "1")


def test_circuit_within_retention_still_resumes(short_retention_server, page):
    # The control for the test above: the same server resumes a circuit within its 1 s.
    page.goto(short_retention_server.url + "/counter")
    wait_ready(page)
    click_to(page, 2)
    page.evaluate("Tether.disconnect()")
    page.wait_for_function("Tether.circuit.state === 'disconnected'")
    assert call(page, "Tether.reconnect()") is True
    assert count(page) == "2"
    page.click("#increment")
    wait_count(page, "3")


# --------------------------------------------------------------------------- server down


def _start_manual_page(page, base: str) -> list[str]:
    record_reconnect_events(page)
    sockets = record_sockets(page)
    page.goto(base + "/manual-start.html")
    page.wait_for_function("document.getElementById('status').textContent === 'connected'")
    click_to(page, 1)
    return sockets


def _close_socket_if_open(page) -> None:
    page.evaluate(
        "() => { const s = Tether.circuit.socket; if (s && s.readyState <= 1) s.close(); }"
    )


# Every retry against a server that is gone is a refused socket, which Chromium logs.
EXPECT_REFUSED_SOCKETS = pytest.mark.expect_console_error(
    r"^WebSocket connection to 'ws://127\.0\.0\.1:\d+/_tether/circuit\?circuit=\w+&source=manual-start' failed: "
    r"Error in connection establishment: net::ERR_CONNECTION_REFUSED$"
)


@EXPECT_REFUSED_SOCKETS
def test_server_down_ends_in_failed(doomed_server, page):
    # /manual-start.html starts with reconnectionOptions {maxRetries: 3, retryIntervalMilliseconds: 200}.
    sockets = _start_manual_page(page, doomed_server.url)
    doomed_server.kill()
    _close_socket_if_open(page)

    wait_event(page, "failed", timeout_ms=10_000)
    events = reconnect_events(page)
    states = [e["state"] for e in events]
    assert states == ["show", "retrying", "retrying", "retrying", "failed"], states
    assert [e["detail"]["attempt"] for e in events if e["state"] == "retrying"] == [1, 2, 3], events
    assert all(e["detail"]["maxRetries"] == 3 for e in events if e["state"] == "retrying"), events
    # 200 ms between attempts, as configured (generous bounds: the attempts themselves take time).
    times = [e["at"] for e in events]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(g >= 150 for g in gaps[:3]), f"retries came faster than every 200 ms: {gaps}"

    cls = (modal_class(page) or "").split()
    assert [c for c in cls if c.startswith("tether-reconnect-")] == ["tether-reconnect-failed"], cls
    assert page.is_visible("#tether-reconnect-modal")
    assert modal_button_visible(page, "retry"), "no visible Retry button in the failed state"
    assert modal_button_visible(page, "reload"), "no visible Reload button in the failed state"
    assert page.evaluate("document.documentElement.classList.contains('tether-disconnected')")

    # Every retry went through configureConnection too.
    assert len(sockets) == 4, f"expected the first socket and 3 retries: {sockets}"
    assert all("source=manual-start" in u for u in sockets), sockets

    # After failed the runtime gives up: no more attempts. Proving a negative takes a bounded
    # wait: five retry intervals of 200 ms.
    page.wait_for_timeout(1000)
    assert len(sockets) == 4, f"the runtime kept retrying after failed: {sockets}"
    assert event_states(page) == states


@EXPECT_REFUSED_SOCKETS
def test_server_shut_down_gracefully_ends_in_failed(doomed_server, page):
    # SIGTERM: the server says goodbye and closes the circuits; the page retries and gives up.
    _start_manual_page(page, doomed_server.url)
    doomed_server.stop(signal.SIGTERM)
    _close_socket_if_open(page)
    wait_event(page, "failed", timeout_ms=15_000)
    assert event_states(page)[0] == "show", event_states(page)
    assert "tether-reconnect-failed" in (modal_class(page) or "").split()


@EXPECT_REFUSED_SOCKETS
def test_manual_reconnect_while_server_down_tries_once(doomed_server, page):
    # The Retry button (Tether.reconnect()) makes one attempt: with the server still down it
    # resolves false and the modal stays failed, with no automatic retries behind it.
    sockets = _start_manual_page(page, doomed_server.url)
    doomed_server.kill()
    _close_socket_if_open(page)
    wait_event(page, "failed", timeout_ms=10_000)
    before_events = event_states(page)
    before_sockets = len(sockets)

    assert call(page, "Tether.reconnect()") is False
    # Nothing may follow on its own: a bounded wait of several retry intervals (200 ms) shows it.
    page.wait_for_timeout(1500)
    after = event_states(page)[len(before_events):]
    opened = len(sockets) - before_sockets
    assert (opened, after) == (1, ["failed"]), (
        f"Tether.reconnect() should make exactly one attempt and leave the modal failed; "
        f"it opened {opened} sockets and dispatched {after}"
    )
    assert "tether-reconnect-failed" in (modal_class(page) or "").split()


@EXPECT_REFUSED_SOCKETS
def test_retry_after_server_restart_is_rejected(doomed_server, page):
    # A restarted server has no memory of the circuit: Retry resolves false and the modal says
    # the session expired, with Reload.
    _start_manual_page(page, doomed_server.url)
    doomed_server.kill()
    _close_socket_if_open(page)
    wait_event(page, "failed", timeout_ms=10_000)

    restarted = DemoServer("restarted", {"TETHER_STORE": "none"})
    restarted.port = doomed_server.port
    restarted.url = doomed_server.url
    restarted.start()
    try:
        page.click("#tether-reconnect-modal .tether-reconnect-retry")
        wait_event(page, "rejected")
        cls = (modal_class(page) or "").split()
        assert [c for c in cls if c.startswith("tether-reconnect-")] == ["tether-reconnect-rejected"], cls
        assert modal_button_visible(page, "reload")
        assert not modal_button_visible(page, "retry")
    finally:
        restarted.stop()
