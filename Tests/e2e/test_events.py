"""/events: typed event args, focus/blur, dblclick, debounce, throttle, preventDefault, and a
"Loading…" state rendered while an async handler awaits JS.

* #keys keydown -> #last-key "<key> ctrl=<b> shift=<b> alt=<b>"; focus/blur -> #focus-state.
* #click-target click -> #last-click "button=<n> detail=<n>"; dblclick -> #dblclicks.
* #debounced-input (input, debounce 300 ms) -> #debounced (the value) and #debounce-events.
* #throttled-input (input, throttle 1000 ms, trailing event kept) -> #throttle-events.
* #prevented-link, an <a href="/nowhere">, is handled in Swift with preventDefault -> #prevented.
* #slow sets "Loading…", awaits a 400 ms JS promise (eventsDemoWait), then sets "Done".
"""

import math

from component_support import mark_document, open_page, same_document, text, wait_text
from conftest import wait_until
from interop_support import FrameRecorder


def open_events(server, page) -> None:
    open_page(page, server + "/events")


def watch_text(page, selector: str) -> None:
    """From now on, window.__texts[selector] lists [text, performance.now()] for every text the
    element shows, starting with the current one."""
    page.evaluate(
        """(s) => {
            window.__texts = window.__texts || {};
            const seen = window.__texts[s] = [];
            const read = () => {
                const el = document.querySelector(s);
                const t = el ? el.textContent.trim() : null;
                if (!seen.length || seen[seen.length - 1][0] !== t) seen.push([t, performance.now()]);
            };
            read();
            new MutationObserver(read).observe(document.querySelector(s).parentNode, {
                childList: true, subtree: true, characterData: true,
            });
        }""",
        selector,
    )


def text_history(page, selector: str) -> list[list]:
    return page.evaluate("(s) => window.__texts[s]", selector)


def record_input_times(page, selector: str) -> None:
    """From now on, window.__inputTimes lists the performance.now() of every input event."""
    page.evaluate(
        """(s) => {
            window.__inputTimes = [];
            document.querySelector(s).addEventListener('input', () => window.__inputTimes.push(performance.now()));
        }""",
        selector,
    )


def test_keydown_args(server, page):
    open_events(server, page)
    assert text(page, "#last-key") == ""
    page.click("#keys")
    page.keyboard.press("Shift+A")
    wait_text(page, "#last-key", "A ctrl=false shift=true alt=false")
    page.keyboard.press("Control+b")
    wait_text(page, "#last-key", "b ctrl=true shift=false alt=false")
    page.keyboard.press("Alt+Enter")
    wait_text(page, "#last-key", "Enter ctrl=false shift=false alt=true")


def test_focus_and_blur(server, page):
    open_events(server, page)
    assert text(page, "#focus-state") == "blurred"
    page.focus("#keys")
    wait_text(page, "#focus-state", "focused")
    page.evaluate("() => document.querySelector('#keys').blur()")
    wait_text(page, "#focus-state", "blurred")
    page.click("#keys")
    wait_text(page, "#focus-state", "focused")
    page.click("#click-target")  # moves focus away
    wait_text(page, "#focus-state", "blurred")


def test_click_and_dblclick(server, page):
    open_events(server, page)
    page.click("#click-target")
    wait_text(page, "#last-click", "button=0 detail=1")
    assert text(page, "#dblclicks") == "0"
    page.dblclick("#click-target")
    wait_text(page, "#dblclicks", "1")
    # The second click of a double click has detail 2.
    wait_text(page, "#last-click", "button=0 detail=2")
    page.dblclick("#click-target")
    wait_text(page, "#dblclicks", "2")


def expected_debounced_events(input_times: list[float], debounce_ms: float = 300, slack_ms: float = 30) -> range:
    """How many events a debounce may send for keystrokes at these times: one per burst, where a
    gap of at least `debounce_ms` ends a burst. A loaded machine can stretch a gap past the
    debounce; gaps within `slack_ms` of it may go either way (timers are not exact)."""
    gaps = [b - a for a, b in zip(input_times, input_times[1:])]
    surely_split = sum(1 for g in gaps if g > debounce_ms + slack_ms)
    maybe_split = sum(1 for g in gaps if g >= debounce_ms - slack_ms)
    return range(1 + surely_split, 2 + maybe_split)


def test_debounce_sends_one_event_for_a_burst(server, page):
    open_events(server, page)
    record_input_times(page, "#debounced-input")
    page.click("#debounced-input")
    page.keyboard.type("hello", delay=20)  # each gap well under the 300 ms debounce
    wait_text(page, "#debounced", "hello")
    # Proving that no late duplicate follows takes a bounded wait: two debounce intervals.
    page.wait_for_timeout(700)
    first_burst = page.evaluate("window.__inputTimes")
    assert len(first_burst) == 5, first_burst
    allowed = expected_debounced_events(first_burst)
    first_count = int(text(page, "#debounce-events"))
    assert first_count in allowed, f"{first_count} events for keystrokes at {first_burst} (allowed {list(allowed)})"
    # A second burst after a pause is a second event.
    page.evaluate("window.__inputTimes = []")
    page.keyboard.type(" world", delay=20)
    wait_text(page, "#debounced", "hello world")
    page.wait_for_timeout(700)
    second_burst = page.evaluate("window.__inputTimes")
    allowed = expected_debounced_events(second_burst)
    second_count = int(text(page, "#debounce-events")) - first_count
    assert second_count in allowed, f"{second_count} events for keystrokes at {second_burst} (allowed {list(allowed)})"


