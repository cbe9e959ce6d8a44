"""The prerender descriptor cannot be forged, altered or replayed after it expires.

A prerendered page's #tether-root carries data-tether-descriptor = base64url(JSON payload) + "." +
base64url(HMAC-SHA256 of the payload); the payload holds url, markupDigest and expires (seconds
since 1970). The runtime sends it in its first circuit message; the server verifies it and, if it
is refused, answers `fatal`, which the runtime shows in #tether-error-ui, and Tether.ready never
resolves.

The tests serve the real page through page.route with the descriptor modified, so everything
else (markup, runtime, circuit endpoint) is the real thing. The expiry test starts a second demo
server with TETHER_DESCRIPTOR_LIFETIME_SECONDS (read by Sources/Demo/main.swift).
"""

import base64
import json
import re
import time
import urllib.request

import pytest

from component_support import text, wait_text
from conftest import DemoServer, wait_ready
from interop_support import FrameRecorder

DESCRIPTOR = re.compile(r'data-tether-descriptor="([^"]*)"')
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def b64url_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url_encode(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def descriptor_of(html: str) -> str:
    m = DESCRIPTOR.search(html)
    assert m, "the page has no data-tether-descriptor"
    return m.group(1)


def payload_of(descriptor: str) -> dict:
    return json.loads(b64url_decode(descriptor.split(".")[0]))


def flip_signature(descriptor: str) -> str:
    payload, signature = descriptor.split(".")
    # The first character: all six of its bits are signature bits (the last one's are partly padding).
    c = signature[0]
    flipped = B64URL[(B64URL.index(c) + 1) % 64]
    return payload + "." + flipped + signature[1:]


def alter_payload(descriptor: str, old: str, new: str) -> str:
    payload, signature = descriptor.split(".")
    raw = b64url_decode(payload).decode()
    assert old in raw, f"{old!r} not in the payload {raw}"
    return b64url_encode(raw.replace(old, new, 1).encode()) + "." + signature


def allow_local_network(page, base_url: str) -> None:
    """A document fulfilled by page.route has no IP address, so Chromium's Local Network Access
    checks treat it as public and block its WebSocket to 127.0.0.1
    (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS). Grant the permission a user would."""
    page.context.grant_permissions(["local-network-access"], origin=base_url)


def serve_with_descriptor(page, base_url: str, path: str, change) -> dict:
    """Routes GETs of `path` to the real server and replaces the descriptor by change(descriptor).
    Returns a dict that receives the original and the served descriptor."""
    allow_local_network(page, base_url)
    seen = {}

    def handler(route):
        response = route.fetch()
        body = response.text()
        original = descriptor_of(body)
        served = change(original)
        seen["original"], seen["served"] = original, served
        route.fulfill(response=response, body=body.replace(original, served, 1))

    page.route("**" + path, handler)
    return seen


READY_STATE = """(ms) => Promise.race([
    window.Tether.ready.then(() => 'resolved'),
    new Promise(r => setTimeout(() => r('pending'), ms)),
])"""


def assert_refused(page, frames: FrameRecorder, reason: str) -> None:
    try:
        page.wait_for_selector("#tether-error-ui", state="visible")
    except Exception:
        raise AssertionError(
            "#tether-error-ui was not shown; frames received: " + repr(frames.texts("received"))
        ) from None
    shown = text(page, "#tether-error-ui")
    assert reason in shown, f"#tether-error-ui shows {shown!r}; expected it to mention {reason!r}"
    fatal = [t for t in frames.texts("received") if t.startswith('[["fatal"')]
    assert len(fatal) == 1 and reason in fatal[0], f"expected one fatal message about {reason!r}, got {fatal}"
    page.wait_for_function("() => !!(window.Tether && window.Tether.ready)")
    # Only a render message resolves Tether.ready, and none can come once the refused circuit's
    # socket has closed: from then on "pending" is final.
    page.wait_for_function("() => !!(Tether.circuit && Tether.circuit.isClosed)")
    assert page.evaluate(READY_STATE, 0) == "pending", "Tether.ready resolved for a refused descriptor"
    # Nothing was rendered by a circuit: no render message arrived.
    renders = [t for t in frames.texts("received") if '["r",' in t]
    assert renders == [], f"a refused circuit rendered: {renders}"


# --------------------------------------------------------------------------- same server


def test_untouched_descriptor_through_the_route_works(server, page):
    """Control for the tests below: serving the page through page.route changes nothing."""
    seen = serve_with_descriptor(page, server, "/counter", lambda d: d)
    page.goto(server + "/counter")
    wait_ready(page)
    assert seen["served"] == seen["original"]
    payload = payload_of(seen["original"])
    assert payload["url"] == "/counter"
    assert re.fullmatch(r"[0-9a-f]{64}", payload["markupDigest"])
    assert 500 <= payload["expires"] - time.time() <= 700, f"default lifetime should be 600 s: {payload}"
    page.click("#increment")
    wait_text(page, "#count", "1")
    assert page.locator("#tether-error-ui").count() == 0


def test_forged_signature_is_refused(server, page):
    frames = FrameRecorder().attach(page)
    seen = serve_with_descriptor(page, server, "/counter", flip_signature)
    page.goto(server + "/counter")
    assert seen["served"] != seen["original"]
    assert_refused(page, frames, "signature")


@pytest.mark.parametrize(
    "what, old, new",
    [
        ("url", "counter", "form"),
        ("expiry", '"expires":', '"expires":9'),  # ten times further in the future
        ("digest", '"markupDigest":"', '"markupDigest":"0'),
    ],
)
def test_altered_payload_is_refused(server, page, what, old, new):
    frames = FrameRecorder().attach(page)
    seen = serve_with_descriptor(page, server, "/counter", lambda d: alter_payload(d, old, new))
    page.goto(server + "/counter")
    assert seen["served"].split(".")[1] == seen["original"].split(".")[1], "the signature was kept"
    assert_refused(page, frames, "signature")


def test_missing_descriptor_is_refused(server, page):
    frames = FrameRecorder().attach(page)
    serve_with_descriptor(page, server, "/counter", lambda d: "")
    page.goto(server + "/counter")
    assert_refused(page, frames, "malformed")


# --------------------------------------------------------------------------- expiry

LIFETIME_S = 3


@pytest.fixture(scope="module")
def short_lived_server():
    """A second demo server whose descriptors live LIFETIME_S seconds. Whether the demo honours
    the setting is checked by test_short_lifetime_is_honoured, against the served descriptor."""
    with DemoServer("short-lifetime", {"TETHER_DESCRIPTOR_LIFETIME_SECONDS": str(LIFETIME_S)}, fresh_log=True) as demo:
        yield demo.url


def test_short_lifetime_is_honoured(short_lived_server, page):
    """Control: the env var shortens the lifetime, and a page used at once still connects."""
    with urllib.request.urlopen(short_lived_server + "/counter", timeout=10) as resp:
        html = resp.read().decode()
    payload = payload_of(descriptor_of(html))
    remaining = payload["expires"] - time.time()
    assert 0 < remaining <= LIFETIME_S + 1, f"expires in {remaining:.1f} s; the lifetime is {LIFETIME_S} s"
    page.goto(short_lived_server + "/counter")
    wait_ready(page)
    page.click("#increment")
    wait_text(page, "#count", "1")


def test_expired_descriptor_is_refused(short_lived_server, page):
    frames = FrameRecorder().attach(page)
    with urllib.request.urlopen(short_lived_server + "/counter", timeout=10) as resp:
        stale_html = resp.read().decode()
    expires = payload_of(descriptor_of(stale_html))["expires"]
    # Wait for the wall clock to pass the expiry by more than a second (expires is in whole
    # seconds): a computed wait for that condition, not a fixed sleep.
    time.sleep(max(0.0, expires + 1.5 - time.time()))
    # Serve the stale page (as a tab left open, or a cached copy, would) instead of a fresh one.
    allow_local_network(page, short_lived_server)
    page.route("**/counter", lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=stale_html))
    page.goto(short_lived_server + "/counter")
    assert_refused(page, frames, "expired")
