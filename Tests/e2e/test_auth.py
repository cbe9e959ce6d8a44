"""Signed-in users in a real browser: the demo embeds Tether in an app with hummingbird-auth
sessions. /account is for signed-in users only; /login posts to the app's own /auth/login route,
which sets an HTTP-only, SameSite=Lax session cookie; /auth/logout ends the session's circuits.
The demo's user is `demo`, password `tether-demo` (README, "Signed-in users").
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import wait_ready

USER, PASSWORD = "demo", "tether-demo"


def sign_in(page, server: str, password: str = PASSWORD, then: str = "/account") -> None:
    page.goto(f"{server}/login?returnUrl={then}")
    wait_ready(page)
    page.fill("#username", USER)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("#sign-in")


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/account")
    assert re.search(r"/login\?returnUrl=/account$", page.url), page.url
    wait_ready(page)
    assert page.is_visible("#sign-in-link"), "the navigation offers to sign in"
    page.fill("#username", USER)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("#sign-in")
    assert page.url == server + "/account"
    wait_ready(page)
    assert page.text_content("#account-name") == "Demo User"
    assert page.text_content("#signed-in-as") == "Demo User", "AuthorizeView in the layout shows who is signed in"
    # The circuit serves the signed-in page: events work.
    page.fill("#note", "only mine")
    page.click("#save-note")
    page.wait_for_function("document.querySelector('#saves').textContent === '1'")
    cookie = next(c for c in context.cookies() if c["name"] == "SESSION_ID")
    assert cookie["httpOnly"], "scripts cannot read the session cookie"
    assert cookie["sameSite"] == "Lax"
    context.close()


def test_a_wrong_password_returns_to_the_form(server, browser):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, password="wrong")
    assert "/login?error=1" in page.url
    wait_ready(page)
    assert page.is_visible("#login-error")
    assert not [c for c in context.cookies() if c["name"] == "SESSION_ID"], "no session for a failed sign-in"
    context.close()


@pytest.mark.expect_console_error(r"another session")
def test_a_descriptor_replayed_from_another_browser_context_is_refused(server, browser):
    owner = browser.new_context()
    mine = owner.new_page()
    sign_in(mine, server)
    wait_ready(mine)
    stolen = mine.get_attribute("#tether-root", "data-tether-descriptor")
    assert stolen

    # Another browser, not signed in, opens a page of the same site whose descriptor is swapped for
    # the stolen one as soon as #tether-root is parsed, before the runtime reads it: its circuit
    # start carries the signed-in page's descriptor with this browser's own cookies.
    thief = browser.new_context()
    thief.add_init_script(
        "new MutationObserver(() => {"
        "  const root = document.getElementById('tether-root');"
        "  if (root && !root.__swapped) { root.__swapped = true; root.setAttribute('data-tether-descriptor', "
        + json.dumps(stolen)
        + "); }"
        "}).observe(document, { subtree: true, childList: true });"
    )
    page = thief.new_page()
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    page.goto(server + "/counter")
    page.wait_for_function("() => document.documentElement.classList.contains('tether-disconnected')")
    assert any("belongs to another session" in f for f in frames), frames
    owner.close()
    thief.close()


def test_signing_out_ends_the_sessions_circuits(server, browser):
    context = browser.new_context()
    account = context.new_page()
    sign_in(account, server)
    wait_ready(account)
    account.evaluate("window.__sameDocument = true")

    # Another tab of the same browser signs out.
    other = context.new_page()
    other.goto(server + "/account")
    wait_ready(other)
    with other.expect_navigation():
        other.click("#sign-out")
    assert other.url == server + "/"

    # The first tab's circuit was ended: the page reloads, and the server now sends it to sign in.
    account.wait_for_url(re.compile(r"/login\?returnUrl=/account$"), timeout=15_000)
    wait_ready(account)
    assert account.evaluate("window.__sameDocument === undefined"), "a new document, not the old circuit"
    assert account.is_visible("#sign-in-link")
    context.close()