def test_debounce_waits_for_the_pause(server, page):
    open_events(server, page)
    # Keep typing for ~1 s with 100 ms gaps: nothing may be sent until the typing stops.
    watch_text(page, "#debounce-events")
    record_input_times(page, "#debounced-input")
    page.click("#debounced-input")
    page.keyboard.type("abcdefghij", delay=100)
    wait_text(page, "#debounced", "abcdefghij")
    history = text_history(page, "#debounce-events")
    inputs = page.evaluate("window.__inputTimes")
    assert len(inputs) == 10, inputs
    gaps = [b - a for a, b in zip(inputs, inputs[1:])]
    assert max(gaps) < 300, f"the typing paused for longer than the debounce: {gaps}"
    assert [t for t, _ in history] == ["0", "1"], f"#debounce-events went through {history}"
    after_last_key = history[1][1] - inputs[-1]
    assert after_last_key >= 290, (
        f"the event was handled {after_last_key:.0f} ms after the last key; it must wait for a 300 ms pause"
    )


def test_throttle(server, page):
    open_events(server, page)
    watch_text(page, "#throttle-events")
    # Ten input events in one task: the first is sent at once, the last after the interval.
    dispatched = page.evaluate(
        """() => {
            const input = document.querySelector('#throttled-input');
            for (let i = 1; i <= 10; i++) {
                input.value = 'x'.repeat(i);
                input.dispatchEvent(new Event('input', { bubbles: true }));
            }
            return performance.now();
        }"""
    )
    wait_text(page, "#throttle-events", "2", timeout_ms=3000)
    history = text_history(page, "#throttle-events")
    assert [t for t, _ in history] == ["0", "1", "2"], f"#throttle-events went through {history}"
    gap = history[2][1] - dispatched
    assert gap >= 900, f"the trailing event was handled {gap:.0f} ms after the burst; the interval is 1000 ms"
    # Proving that nothing follows the trailing event takes a bounded wait: over one interval.
    page.wait_for_timeout(1500)
    assert text(page, "#throttle-events") == "2"


def test_throttle_while_typing(server, page):
    frames = FrameRecorder().attach(page)
    open_events(server, page)
    handler = page.get_attribute("#throttled-input", "data-t-input").split(";")[0]
    record_input_times(page, "#throttled-input")
    page.click("#throttled-input")
    # ~2 s of typing, a key every ~100 ms: about one event a second, never one per key.
    typed = "abcdefghijklmnopqrstu"
    page.keyboard.type(typed, delay=100)

    def sent_events() -> list[str]:
        return [t for t in frames.texts("sent") if f'["ev","{handler}",' in t]

    # The trailing event carries the whole text; the server then counts every event sent.
    wait_until(page, lambda: any(f'"value":"{typed}"' in t for t in sent_events()), "the trailing event was not sent")
    sent = sum(t.count(f'["ev","{handler}",') for t in sent_events())
    wait_text(page, "#throttle-events", str(sent))
    times = page.evaluate("() => window.__inputTimes")
    assert len(times) == 21
    span = times[-1] - times[0]
    # Sent at 0 (leading), then at each full second while keys keep coming, the last one
    # carrying the end of the burst: 1 + ceil(span / 1000) events.
    allowed = {1 + math.ceil((span - 50) / 1000), 1 + math.ceil((span + 50) / 1000)}
    events = int(text(page, "#throttle-events"))
    assert events in allowed, f"{events} throttled events for {span:.0f} ms of typing; expected {sorted(allowed)}"


def test_prevented_link(server, page):
    open_events(server, page)
    mark_document(page)
    history_length = page.evaluate("() => history.length")
    page.click("#prevented-link")
    wait_text(page, "#prevented", "1")
    page.click("#prevented-link")
    wait_text(page, "#prevented", "2")
    # Proving that no navigation follows takes a bounded wait (an in-circuit one would come
    # after a round trip of its own).
    page.wait_for_timeout(300)
    assert page.url == server + "/events"
    assert page.evaluate("() => history.length") == history_length
    assert same_document(page)
    assert text(page, "h1") == "Events"


def test_loading_state_while_awaiting_js(server, page):
    open_events(server, page)
    assert text(page, "#slow-status") == "idle"
    # Record every text #slow-status takes, with the time, from before the click.
    page.evaluate(
        """() => {
            window.__statuses = [];
            const read = () => {
                const el = document.querySelector('#slow-status');
                const t = el ? el.textContent.trim() : null;
                const last = window.__statuses[window.__statuses.length - 1];
                if (!last || last[0] !== t) window.__statuses.push([t, performance.now()]);
            };
            new MutationObserver(read).observe(document.querySelector('#slow-status').parentNode, {
                childList: true, subtree: true, characterData: true,
            });
        }"""
    )
    page.click("#slow")
    wait_text(page, "#slow-status", "Done")
    statuses = page.evaluate("() => window.__statuses")
    assert [s for s, _ in statuses] == ["Loading…", "Done"], f"#slow-status went through {statuses}"
    loading_ms = statuses[1][1] - statuses[0][1]
    assert loading_ms >= 350, f"'Loading…' was shown for {loading_ms:.0f} ms; the JS promise takes 400 ms"
    # The page stays responsive afterwards, and a second click goes through the same states.
    page.evaluate("() => { window.__statuses = []; }")
    page.click("#slow")
    page.wait_for_function(
        "() => window.__statuses.length === 2 && window.__statuses[1][0] === 'Done'"
    )
    assert [s for s, _ in page.evaluate("() => window.__statuses")] == ["Loading…", "Done"]
