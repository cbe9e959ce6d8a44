"""Inner case for test_harness_gates.py: the session's server dies after the last test's checks
and before the harness stops it, as a crash at the very end would. The test passes; the run
must not."""

import signal

import pytest

from conftest import wait_ready


@pytest.fixture(scope="session")
def dies_at_the_end(demo_server):
    yield
    # Torn down before demo_server (which it depends on): the process dies on its own.
    demo_server.proc.send_signal(signal.SIGKILL)
    demo_server.proc.wait(timeout=10)


def test_passes(server, page, dies_at_the_end):
    page.goto(server + "/counter")
    wait_ready(page)
