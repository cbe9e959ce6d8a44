"""/interop-lab: Swift -> JS calls (IJSRuntime-style InvokeAsync) driven from a form.

The page has #identifier, #args (JSON array), #timeout-ms (empty = default), #result-type
(json|int|string|void), #invoke, #cancel-after-ms + #invoke-cancel, and #result, which reads
`ok:<result as JSON>` (`ok:null` for void) or `error:<kind>:<message>` with kind one of
js|timeout|cancelled|disconnected|decoding.
"""

import json
from typing import Any, Optional

import pytest

from conftest import wait_ready

READ_RESULT = "() => (document.querySelector('#result')?.textContent ?? '').trim()"

# A final result is one that reads ok:/error: and differs from what #result showed before the click.
RESULT_CHANGED = """prev => {
    const t = (document.querySelector('#result')?.textContent ?? '').trim();
    return t !== prev && (t.startsWith('ok:') || t.startsWith('error:'));
}"""


@pytest.fixture
def lab(server, page):
    page.goto(server + "/interop-lab")
    wait_ready(page)
    return page


def define(page, js: str) -> None:
    """Run a statement in the page that defines the JS target of a call."""
    page.evaluate(f"() => {{ {js} }}")


def invoke(
    page,
    identifier: str,
    args: str = "[]",
    result_type: str = "json",
    timeout_ms: Optional[int] = None,
    cancel_after_ms: Optional[int] = None,
) -> str:
    """Fill the form, click #invoke (or #invoke-cancel), wait for #result to change, return it."""
    page.fill("#identifier", identifier)
    page.fill("#args", args)
    if timeout_ms is not None:
        page.fill("#timeout-ms", str(timeout_ms))
    page.select_option("#result-type", result_type)
    if cancel_after_ms is not None:
        page.fill("#cancel-after-ms", str(cancel_after_ms))
    before = page.evaluate(READ_RESULT)
    page.click("#invoke" if cancel_after_ms is None else "#invoke-cancel")
    try:
        page.wait_for_function(RESULT_CHANGED, arg=before)
    except Exception as e:
        raise AssertionError(
            f"#result did not change to ok:/error: after invoking {identifier!r}; "
            f"before: {before!r}, now: {page.evaluate(READ_RESULT)!r}"
        ) from e
    return page.evaluate(READ_RESULT)


def _strict_eq(a: Any, b: Any) -> bool:
    """JSON equality that, unlike ==, does not let true equal 1 (numbers compare by value)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_strict_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_strict_eq(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def assert_ok(text: str, expected: Any) -> None:
    assert text.startswith("ok:"), f"expected ok:{json.dumps(expected)}, got {text!r}"
    try:
        value = json.loads(text[len("ok:"):])
    except json.JSONDecodeError as e:
        raise AssertionError(f"result after ok: is not JSON: {text!r}") from e
    assert _strict_eq(value, expected), f"expected ok:{json.dumps(expected, ensure_ascii=False)}, got {text!r}"


def assert_error(text: str, kind: str, *needles: str) -> None:
    assert text.startswith(f"error:{kind}:"), f"expected error:{kind}:..., got {text!r}"
    for needle in needles:
        assert needle in text, f"expected {needle!r} in {text!r}"


def test_dotted_path_binds_this(lab):
    define(lab, "window.labNs = {inner: {add: function (a, b) { return [this === window.labNs.inner, a + b]; }}};")
    assert_ok(invoke(lab, "labNs.inner.add", "[2,3]", "json"), [True, 5])


def test_promise_result_is_awaited(lab):
    define(lab, "window.labNs = {later: () => new Promise(r => setTimeout(() => r('later'), 50))};")
    assert_ok(invoke(lab, "labNs.later", "[]", "string"), "later")


def test_rejected_promise_is_a_js_error(lab):
    define(lab, "window.labNs = {reject: () => Promise.reject(new Error('boom'))};")
    assert_error(invoke(lab, "labNs.reject", "[]", "json"), "js", "boom")


def test_thrown_error_is_a_js_error(lab):
    define(lab, "window.labNs = {fail: () => { throw new Error('kaput'); }};")
    assert_error(invoke(lab, "labNs.fail", "[]", "json"), "js", "kaput")


def test_missing_function(lab):
    define(lab, "window.labNs = {};")
    assert_error(
        invoke(lab, "labNs.nope.fn", "[]", "json"),
        "js",
        "Could not find 'labNs.nope.fn' ('nope' was undefined)",
    )


def test_not_a_function(lab):
    define(lab, "window.labNs = {value: 5};")
    assert_error(invoke(lab, "labNs.value", "[]", "json"), "js", "The value 'labNs.value' is not a function")


def test_timeout(lab):
    define(lab, "window.labNs = {never: () => new Promise(() => {})};")
    assert_error(invoke(lab, "labNs.never", "[]", "json", timeout_ms=100), "timeout", "labNs.never", "100 ms")


def test_cancellation(lab):
    define(lab, "window.labNs = {never: () => new Promise(() => {})};")
    assert_error(invoke(lab, "labNs.never", "[]", "json", cancel_after_ms=100), "cancelled")


def test_decoding_error(lab):
    define(lab, "window.labNs = {text: () => 'not a number'};")
    assert_error(invoke(lab, "labNs.text", "[]", "int"), "decoding", "labNs.text", "Int")


def test_void_ignores_the_return_value(lab):
    define(lab, "window.labNs = {obj: () => ({a: 1})};")
    assert invoke(lab, "labNs.obj", "[]", "void") == "ok:null"


def test_arguments_round_trip(lab):
    args = [{"a": [1, 2, {"b": None}]}, "héllo ✓", None]
    define(lab, "window.labNs = {echo: (...a) => a};")
    assert_ok(invoke(lab, "labNs.echo", json.dumps(args, ensure_ascii=False, separators=(",", ":")), "json"), args)
