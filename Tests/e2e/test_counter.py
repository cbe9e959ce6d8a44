"""/counter: a button #increment increments the number shown in #count."""

from conftest import has_marker, mark_on_parse, marked_before_ready, wait_ready

# Records every DOM mutation under <body> from now on, so a test can check that a render
# patched only what changed.
START_RECORDING = """() => {
    window.__mutations = [];
    window.__observer = new MutationObserver(records => {
        for (const r of records) window.__mutations.push(r);
    });
    window.__observer.observe(document.body, {
        childList: true, subtree: true, attributes: true, characterData: true,
    });
}"""

# Mutation records whose target is not #count or inside it, described for the failure message.
MUTATIONS_OUTSIDE_COUNT = """() => {
    for (const r of window.__observer.takeRecords()) window.__mutations.push(r);
    const count = document.querySelector('#count');
    const describe = n => n.nodeType === 1
        ? n.tagName.toLowerCase() + (n.id ? '#' + n.id : '')
        : '#' + n.nodeName.replace('#', '') + ' ' + JSON.stringify(n.textContent);
    // The button's loading state (a class and aria-busy) shows when a click takes over 200 ms.
    const loading = r => r.target.id === 'increment' && ['class', 'aria-busy'].includes(r.attributeName);
    return window.__mutations
        .filter(r => !(count && (r.target === count || count.contains(r.target))))
        .filter(r => !loading(r))
        .map(r => r.type + (r.attributeName ? ' [' + r.attributeName + ']' : '') + ' on ' + describe(r.target));
}"""


def count_text(page) -> str:
    return page.text_content("#count").strip()


def test_increment_three_times(server, page):
    page.goto(server + "/counter")
    wait_ready(page)
    assert count_text(page) == "0"
    for expected in ("1", "2", "3"):
        page.click("#increment")
        page.wait_for_function(
            "n => document.querySelector('#count').textContent.trim() === n", arg=expected
        )
    assert count_text(page) == "3"


def test_prerendered_nodes_are_taken_over_and_patched_in_place(server, page):
    mark_on_parse(page, "#increment")
    page.goto(server + "/counter")
    wait_ready(page)
    assert marked_before_ready(page, "#increment"), "tagging should have happened before Tether.ready"
    assert has_marker(page, "#increment"), "the prerendered #increment was replaced when the circuit took over"

    # Tag again after ready (also covers the case where the parse-time tag is on a discarded node),
    # and the #count element whose text will change.
    page.evaluate(
        """() => {
            document.querySelector('#increment').__afterReady = 1;
            document.querySelector('#count').__afterReady = 1;
        }"""
    )
    page.evaluate(START_RECORDING)
    for expected in ("1", "2", "3"):
        page.click("#increment")
        page.wait_for_function(
            "n => document.querySelector('#count').textContent.trim() === n", arg=expected
        )

    same = page.evaluate(
        """() => ({
            button: document.querySelector('#increment').__afterReady === 1,
            buttonFromPrerender: document.querySelector('#increment').__tetherMarker === 1,
            count: document.querySelector('#count').__afterReady === 1,
        })"""
    )
    assert same == {"button": True, "buttonFromPrerender": True, "count": True}, (
        f"elements were replaced instead of patched: {same}"
    )
    outside = page.evaluate(MUTATIONS_OUTSIDE_COUNT)
    assert outside == [], f"clicking #increment mutated nodes outside #count: {outside}"
