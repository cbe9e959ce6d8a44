"""/shared: state shared without stateHasChanged(), through Observation.

* #shared-count is the app's SharedCounter, a service registered on the app and injected with
  @Inject(\\.sharedCounter); #shared-increment adds one. Every circuit that shows it re-renders
  when any circuit clicks, though it sent no event itself. The session server keeps the count
  across tests, so each test starts from what the page shows.
* Two sibling components, #left-half and #right-half, each read one property of one @Observable
  model the page owns; #left-add and #right-add (the page's own buttons) change one property.
  Each half shows how many times its body ran (#left-renders, #right-renders).
* Home's Ticker (#ticks) is an @Observable component whose launched loop only increments a
  property (test_layout_lifecycle.py counts its seconds).
"""

from component_support import open_page, text, wait_text
from conftest import fetch_html


def count(page) -> int:
    return int(text(page, "#shared-count"))


def test_a_click_in_one_tab_updates_another(server, page, new_page):
    open_page(page, server + "/shared")
    other = new_page()
    open_page(other, server + "/shared")
    start = count(page)
    assert count(other) == start

    page.click("#shared-increment")
    wait_text(page, "#shared-count", str(start + 1))
    wait_text(other, "#shared-count", str(start + 1))

    other.click("#shared-increment")
    wait_text(page, "#shared-count", str(start + 2))
    wait_text(other, "#shared-count", str(start + 2))


def test_the_prerendered_page_shows_the_shared_count(server, page):
    open_page(page, server + "/shared")
    start = count(page)
    page.click("#shared-increment")
    wait_text(page, "#shared-count", str(start + 1))
    # The same service instance serves prerendering: a GET, with no circuit, shows the count.
    html = fetch_html(server + "/shared")
    shown = int(html.split('<span id="shared-count">', 1)[1].split("<", 1)[0])
    assert shown >= start + 1, f"the prerendered count is {shown}, below the {start + 1} the circuit shows"


def test_only_the_half_that_read_the_change_renders(server, page):
    open_page(page, server + "/shared")
    left_renders = int(text(page, "#left-renders"))
    right_renders = int(text(page, "#right-renders"))

    page.click("#left-add")
    wait_text(page, "#left-value", "1")
    wait_text(page, "#left-renders", str(left_renders + 1))
    page.click("#left-add")
    wait_text(page, "#left-value", "2")
    assert text(page, "#right-renders") == str(right_renders), "the right half rendered though it read nothing that changed"

    page.click("#right-add")
    wait_text(page, "#right-value", "1")
    wait_text(page, "#right-renders", str(right_renders + 1))
    assert text(page, "#left-renders") == str(left_renders + 2)
