"""/virtualize and /grid: long lists of which only the rows in view are in the DOM.

/virtualize: #rows is a 420 px scroll container over 100,000 rows of 30 px, overscan 5; each row
is div#row-<n> "Row <n>". /grid: #people is a paged DataGrid (10 rows a page) over 10,000
generated people, sortable by #, Name, City and Age; #people-virtual is the same data
virtualized, 32 px rows in a 360 px container #people-virtual-rows, each row div#person-<n>.
"""

from component_support import open_page, text, wait_text

ROW_HEIGHT = 30
ROWS = 100_000
VIEWPORT = 420
OVERSCAN = 5
# The rows a window may hold: those in view, one partly shown at each edge, and the overscan.
MAX_RENDERED = VIEWPORT // ROW_HEIGHT + 2 + 2 * OVERSCAN


def rendered_rows(page, selector: str = "#rows .virtual-row") -> int:
    return page.evaluate("(s) => document.querySelectorAll(s).length", selector)


def scroll_to(page, container: str, top: int) -> None:
    page.evaluate("([s, top]) => { document.querySelector(s).scrollTop = top; }", [container, top])


def test_scroll_to_row_50000_and_read_it(server, page):
    open_page(page, server + "/virtualize")
    wait_text(page, "#row-0", "Row 0")
    # The scrollbar is true to the whole list: spacers plus rows make 100,000 rows of 30 px.
    assert page.evaluate("() => document.querySelector('#rows').scrollHeight") == ROWS * ROW_HEIGHT
    assert page.evaluate("() => document.querySelector('#rows').clientHeight") == VIEWPORT
    assert rendered_rows(page) <= MAX_RENDERED

    scroll_to(page, "#rows", 50_000 * ROW_HEIGHT)
    wait_text(page, "#row-50000", "Row 50000")
    page.wait_for_function("() => !document.querySelector('#rows .placeholder')")
    # Row 50,000 is at the top of the view, and only the window is in the DOM.
    offset = page.evaluate(
        """() => document.querySelector('#row-50000').getBoundingClientRect().top
                 - document.querySelector('#rows').getBoundingClientRect().top"""
    )
    assert abs(offset) < 1, f"row 50000 should be at the top of the view, it is {offset} px down"
    assert 0 < rendered_rows(page) <= MAX_RENDERED
    assert page.evaluate("() => document.querySelector('#rows').scrollHeight") == ROWS * ROW_HEIGHT
    assert page.evaluate("() => document.querySelector('#rows').scrollTop") == 50_000 * ROW_HEIGHT
    assert text(page, "#row-49995") == "Row 49995"
    assert page.evaluate("() => document.querySelector('#row-49000')") is None


def test_scroll_to_the_end_and_back(server, page):
    open_page(page, server + "/virtualize")
    wait_text(page, "#row-0", "Row 0")
    scroll_to(page, "#rows", ROWS * ROW_HEIGHT)
    wait_text(page, "#row-99999", "Row 99999")
    assert rendered_rows(page) <= MAX_RENDERED
    # A short scroll in small steps, as a wheel gives: each window arrives.
    for top in range(1000 * ROW_HEIGHT, 1000 * ROW_HEIGHT + 600, 60):
        scroll_to(page, "#rows", top)
        page.wait_for_timeout(20)
    wait_text(page, "#row-1019", "Row 1019")
    scroll_to(page, "#rows", 0)
    wait_text(page, "#row-0", "Row 0")
    assert page.evaluate("() => document.querySelector('#rows').scrollHeight") == ROWS * ROW_HEIGHT


def test_virtualize_after_in_circuit_navigation(server, page):
    # Reached by a nav link, the list is rendered by the live circuit, not a prerender.
    open_page(page, server + "/")
    page.click("nav.demo-nav a:text-is('Virtualize')")
    wait_text(page, "#row-0", "Row 0")
    scroll_to(page, "#rows", 70_000 * ROW_HEIGHT)
    wait_text(page, "#row-70000", "Row 70000")
    assert rendered_rows(page) <= MAX_RENDERED


