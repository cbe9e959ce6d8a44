"""/chat: a room over the app's pub/sub (single node here; scripts/cluster's tests run it across
nodes behind nginx).

* #chat-name and #chat-text are bound inputs; #chat-send publishes {name, text, node} to the
  room's topic. Every page in the room, the sender's included, appends what the pub/sub delivers
  to #chat-messages: one <li> per message, "<name>: <text>", in the pub/sub's order.
* #chat-node shows the node that served the page (TETHER_NODE_NAME, or host:pid).
* A message over 500 characters is refused with a visible #chat-error, and sent to no one.
* The session server is shared, so each test sends texts of its own and looks only at those.
* With a PostgreSQL server (TETHER_TEST_POSTGRES_URL, from scripts/postgres), two demo processes
  on it chat through PostgresPubSub; without one that case is skipped, unless
  TETHER_REQUIRE_POSTGRES=1 makes it a failure.
"""

import os
import secrets
import uuid

import pytest
from playwright.sync_api import Page

from component_support import open_page, text
from conftest import TIMEOUT_MS, DemoServer


def lines(page: Page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('#chat-messages li')].map(li => li.textContent.trim())")


def wait_line(page: Page, expected: str) -> None:
    page.wait_for_function(
        "(want) => [...document.querySelectorAll('#chat-messages li')].some(li => li.textContent.trim() === want)",
        arg=expected,
        timeout=TIMEOUT_MS,
    )


def send(page: Page, name: str, message: str) -> None:
    page.fill("#chat-name", name)
    page.fill("#chat-text", message)
    page.click("#chat-send")


def test_two_pages_chat(server, page, new_page):
    tag = uuid.uuid4().hex[:8]
    open_page(page, server + "/chat")
    other = new_page()
    open_page(other, server + "/chat")
    assert text(page, "#chat-node"), "the page does not say which node served it"
    assert text(page, "#chat-node") == text(other, "#chat-node"), "one server, one node name"

    send(page, f"ana-{tag}", f"hello {tag}")
    wait_line(page, f"ana-{tag}: hello {tag}")
    wait_line(other, f"ana-{tag}: hello {tag}")
    # The text box is cleared once the message is sent.
    page.wait_for_function("() => document.querySelector('#chat-text').value === ''", timeout=TIMEOUT_MS)

    send(other, f"bo-{tag}", f"hi ana {tag}")
    send(page, f"ana-{tag}", f"how are you {tag}")
    for viewer in (page, other):
        wait_line(viewer, f"bo-{tag}: hi ana {tag}")
        wait_line(viewer, f"ana-{tag}: how are you {tag}")
    mine = [line for line in lines(page) if tag in line]
    theirs = [line for line in lines(other) if tag in line]
    assert mine == theirs, f"the pages list the room in different orders: {mine} vs {theirs}"
    assert len(mine) == 3
    assert mine[0] == f"ana-{tag}: hello {tag}"
    assert all(line.count(tag) == 2 for line in mine), "a message was shown twice or merged"


def test_a_page_that_joins_later_sees_messages_from_then_on(server, page, new_page):
    tag = uuid.uuid4().hex[:8]
    open_page(page, server + "/chat")
    send(page, "early", f"before {tag}")
    wait_line(page, f"early: before {tag}")
    late = new_page()
    open_page(late, server + "/chat")
    send(page, "early", f"after {tag}")
    wait_line(late, f"early: after {tag}")
    assert not any(f"before {tag}" in line for line in lines(late))


def test_a_message_over_the_limit_is_refused_visibly(server, page, new_page):
    tag = uuid.uuid4().hex[:8]
    open_page(page, server + "/chat")
    other = new_page()
    open_page(other, server + "/chat")
    too_long = tag + "x" * (501 - len(tag))
    send(page, "long", too_long)
    page.wait_for_selector("#chat-error", timeout=TIMEOUT_MS)
    assert text(page, "#chat-error") == "The message is 501 characters long; the limit is 500."
    # The refused text stays in the box to be shortened; the next message is sent, and clears the error.
    assert page.input_value("#chat-text") == too_long
    send(page, "long", f"short {tag}")
    wait_line(other, f"long: short {tag}")
    wait_line(page, f"long: short {tag}")
    page.wait_for_selector("#chat-error", state="detached", timeout=TIMEOUT_MS)
    assert not any(too_long in line for line in lines(other) + lines(page))


@pytest.fixture
def browser_gate_nodes(new_page):
    url = os.environ.get("TETHER_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("TETHER_REQUIRE_POSTGRES") == "1":
            pytest.fail("TETHER_REQUIRE_POSTGRES=1 but TETHER_TEST_POSTGRES_URL is not set")
        pytest.skip("TETHER_TEST_POSTGRES_URL is not set (scripts/postgres start DIR prints it)")
    names = [f"chat-node-{suffix}-{uuid.uuid4().hex[:4]}" for suffix in ("a", "b")]
    # Nodes of one cluster share their signing key; one with another key would refuse to start.
    key = secrets.token_hex(32)
    servers = [
        DemoServer(name, {"TETHER_POSTGRES_URL": url, "TETHER_NODE_NAME": name, "TETHER_SIGNING_KEY": key}) for name in names
    ]
    try:
        pages = []
        for server, name in zip(servers, names):
            server.start()
            page = new_page()
            open_page(page, server.url + "/chat")
            pages.append((page, name))
        yield pages
    finally:
        for server in servers:
            if server.proc is not None:
                server.stop()


def test_two_nodes_on_one_database_chat(browser_gate_nodes):
    """Two demo processes on one PostgreSQL database (TETHER_POSTGRES_URL): a message sent on one
    node appears on the other, and each page names its own node."""
    (page_a, node_a), (page_b, node_b) = browser_gate_nodes
    tag = uuid.uuid4().hex[:8]
    # Each page names the process that served it. (TETHER_NODE_NAME sets the name when the demo's
    # main reads it; until then it is host:pid, still one per process.)
    shown_a, shown_b = text(page_a, "#chat-node"), text(page_b, "#chat-node")
    assert shown_a and shown_b and shown_a != shown_b, f"node names {shown_a!r} and {shown_b!r}"
    assert {shown_a, shown_b} == {node_a, node_b} or not ({shown_a, shown_b} & {node_a, node_b})
    send(page_a, f"ana-{tag}", f"from a {tag}")
    wait_line(page_b, f"ana-{tag}: from a {tag}")
    wait_line(page_a, f"ana-{tag}: from a {tag}")
    send(page_b, f"bo-{tag}", f"from b {tag}")
    wait_line(page_a, f"bo-{tag}: from b {tag}")
    wait_line(page_b, f"bo-{tag}: from b {tag}")
    mine = [line for line in lines(page_a) if tag in line]
    theirs = [line for line in lines(page_b) if tag in line]
    assert mine == theirs == [f"ana-{tag}: from a {tag}", f"bo-{tag}: from b {tag}"]
