"""/metrics: the demo exports Tether's metrics in Prometheus's text format (swift-prometheus)."""

import re
import urllib.request

from conftest import wait_ready, wait_until

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def scrape(server: str) -> tuple[str, str]:
    with urllib.request.urlopen(server + "/metrics", timeout=5) as response:
        return response.headers.get("Content-Type", ""), response.read().decode()


def sample(text: str, name: str, labels: str = "") -> float:
    """The value of one series; the session's server is shared, so tests compare before and after."""
    series = name + (f"{{{labels}}}" if labels else "")
    found = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    assert found, f"no series {series} in /metrics:\n{text[:2000]}"
    return float(found.group(1))


def test_a_click_shows_up_in_metrics(server, page):
    page.goto(server + "/counter")
    wait_ready(page)
    content_type, before = scrape(server)
    assert content_type == PROMETHEUS_TEXT
    assert "# TYPE tether_events_total counter" in before
    assert "# TYPE tether_event_duration_seconds histogram" in before
    events = sample(before, "tether_events_total")
    assert sample(before, "tether_circuits_live") >= 1, "this page's circuit is live"

    page.click("#increment")
    page.wait_for_function("() => document.querySelector('#count').textContent.trim() === '1'")

    # The counter moves once the event's handling returns; the batch may reach the page first.
    latest = {}

    def counted() -> bool:
        latest["text"] = scrape(server)[1]
        return sample(latest["text"], "tether_events_total") >= events + 1

    wait_until(page, counted, "tether_events_total to count the click")
    after = latest["text"]
    assert sample(after, "tether_event_duration_seconds_count") >= sample(before, "tether_event_duration_seconds_count") + 1
    assert sample(after, "tether_batch_bytes_count") > sample(before, "tether_batch_bytes_count")
    # Label values come from fixed sets: every reason is there from the start.
    for reason in ("closed", "failed", "limit", "expired", "evicted", "paused", "shutdown", "signedOut"):
        sample(after, "tether_circuits_ended_total", f'reason="{reason}"')
