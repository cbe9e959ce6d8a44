"""NavLink, PageTitle/HeadContent and AsyncContent in Chromium (issue 18, items 1, 2 and 5).

* DemoLayout's menu is made of NavLinks: the link of the current page has the class ``active``
  (Home by exact match, the others by prefix), and it follows navigation inside the circuit.
  /items/N adds an exact link to /items/1 and a prefix link to /items.
* /counter's title is ``Counter (N)``, prerendered and updated live; /items/N's is ``Item N``;
  /async sets ``Async content`` and a ``<meta name="description">`` marked ``data-tether-head``.
  A page without PageTitle shows the app's title, ``Tether demo``.
* /async: AsyncContent prerenders its loading state; the circuit loads (1 s) and fills in, a
  failing load shows its failure content, and one without failure content its ErrorBoundary's.
"""

from component_support import mark_document, open_page, same_document, text, wait_path, wait_text
from conftest import TIMEOUT_MS, fetch_html


def classes(page, selector: str) -> list[str]:
    return page.evaluate(
        "(s) => { const el = document.querySelector(s); return el ? [...el.classList] : null; }", selector
    )


def menu_link(title: str) -> str:
    return f"nav.demo-nav a:text-is('{title}')"


def active_menu_links(page) -> list[str]:
    return page.evaluate(
        "() => [...document.querySelectorAll('nav.demo-nav a.active')].map((a) => a.textContent.trim())"
    )


def wait_active_menu(page, expected: list[str]) -> None:
    try:
        page.wait_for_function(
            """(want) => JSON.stringify([...document.querySelectorAll('nav.demo-nav a.active')]
                   .map((a) => a.textContent.trim())) === JSON.stringify(want)""",
            arg=expected,
            timeout=TIMEOUT_MS,
        )
    except Exception:
        raise AssertionError(f"the active menu links should be {expected}; they are {active_menu_links(page)}") from None


def wait_title(page, expected: str) -> None:
    try:
        page.wait_for_function("(t) => document.title === t", arg=expected, timeout=TIMEOUT_MS)
    except Exception:
        raise AssertionError(f"document.title should become {expected!r}; it is {page.title()!r}") from None


def head_meta(page) -> list[dict]:
    return page.evaluate(
        """() => [...document.head.querySelectorAll('[data-tether-head]')]
               .map((el) => ({ tag: el.localName, name: el.getAttribute('name'), content: el.getAttribute('content') }))"""
    )


def test_menu_link_of_the_current_page_is_active_and_follows_navigation(server, page):
    open_page(page, server + "/counter")
    mark_document(page)
    assert active_menu_links(page) == ["Counter"], "prerendered and live, only the Counter link"
    assert page.get_attribute(menu_link("Counter"), "aria-current") == "page"
    page.click(menu_link("Item 1"))
    wait_path(page, "/items/1")
    wait_active_menu(page, ["Item 1"])
    assert "active" in classes(page, "#nav-items-prefix"), "/items is a prefix of /items/1"
    assert "active" in classes(page, "#nav-item-1-exact")
    page.click("#next-item")
    wait_path(page, "/items/2")
    wait_text(page, "#item-id", "2")
    wait_active_menu(page, [])
    assert "active" in classes(page, "#nav-items-prefix"), "/items is a prefix of /items/2"
    assert "active" not in classes(page, "#nav-item-1-exact"), "the exact link is not active at /items/2"
    page.click(menu_link("Home"))
    wait_path(page, "/")
    wait_active_menu(page, ["Home"])
    page.go_back()
    wait_path(page, "/items/2")
    wait_active_menu(page, [])
    assert same_document(page), "every navigation stayed in the circuit"


def test_home_link_is_exact_and_others_are_prefix(server, page):
    open_page(page, server + "/")
    assert active_menu_links(page) == ["Home"]
    open_page(page, server + "/items/1?highlight=x")
    assert active_menu_links(page) == ["Item 1"], "the query does not count"


def test_title_is_prerendered_and_follows_state_and_navigation(server, page):
    html = fetch_html(server + "/counter")
    assert "<title>Counter (0)</title>" in html, html[:400]
    open_page(page, server + "/counter")
    assert page.title() == "Counter (0)"
    page.click("#increment")
    wait_text(page, "#count", "1")
    wait_title(page, "Counter (1)")
    page.click(menu_link("Item 1"))
    wait_title(page, "Item 1")
    page.click("#next-item")
    wait_title(page, "Item 2")
    page.click(menu_link("Home"))
    wait_title(page, "Tether demo")


def test_head_content_is_prerendered_and_replaced_on_navigation(server, page):
    html = fetch_html(server + "/async")
    assert "<title>Async content</title>" in html
    assert '<meta name="description" content="Tether&#39;s async content demo" data-tether-head>' in html
    open_page(page, server + "/async")
    assert head_meta(page) == [{"tag": "meta", "name": "description", "content": "Tether's async content demo"}]
    page.click(menu_link("Counter"))
    wait_title(page, "Counter (0)")
    assert head_meta(page) == [], "the page's head elements leave with it"
    page.click(menu_link("Async"))
    wait_title(page, "Async content")
    assert head_meta(page) == [{"tag": "meta", "name": "description", "content": "Tether's async content demo"}]
    assert page.evaluate("() => document.head.querySelectorAll('title').length") == 1


def test_async_content_shows_loading_then_the_value(server, page):
    html = fetch_html(server + "/async")
    assert '<p id="slow-loading">Loading…</p>' in html, "the prerender does not wait for the load"
    assert 'id="slow-value"' not in html
    page.goto(server + "/async", wait_until="domcontentloaded")
    # Watches for the loading state coming back after the value: a second, visible load.
    page.evaluate(
        """() => {
            window.__sawValue = false; window.__loadingAgain = false;
            new MutationObserver(() => {
                if (document.querySelector('#slow-value')) window.__sawValue = true;
                else if (window.__sawValue && document.querySelector('#slow-loading')) window.__loadingAgain = true;
            }).observe(document.body, { childList: true, subtree: true });
        }"""
    )
    assert text(page, "#slow-loading") == "Loading…"
    wait_text(page, "#slow-value", "Loaded: 42", timeout_ms=TIMEOUT_MS + 1000)
    assert text(page, "#slow-loading") == ""
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__loadingAgain") is False, "the loading state came back after the value"
    assert text(page, "#slow-value") == "Loaded: 42"


def test_async_failures_show_failure_content_or_the_boundary(server, page):
    open_page(page, server + "/async")
    wait_text(page, "#failing-error", "Could not load: load failed: the service is down")
    wait_text(page, "#bounded-fallback", "The boundary caught: load failed: no failure content here")
    assert text(page, "#failing-loading") == ""
    # The circuit lives on: the page still navigates in it.
    mark_document(page)
    page.click(menu_link("Counter"))
    wait_path(page, "/counter")
    page.click("#increment")
    wait_text(page, "#count", "1")
    assert same_document(page)
