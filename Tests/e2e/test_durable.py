"""Durable circuits in a real browser: the state a page shows survives a kill -9, a SIGTERM, a
pause and a hidden tab, and bad rows or a wrong secret are handled as the README promises.

Each test starts its own tether-demo with a SQLite store (conftest's DemoServer gives each
server a file of its own, kept across stop and start). The page is /durable: a count, a draft
bound on input and a list; #started-from says whether its state was restored.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import pytest

from conftest import DemoServer, wait_ready

# Every attempt against a server that is down is a refused socket, which Chromium logs.
EXPECT_REFUSED_SOCKETS = pytest.mark.expect_console_error(
    r"^WebSocket connection to 'ws://127\.0\.0\.1:\d+/_tether/circuit\?circuit=\w+' failed: "
    r"Error in connection establishment: net::ERR_CONNECTION_REFUSED$"
)

RECORD_EVENTS = """(() => {
    window.__events = [];
    for (const name of ['reconnect-show', 'reconnect-retrying', 'reconnect-resuming', 'reconnect-hide',
                        'reconnect-failed', 'reconnect-rejected', 'paused', 'resumed']) {
        document.addEventListener('tether:' + name, () => window.__events.push(name));
    }
})();"""


def open_durable(page, server: DemoServer) -> None:
    page.add_init_script(RECORD_EVENTS)
    page.goto(server.url + "/durable")
    wait_ready(page)
    # Gone if the page reloads: every resume below must happen in this same document.
    page.evaluate("window.__sameDocument = true")


def click_to(page, n: int) -> None:
    for i in range(1, n + 1):
        page.click("#increment")
        page.wait_for_function(f"document.querySelector('#count').textContent === '{i}'")


def saved_snapshot(server: DemoServer, circuit_id: str) -> str | None:
    """The snapshot the store holds for the circuit, read from the SQLite file as any reader can."""
    if not server.store_path.exists():
        return None
    db = sqlite3.connect(f"file:{server.store_path}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT snapshot FROM tether_circuits WHERE id = ?", (circuit_id,)).fetchall()
    except sqlite3.OperationalError:
        return None  # the server is still creating its table
    finally:
        db.close()
    return bytes(rows[0][0]).decode() if rows else None


def wait_saved(server: DemoServer, circuit_id: str, fragment: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snapshot = saved_snapshot(server, circuit_id)
        if snapshot and fragment in snapshot:
            return
        time.sleep(0.05)
    raise AssertionError(f"the store never held {fragment!r} for {circuit_id}: {saved_snapshot(server, circuit_id)!r}")


def circuit_id(page) -> str:
    return page.evaluate("Tether.circuit.circuitId")


def wait_restored(page, count: str, timeout_ms: int = 15_000) -> None:
    page.wait_for_function(
        f"document.querySelector('#started-from').textContent === 'restored' && "
        f"document.querySelector('#count').textContent === '{count}'",
        timeout=timeout_ms,
    )


def log_since(server: DemoServer, offset: int) -> str:
    with open(server.log_path, "rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")


def log_size(server: DemoServer) -> int:
    return Path(server.log_path).stat().st_size


@EXPECT_REFUSED_SOCKETS
def test_kill_9_then_restart_resumes_the_page_with_its_state(page):
    with DemoServer("durable-kill", {}) as server:
        open_durable(page, server)
        click_to(page, 3)
        page.fill("#draft", "half a thought")
        page.click("#add")
        page.fill("#draft", "still typing")
        cid = circuit_id(page)
        # The store has it within persistInterval (1 s): what a kill -9 can lose at most.
        wait_saved(server, cid, '"draft":"still typing"')

        server.kill()
        server.start()
        listening = time.monotonic()
        wait_restored(page, "3")
        resumed_after = time.monotonic() - listening
        print(f"resumed {resumed_after:.2f} s after the restarted server answered")
        assert page.evaluate("window.__sameDocument === true"), "the page reloaded instead of resuming"
        assert page.input_value("#draft") == "still typing"
        assert page.locator("#items li").all_text_contents() == ["half a thought"]
        events = page.evaluate("window.__events")
        assert "reconnect-failed" not in events and "reconnect-rejected" not in events, events
        assert "reconnect-hide" in events, events

        page.click("#increment")
        page.wait_for_function("document.querySelector('#count').textContent === '4'")
        assert "circuit restored" in log_since(server, server.log_offset)


def test_sigterm_drains_and_the_page_resumes_on_the_next_process(page):
    with DemoServer("durable-term", {}) as server:
        open_durable(page, server)
        click_to(page, 2)
        page.fill("#draft", "typed just before the deploy")
        offset = log_size(server)
        # No wait for the store here: a drain saves what the page shows, however recent.
        stopping = time.monotonic()
        server.stop(signal.SIGTERM)
        print(f"SIGTERM to exit: {time.monotonic() - stopping:.2f} s")
        assert "drained: every circuit is saved" in log_since(server, offset)
        page.wait_for_function("window.__events.includes('reconnect-resuming')")
        server.start()
        wait_restored(page, "2")
        assert page.input_value("#draft") == "typed just before the deploy"
        assert page.evaluate("window.__sameDocument === true")
        events = page.evaluate("window.__events")
        assert "reconnect-failed" not in events, events
        page.click("#increment")
        page.wait_for_function("document.querySelector('#count').textContent === '3'")


def test_pause_frees_the_circuit_and_resume_rebuilds_it(page):
    with DemoServer("durable-pause", {}) as server:
        open_durable(page, server)
        click_to(page, 2)
        offset = log_size(server)
        assert page.evaluate("Tether.pause()") is True
        assert page.evaluate("Tether.circuit.state") == "paused"
        assert "held=0" in wait_for_log(server, offset, "circuit paused")
        # Nothing shows a lost connection: the page paused on purpose.
        assert not page.is_visible("#tether-reconnect-modal")

        assert page.evaluate("Tether.resume()") is True
        wait_restored(page, "2")
        assert page.evaluate("window.__events").count("resumed") == 1
        page.click("#increment")
        page.wait_for_function("document.querySelector('#count').textContent === '3'")


HIDE = """() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    Object.defineProperty(document, 'hidden', { value: true, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
}"""

SHOW = """() => {
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
    Object.defineProperty(document, 'hidden', { value: false, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
}"""


def wait_for_log(server: DemoServer, offset: int, needle: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log_since(server, offset).splitlines():
            if needle in line:
                return line
        time.sleep(0.05)
    raise AssertionError(f"no {needle!r} in the server log: {log_since(server, offset)[-2000:]}")


def test_a_hidden_tab_pauses_on_its_own_and_resumes_when_shown(page):
    with DemoServer("durable-autopause", {}) as server:
        open_durable(page, server)
        click_to(page, 1)
        page.evaluate("Tether.options.autoPause = { hiddenDelay: 300 }")
        offset = log_size(server)
        page.evaluate(HIDE)
        page.wait_for_function("Tether.circuit.state === 'paused'", timeout=10_000)
        line = wait_for_log(server, offset, "circuit paused")
        assert "freed=true" in line and "held=0" in line, line

        page.evaluate(SHOW)
        wait_restored(page, "1")
        page.click("#increment")
        page.wait_for_function("document.querySelector('#count').textContent === '2'")


def test_a_hidden_tab_with_a_call_in_flight_does_not_pause(page):
    with DemoServer("durable-busy", {}) as server:
        open_durable(page, server)
        page.evaluate("Tether.options.autoPause = { hiddenDelay: 200 }")
        # A JS→Swift call that takes a while: the demo's InvokeJS awaits a JS promise we hold open.
        page.evaluate("""() => {
            window.__release = null;
            window.slowAnswer = () => new Promise((resolve) => { window.__release = resolve; });
            window.__call = Tether.invokeMethodAsync('Demo', 'InvokeJS', 'slowAnswer', [], 30000);
        }""")
        page.wait_for_function("window.__release !== null")
        page.evaluate(HIDE)
        page.wait_for_timeout(800)
        assert page.evaluate("Tether.circuit.state") == "open", "a tab with a call in flight must not pause"
        page.evaluate("window.__release(42)")
        assert page.evaluate("window.__call") == 42
        page.wait_for_function("Tether.circuit.state === 'paused'", timeout=10_000)


def rewrite_row(server: DemoServer, cid: str, **columns) -> None:
    db = sqlite3.connect(server.store_path)
    try:
        with db:
            for column, value in columns.items():
                db.execute(f"UPDATE tether_circuits SET {column} = ? WHERE id = ?", (value, cid))
        assert db.total_changes >= 1, f"no row for {cid}"
    finally:
        db.close()


@EXPECT_REFUSED_SOCKETS
@pytest.mark.parametrize(
    "change, warning",
    [
        ({"snapshot": b"{not json"}, "the saved circuit did not restore; its page starts fresh"),
        ({"format_version": 0}, "format version is 0"),
        ({"snapshot": b'{"components":{"DurablePage":{"count":"three","draft":"x"}}}'}, "key=DurablePage.count"),
    ],
    ids=["corrupt-row", "old-format", "changed-type"],
)
def test_a_row_that_does_not_restore_starts_fresh_with_a_warning(page, change, warning):
    with DemoServer("durable-bad-row", {}) as server:
        open_durable(page, server)
        click_to(page, 2)
        cid = circuit_id(page)
        wait_saved(server, cid, '"count":2')
        server.kill()
        rewrite_row(server, cid, **change)
        server.start()
        page.wait_for_function(
            "document.querySelector('#started-from').textContent === 'fresh' && "
            "document.querySelector('#count').textContent === '0' && Tether.circuit.state === 'open'",
            timeout=15_000,
        )
        assert page.evaluate("window.__sameDocument === true")
        log = log_since(server, server.log_offset)
        assert warning in log, log[-3000:]
        page.click("#increment")
        page.wait_for_function("document.querySelector('#count').textContent === '1'")


@EXPECT_REFUSED_SOCKETS
def test_a_wrong_secret_is_refused_after_a_restart(page):
    with DemoServer("durable-wrong-secret", {}) as server:
        open_durable(page, server)
        click_to(page, 1)
        cid = circuit_id(page)
        wait_saved(server, cid, '"count":1')
        server.kill()
        page.evaluate("Tether.circuit.secret = Tether.circuit.secret + 'x'")
        server.start()
        page.wait_for_function("window.__events.includes('reconnect-rejected')", timeout=15_000)
        assert "tether-reconnect-rejected" in page.get_attribute("#tether-reconnect-modal", "class")
        assert "refused a resume" in log_since(server, server.log_offset)
        # The refusal changed nothing in the store.
        assert saved_snapshot(server, cid) is not None
