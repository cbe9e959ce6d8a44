"""What a hostile client does, seen from a real page in Chromium: the page that loses its circuit
to another socket, or whose descriptor was already used, shows the server's precise reason and
does not retry; crafted event numbers are refused and the page keeps working; a URL with invalid
percent-encoding is a 400."""
import json
import re
import urllib.error
import urllib.request

import pytest
from websockets.sync.client import connect

from conftest import wait_ready, wait_until


def error_bar(page) -> str:
    page.wait_for_selector("#tether-error-ui", timeout=10_000)
    return page.inner_text("#tether-error-ui")


def record_sockets(page) -> list[str]:
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    return sockets


def resume_from_elsewhere(base: str, circuit_id: str, secret: str) -> dict:
    url = base.replace("http", "ws", 1) + "/_tether/circuit"
    with connect(url, open_timeout=10) as ws:
        ws.send(json.dumps([["resume", circuit_id, secret, 0]]))
        for _ in range(10):
            for message in json.loads(ws.recv(timeout=10)):
                if message[0] == "cfg":
                    return message[1]
    raise AssertionError("no cfg after the resume")


# Records how each of the page's sockets closed (code, reason), for the failure messages.
RECORD_CLOSES = """(() => {
    const Native = window.WebSocket;
    window.__closes = [];
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener('close', (e) => window.__closes.push([e.code, e.reason]));
        }
    };
})();"""


def test_a_page_whose_circuit_another_socket_resumed_shows_why_and_does_not_retry(server, page):
    sockets = record_sockets(page)
    page.add_init_script(script=RECORD_CLOSES)
    page.goto(server + "/counter")
    wait_ready(page)
    circuit_id = page.evaluate("Tether.circuit.circuitId")
    secret = page.evaluate("Tether.circuit.secret")
    settings = resume_from_elsewhere(server, circuit_id, secret)
    assert settings["circuitId"] == circuit_id
    assert settings["secret"] != secret, "a resume rotates the secret"
    page.wait_for_function("() => window.__closes.length >= 1")
    closes = page.evaluate("window.__closes")
    assert closes[0] == [4002, "Another connection resumed this circuit."], (
        f"the replaced page's socket should close with 4002 and the reason; its sockets closed with {closes}"
    )
    assert "Another connection resumed this circuit." in error_bar(page)
    page.wait_for_function("Tether.circuit.isClosed === true")
    # Proving that something does not happen takes a bounded wait: an automatic retry would
    # start within 0.5 s of the close (the first interval of the default reconnection options).
    page.wait_for_timeout(1500)
    assert len(sockets) == 1, f"a replaced page must not reconnect and take the circuit back: {sockets}"


def test_a_descriptor_starts_one_circuit_and_a_replay_is_told_why(server, new_page):
    first, second = new_page(), new_page()
    first.goto(server + "/counter")
    wait_ready(first)
    used = first.get_attribute("#tether-root", "data-tether-descriptor")
    # The second page swaps in the first one's descriptor before the runtime reads it (module
    # scripts run after the document turns interactive), as a replayed page would carry it.
    second.add_init_script(
        "document.addEventListener('readystatechange', () => {"
        " if (document.readyState === 'interactive')"
        f" document.getElementById('tether-root').setAttribute('data-tether-descriptor', {json.dumps(used)}); }});"
    )
    second.goto(server + "/counter")
    assert "already used" in error_bar(second)
    first.click("#increment")
    first.wait_for_function("document.getElementById('count').textContent === '1'")


@pytest.mark.expect_console_error(
    r"^\[tether\] server refused a message: event refused: malformed args for handler '[^']+': "
    r"event arg '(detail|button)' must be an integer between"
)
def test_event_numbers_past_int_are_refused_and_the_page_keeps_working(server, page):
    refusals: list[str] = []
    page.on("console", lambda m: refusals.append(m.text) if "server refused a message" in m.text else None)
    page.goto(server + "/counter")
    wait_ready(page)
    handler = page.get_attribute("#increment", "data-t-click").split(";")[0]
    page.evaluate(
        """(handler) => {
            Tether.circuit.post(['ev', handler, { type: 'click', detail: 1e19 }]);
            Tether.circuit.post(['ev', handler, { type: 'click', button: 9223372036854775807 }]);
        }""",
        handler,
    )
    page.click("#increment")
    page.wait_for_function("document.getElementById('count').textContent === '1'")
    # Each crafted event was refused, for its number; the real click after them counted once.
    wait_until(page, lambda: len(refusals) >= 2, "the server did not refuse both crafted events")
    assert [re.search(r"event arg '(\w+)' must be an integer", r).group(1) if "must be an integer" in r else r
            for r in refusals] == ["detail", "button"], refusals
    assert urllib.request.urlopen(server + "/counter").status == 200, "the server is alive"


def test_invalid_percent_encoding_is_a_400(server):
    try:
        urllib.request.urlopen(server + "/%ff")
        raise AssertionError("GET /%ff answered 2xx")
    except urllib.error.HTTPError as error:
        assert error.code == 400
