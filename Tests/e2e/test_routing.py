"""Routing: typed route parameters, 404s, and navigation inside the circuit.

ItemPage is /items/{id:int}: #item-id shows the id, ?highlight= shows in #item-highlight, and
#next-item links to the next id. A URL no page matches (including /items/abc, which fails the
int constraint) is answered 404 with the "Not found" page. Links of the app, back/forward and
NavigationManager.navigateTo (Home's #go-counter) change pages inside the circuit: the URL
changes through history.pushState, the document is not reloaded, and the shared layout's
nav.demo-nav is kept.
"""

import urllib.error
import urllib.request

import pytest

from component_support import current_path, mark_document, open_home, open_page, same_document, text, wait_path, wait_text
from conftest import fetch_html, wait_ready


def http_status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_home_is_served_with_200(server, page):
    status, body = http_status(server + "/")
    assert status == 200, f"GET / -> {status}, body starts {body[body.find('<h1>'):][:80]!r}"
    assert "<h1>Tether demo</h1>" in body and '<span id="theme">light</span>' in body
    open_page(page, server + "/")
    assert text(page, "h1") == "Tether demo"


def test_item_id_from_the_route(server, page):
    assert '<span id="item-id">42</span>' in fetch_html(server + "/items/42")
    open_page(page, server + "/items/42")
    assert text(page, "#item-id") == "42"
    assert page.locator("#item-highlight").count() == 0
    assert page.get_attribute("#next-item", "href") == "/items/43"


def test_query_parameter(server, page):
    open_page(page, server + "/items/42?highlight=yes")
    assert text(page, "#item-id") == "42"
    assert text(page, "#item-highlight") == "yes"


# Chromium logs a console error for any document answered with an error status.
EXPECT_404_IN_CONSOLE = pytest.mark.expect_console_error(
    r"^Failed to load resource: the server responded with a status of 404 \(Not Found\)$"
)


@EXPECT_404_IN_CONSOLE
@pytest.mark.parametrize("path", ["/items/abc", "/items/4.5", "/items/42/extra", "/no-such-page"])
def test_unmatched_url_is_404(server, page, path):
    status, body = http_status(server + path)
    assert status == 404, f"GET {path} -> {status}"
    assert "<h1>Not found</h1>" in body
    response = page.goto(server + path)
    assert response is not None and response.status == 404
    wait_ready(page)  # the not-found page is a live page too
    assert text(page, "h1") == "Not found"
    assert text(page, "#not-found") == f"There is no page at {path}."


def test_next_item_link_navigates_in_the_circuit(server, page):
    open_page(page, server + "/items/42")
    mark_document(page)
    page.click("#next-item")
    wait_path(page, "/items/43")
    wait_text(page, "#item-id", "43")
    assert page.get_attribute("#next-item", "href") == "/items/44"
    page.click("#next-item")
    wait_path(page, "/items/44")
    wait_text(page, "#item-id", "44")
    assert same_document(page), "following #next-item reloaded the page"


def test_query_change_in_the_circuit(server, page):
    open_page(page, server + "/items/7")
    mark_document(page)
    page.evaluate("() => Tether.navigateTo('/items/7?highlight=here')")
    wait_path(page, "/items/7?highlight=here")
    wait_text(page, "#item-highlight", "here")
    page.evaluate("() => Tether.navigateTo('/items/7')")
    wait_path(page, "/items/7")
    page.wait_for_function("() => !document.querySelector('#item-highlight')")
    assert same_document(page)


def test_nav_links_keep_the_layout(server, page):
    open_home(page, server)
    mark_document(page)
    page.evaluate(
        """() => {
            document.querySelector('nav.demo-nav').__kept = 1;
            document.querySelector('main#page').__kept = 1;
        }"""
    )
    for title, path, selector in [
        ("Counter", "/counter", "#count"),
        ("Todos", "/todos", "#todo-count"),
        ("Item 1", "/items/1", "#item-id"),
        ("Form", "/form", "#submit"),
        ("Home", "/", "#theme"),
    ]:
        page.click(f"nav.demo-nav a:text-is('{title}')")
        wait_path(page, path)
        page.wait_for_selector(selector)
        kept = page.evaluate(
            """() => ({
                nav: document.querySelector('nav.demo-nav').__kept === 1,
                main: document.querySelector('main#page').__kept === 1,
                navs: document.querySelectorAll('nav.demo-nav').length,
            })"""
        )
        assert kept == {"nav": True, "main": True, "navs": 1}, f"after clicking {title}: {kept}"
    assert same_document(page), "a nav link reloaded the page"
    # Pages are live after the in-circuit navigation.
    page.click("nav.demo-nav a:text-is('Counter')")
    wait_path(page, "/counter")
    wait_text(page, "#count", "0")
    page.click("#increment")
    wait_text(page, "#count", "1")


def test_back_and_forward(server, page):
    open_home(page, server)
    mark_document(page)
    page.click("nav.demo-nav a:text-is('Counter')")
    wait_path(page, "/counter")
    wait_text(page, "h1", "Counter")
    page.click("nav.demo-nav a:text-is('Item 1')")
    wait_path(page, "/items/1")
    wait_text(page, "#item-id", "1")
    page.click("#next-item")
    wait_path(page, "/items/2")
    wait_text(page, "#item-id", "2")

    steps = [
        ("back", "/items/1", "#item-id", "1"),
        ("back", "/counter", "h1", "Counter"),
        ("back", "/", "h1", "Tether demo"),
        ("forward", "/counter", "h1", "Counter"),
        ("forward", "/items/1", "#item-id", "1"),
        ("forward", "/items/2", "#item-id", "2"),
    ]
    for direction, path, selector, expected in steps:
        if direction == "back":
            page.go_back()
        else:
            page.go_forward()
        wait_path(page, path)
        wait_text(page, selector, expected)
        assert same_document(page), f"{direction} to {path} reloaded the page"
    # about:blank, /, /counter, /items/1, /items/2: back/forward pushed no entries of their own.
    assert page.evaluate("() => history.length") == 5


def test_go_counter_navigates_from_swift(server, page):
    open_home(page, server)
    mark_document(page)
    page.click("#go-counter")
    wait_path(page, "/counter")
    wait_text(page, "h1", "Counter")
    wait_text(page, "#count", "0")
    assert page.locator("#go-counter").count() == 0
    assert same_document(page), "#go-counter reloaded the page"
    # It pushed a history entry: back returns to Home, in the circuit.
    page.go_back()
    wait_path(page, "/")
    wait_text(page, "h1", "Tether demo")
    assert same_document(page)


@EXPECT_404_IN_CONSOLE
def test_in_circuit_navigation_to_an_unknown_url_loads_it(server, page):
    """A URL no page matches is not shown in the circuit: it is loaded in full (and is a 404)."""
    open_page(page, server + "/items/1")
    mark_document(page)
    statuses = []
    page.on("response", lambda r: statuses.append((r.url, r.status)) if "/no-such-page" in r.url else None)
    page.evaluate("() => Tether.navigateTo('/no-such-page')")
    wait_path(page, "/no-such-page")
    page.wait_for_load_state("load")
    wait_ready(page)
    wait_text(page, "h1", "Not found")
    assert not same_document(page)
    assert statuses == [(server + "/no-such-page", 404)]
    assert current_path(page) == "/no-such-page"
