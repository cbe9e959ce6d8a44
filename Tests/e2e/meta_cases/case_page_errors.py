"""Inner cases for test_harness_gates.py: pages that throw or log errors. Not part of the normal
run (its python_files is test_*.py); the meta-tests run this file in a pytest of its own and
check which of these the harness fails, and why. Each test here notices nothing wrong itself."""

import pytest

from conftest import wait_ready

THROW_SOON = "(message) => { setTimeout(() => { throw new Error(message); }, 0); }"
# Lets the timer above fire before the test goes on.
A_MOMENT = "() => new Promise((resolve) => setTimeout(resolve, 50))"


def open_counter(server, page) -> None:
    page.goto(server + "/counter")
    wait_ready(page)
    page.click("#increment")
    page.wait_for_function("() => document.querySelector('#count').textContent.trim() === '1'")


def test_clean_page_passes(server, page):
    # Control: the demo's own console.error (the broken initializer) is on the allowlist.
    open_counter(server, page)


def test_uncaught_error_fails(server, page):
    open_counter(server, page)
    page.evaluate(THROW_SOON, "meta boom")
    page.evaluate(A_MOMENT)


def test_uncaught_error_in_a_second_page_fails(server, page, new_page):
    open_counter(server, page)
    other = new_page()
    open_counter(server, other)
    other.evaluate(THROW_SOON, "meta boom in a second page")
    other.evaluate(A_MOMENT)


def test_uncaught_error_in_a_context_the_test_opened_itself_fails(server, browser):
    context = browser.new_context()
    try:
        pg = context.new_page()
        open_counter(server, pg)
        pg.evaluate(THROW_SOON, "meta boom in a raw context")
        pg.evaluate(A_MOMENT)
    finally:
        context.close()


def test_undeclared_console_error_fails(server, page):
    open_counter(server, page)
    page.evaluate("() => console.error('meta undeclared error')")


@pytest.mark.expect_console_error(r"^meta declared error$")
def test_declared_console_error_passes(server, page):
    open_counter(server, page)
    page.evaluate("() => console.error('meta declared error')")


@pytest.mark.expect_console_error(r"^meta declared error$")
def test_a_declaration_allows_only_what_it_names(server, page):
    open_counter(server, page)
    page.evaluate("() => { console.error('meta declared error'); console.error('meta other error'); }")


def test_uncaught_error_fails_a_test_that_failed_anyway(server, page):
    open_counter(server, page)
    page.evaluate(THROW_SOON, "meta boom before a failure")
    page.evaluate(A_MOMENT)
    assert False, "meta: the test's own failure"