def first_cells(page, column: int) -> list[str]:
    return page.evaluate(
        "(c) => [...document.querySelectorAll('#people tbody tr')].map(r => r.cells[c].textContent.trim())", column
    )


def wait_first_cell(page, column: int, expected: str) -> None:
    page.wait_for_function(
        "([c, want]) => { const r = document.querySelector('#people tbody tr'); return !!r && r.cells[c].textContent.trim() === want; }",
        arg=[column, expected],
    )


def wait_sorted(page, header: str, direction: str) -> None:
    page.wait_for_function(
        "([h, d]) => document.querySelector(h)?.getAttribute('aria-sort') === d", arg=[header, direction]
    )


def test_grid_sorts_on_header_clicks(server, page):
    open_page(page, server + "/grid")
    wait_text(page, "#people .tether-grid-page", "Page 1 of 1000")
    assert len(first_cells(page, 0)) == 10
    assert first_cells(page, 0)[:3] == ["0", "1", "2"]
    age_header = "#people th:has(button[data-column='Age'])"
    assert page.get_attribute(age_header, "aria-sort") == "none"

    page.click("#people button[data-column='Age']")
    wait_sorted(page, age_header, "ascending")
    # The first row was 18 unsorted too; the rest of the page tells the sort.
    assert first_cells(page, 3) == ["18"] * 10
    assert text(page, "#people button[data-column='Age'] .tether-grid-sort-indicator") == "▲"

    page.click("#people button[data-column='Age']")
    wait_sorted(page, age_header, "descending")
    assert first_cells(page, 3) == ["87"] * 10
    assert text(page, "#people button[data-column='Age'] .tether-grid-sort-indicator") == "▼"

    # Another column sorts by itself, ascending, and the Age column is no longer sorted.
    page.click("#people button[data-column='City']")
    wait_sorted(page, "#people th:has(button[data-column='City'])", "ascending")
    assert page.get_attribute(age_header, "aria-sort") == "none"
    assert first_cells(page, 2) == ["Accra"] * 10


def test_grid_pages(server, page):
    open_page(page, server + "/grid")
    wait_text(page, "#people .tether-grid-page", "Page 1 of 1000")
    assert page.is_disabled("#people .tether-grid-prev")
    page.click("#people .tether-grid-next")
    wait_text(page, "#people .tether-grid-page", "Page 2 of 1000")
    assert first_cells(page, 0)[0] == "10"
    page.click("#people .tether-grid-next")
    wait_text(page, "#people .tether-grid-page", "Page 3 of 1000")
    assert first_cells(page, 0)[0] == "20"
    page.click("#people .tether-grid-prev")
    wait_text(page, "#people .tether-grid-page", "Page 2 of 1000")
    assert first_cells(page, 0)[0] == "10"
    # Sorting goes back to the first page of the new order.
    page.click("#people button[data-column='number']")
    page.click("#people button[data-column='number']")
    wait_first_cell(page, 0, "9999")
    assert text(page, "#people .tether-grid-page") == "Page 1 of 1000"


def test_virtualized_grid_scrolls_to_row_5000(server, page):
    open_page(page, server + "/grid")
    wait_text(page, "#person-0 [role=gridcell]", "0")
    container = "#people-virtual-rows"
    assert page.evaluate("(s) => document.querySelector(s).scrollHeight", container) == 10_000 * 32
    scroll_to(page, container, 5_000 * 32)
    page.wait_for_selector("#person-5000")
    assert rendered_rows(page, "#people-virtual .tether-grid-row") <= 360 // 32 + 2 + 2 * 5
    # Sorting restarts the list from the top in the new order.
    page.click("#people-virtual button[data-column='number']")
    page.click("#people-virtual button[data-column='number']")
    page.wait_for_selector("#person-9999")
    assert page.get_attribute("#people-virtual [role=columnheader]:has(button[data-column='number'])", "aria-sort") == "descending"
