"""Hibernation in a real browser: an idle circuit drops its components and keeps its socket, and
the next click revives it without a reload or a new WebSocket.

Each test starts its own tether-demo with TETHER_HIBERNATE_AFTER_SECONDS=0.5, so a page idle
for half a second hibernates. The server's /metrics says when it did
(`tether_circuit_hibernations_total`, `tether_circuits_hibernated`) and when it woke
(`tether_circuit_revivals_total`).
"""

from __future__ import annotations

import time
import urllib.request

from component_support import mark_document, open_page, same_document, text, wait_text
from conftest import DemoServer

HIBERNATE_ENV = {"TETHER_HIBERNATE_AFTER_SECONDS": "0.5"}


def metric(server: DemoServer, name: str) -> float:
    """The sum of every series of `name` in the server's /metrics."""
    with urllib.request.urlopen(server.url + "/metrics", timeout=5) as response:
        lines = response.read().decode().splitlines()
    total = 0.0
    for line in lines:
        if line.startswith(name) and line[len(name):len(name) + 1] in (" ", "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def wait_metric(server: DemoServer, name: str, at_least: float, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while metric(server, name) < at_least:
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} stayed at {metric(server, name)}, below {at_least}, for {timeout_s} s")
        time.sleep(0.05)


def record_sockets(page) -> list[str]:
    opened: list[str] = []
    page.on("websocket", lambda socket: opened.append(socket.url))
    return opened


def test_counter_keeps_its_count_across_hibernation(page):
    with DemoServer("hibernate-counter", HIBERNATE_ENV) as server:
        sockets = record_sockets(page)
        open_page(page, server.url + "/counter")
        mark_document(page)
        for expected in ("1", "2"):
            page.click("#increment")
            wait_text(page, "#count", expected)
        wait_metric(server, "tether_circuits_hibernated", 1)
        assert metric(server, "tether_circuit_hibernations_total") >= 1
        assert text(page, "#count") == "2", "hibernating changes nothing on the page"

        page.click("#increment")
        wait_text(page, "#count", "3")
        assert metric(server, "tether_circuit_revivals_total") >= 1
        # Once more: it hibernates again and wakes again.
        wait_metric(server, "tether_circuit_hibernations_total", 2)
        page.click("#increment")
        wait_text(page, "#count", "4")
        assert page.title() == "Counter (4)"
        assert same_document(page), "the page was not reloaded"
        assert len(sockets) == 1, f"one WebSocket for the whole test, not {sockets}"


def test_form_keeps_what_was_typed_across_hibernation(page):
    with DemoServer("hibernate-form", HIBERNATE_ENV) as server:
        sockets = record_sockets(page)
        open_page(page, server.url + "/form")
        mark_document(page)
        page.fill("#name", "Ada")
        page.fill("#age", "36")
        page.check("#agree")
        page.select_option("#color", "blue")
        # Hibernating now, after the last edit: the form's own state is what the snapshot holds.
        wait_metric(server, "tether_circuits_hibernated", 1)
        assert page.input_value("#name") == "Ada"

        page.click("#submit")
        wait_text(page, "#submitted", '{"age":36,"agree":true,"color":"blue","name":"Ada"}')
        assert metric(server, "tether_circuit_revivals_total") >= 1
        assert same_document(page)
        assert len(sockets) == 1, f"one WebSocket for the whole test, not {sockets}"


def test_state_that_would_be_lost_keeps_the_circuit_awake(page):
    """The form's validation messages are not persisted: a circuit showing them does not
    hibernate (its snapshot would render the page without them), and they stay."""
    with DemoServer("hibernate-validation", HIBERNATE_ENV) as server:
        open_page(page, server.url + "/form")
        page.click("#submit")
        wait_text(page, "[data-field='name']", "Name is required.")
        time.sleep(2.0)
        assert metric(server, "tether_circuit_hibernations_total") == 0
        page.fill("#name", "Ada")
        page.wait_for_function("() => !document.querySelector(\"[data-field='name']\")?.textContent.trim()")
        assert text(page, "[data-field='age']") == "Age must be a number."


def test_a_page_reached_by_a_link_hibernates_and_keeps_working(page):
    """After a link click inside the circuit, the form's components are numbered after the
    counter's; the revived circuit keeps those numbers, so the page's handlers still reach them."""
    with DemoServer("hibernate-navigated", HIBERNATE_ENV) as server:
        sockets = record_sockets(page)
        open_page(page, server.url + "/counter")
        mark_document(page)
        page.click("#increment")
        wait_text(page, "#count", "1")
        page.click("nav.demo-nav a[href='/form']")
        page.wait_for_selector("#demo-form")
        page.fill("#name", "Grace")
        page.fill("#age", "85")
        page.check("#agree")
        # Hibernating now, after the last edit: the form's own state is what the snapshot holds.
        wait_metric(server, "tether_circuits_hibernated", 1)
        page.click("#submit")
        wait_text(page, "#submitted", '{"age":85,"agree":true,"color":"red","name":"Grace"}')
        assert metric(server, "tether_circuit_revivals_total") >= 1
        assert same_document(page)
        assert len(sockets) == 1, f"one WebSocket for the whole test, not {sockets}"
