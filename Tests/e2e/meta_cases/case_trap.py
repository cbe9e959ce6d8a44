"""Inner cases for test_harness_gates.py: a demo server that traps in an event handler. Run in a
pytest of its own with TETHER_TEST_TRAPS=1 in its environment, so the session's server has the
/test/trap page too. Each test here passes as far as it can tell."""

import pytest

from conftest import DemoServer, wait_ready

# After the trap the page's retries find nothing listening.
pytestmark = pytest.mark.expect_console_error(r"^WebSocket connection to 'ws://127\.0\.0\.1:\d+/_tether/circuit\?circuit=\w+' failed")


def trap(page, base: str) -> None:
    page.goto(base + "/test/trap")
    wait_ready(page)
    page.click("#trap")
    # The socket closes once the process is gone (it prints a backtrace first).
    page.wait_for_function("() => Tether.circuit.isClosed === true", timeout=30_000)


@pytest.fixture
def trap_server():
    demo = DemoServer("meta-trap", {"TETHER_TEST_TRAPS": "1"}).start()
    try:
        yield demo
    finally:
        demo.stop()


def test_a_server_the_test_started_traps(trap_server, page):
    trap(page, trap_server.url)


def test_the_session_server_traps(server, page):
    trap(page, server)


def test_a_later_test_that_needs_the_session_server(server):
    pass
