"""JS → Swift static methods: Tether.invokeMethodAsync(module, method, ...args) against the
methods the demo exposes in module `Demo` (Sources/DemoApp/DemoApp.swift), and the
/call-swift-example-1 page whose #return-array button shows ReturnArrayAsync's result in
#array-result.

Every rejection is checked for its exact message, and after each one the circuit must still
answer a following call.
"""

import pytest

from conftest import wait_ready, wait_until
from interop_support import call, error_of, invoke_js, value_of


@pytest.fixture
def swift(server, page):
    """A page with a live circuit; any page of the demo can call the Demo module."""
    page.goto(server + "/call-swift-example-1")
    wait_ready(page)
    return page


def assert_circuit_still_works(page) -> None:
    assert value_of(page, invoke_js("Demo", "Add", "20", "22")) == 42, "the circuit stopped answering after a failure"


# --------------------------------------------------------------------------- results


def test_add_returns_the_sum(swift):
    assert value_of(swift, invoke_js("Demo", "Add", "2", "3")) == 5
    assert value_of(swift, invoke_js("Demo", "Add", "-7", "3")) == -4


def test_greet_returns_a_string(swift):
    assert value_of(swift, invoke_js("Demo", "Greet", "'Ada'")) == "Hello, Ada!"


def test_greet_round_trips_unicode(swift):
    name = "Zoë \u2603 \U0001F600 \"q\" \\ </script>"
    assert value_of(swift, "return await Tether.invokeMethodAsync('Demo', 'Greet', arg);", arg=name) == f"Hello, {name}!"


def test_return_array_async(swift):
    value = value_of(swift, invoke_js("Demo", "ReturnArrayAsync"))
    assert value == [11, 12, 13]
    assert all(type(v) is int for v in value)


def test_return_array_button_shows_the_array(swift):
    assert swift.text_content("#array-result").strip() == ""
    swift.click("#return-array")
    swift.wait_for_function("document.querySelector('#array-result').textContent.trim() !== ''")
    assert swift.text_content("#array-result").strip() == "[11,12,13]"


def test_echo_round_trips_json(swift):
    value = {"a": [1, None, "x", True, 2.5], "b": {"c": "d"}, "e": []}
    assert value_of(swift, "return await Tether.invokeMethodAsync('Demo', 'Echo', arg);", arg=value) == value


def test_echo_of_null_and_undefined_resolves_to_null(swift):
    # null travels and comes back as null, not undefined.
    assert value_of(swift, invoke_js("Demo", "Echo", "null")) is None
    assert value_of(swift, invoke_js("Demo", "Echo", "undefined")) is None


def test_void_method_resolves_to_null(swift):
    assert value_of(swift, invoke_js("Demo", "Noop")) is None


def test_calls_in_flight_together_each_get_their_own_result(swift):
    values = value_of(
        swift,
        """return await Promise.all(Array.from({length: 50}, (_, i) =>
               Tether.invokeMethodAsync('Demo', 'Add', i, 1000)));""",
    )
    assert values == [i + 1000 for i in range(50)]


# --------------------------------------------------------------------------- rejections


def test_unknown_module_is_named(swift):
    assert error_of(swift, invoke_js("Nope", "Add", "2", "3")) == "There is no exposed module named 'Nope'."
    assert_circuit_still_works(swift)


def test_unknown_method_is_named(swift):
    assert error_of(swift, invoke_js("Demo", "Subtract", "2", "3")) == "The module 'Demo' has no exposed method 'Subtract'."
    assert_circuit_still_works(swift)


def test_method_names_are_case_sensitive(swift):
    assert error_of(swift, invoke_js("Demo", "add", "2", "3")) == "The module 'Demo' has no exposed method 'add'."
    assert_circuit_still_works(swift)


def test_too_many_arguments(swift):
    message = error_of(swift, invoke_js("Demo", "Add", "1", "2", "3"))
    assert "expects 2 parameters, received 3" in message, message
    assert message == "The method 'Add' in 'Demo' expects 2 parameters, received 3."
    assert_circuit_still_works(swift)


def test_too_few_arguments(swift):
    message = error_of(swift, invoke_js("Demo", "Greet"))
    assert message == "The method 'Greet' in 'Demo' expects 1 parameter, received 0."
    assert_circuit_still_works(swift)


def test_wrong_argument_type_names_position_and_type(swift):
    message = error_of(swift, invoke_js("Demo", "Add", "'two'", "3"))
    assert message.startswith("Argument 1 of 'Add' in 'Demo' is not a valid Int"), message
    assert_circuit_still_works(swift)


def test_wrong_type_in_second_position(swift):
    message = error_of(swift, invoke_js("Demo", "Add", "2", "{n: 3}"))
    assert message.startswith("Argument 2 of 'Add' in 'Demo' is not a valid Int"), message
    assert_circuit_still_works(swift)


def test_fractional_number_for_an_int_is_refused(swift):
    message = error_of(swift, invoke_js("Demo", "Add", "1.5", "3"))
    assert message.startswith("Argument 1 of 'Add' in 'Demo' is not a valid Int"), message
    assert_circuit_still_works(swift)


def test_thrown_swift_error_is_reported_generically(swift):
    # detailedErrors is off in the demo: the Swift error's own text must not leak.
    message = error_of(swift, invoke_js("Demo", "Fail", "'secret detail'"))
    assert message == "An exception occurred invoking 'Fail' in 'Demo'."
    assert_circuit_still_works(swift)


def test_bigint_argument_rejects_locally(swift):
    message = error_of(swift, invoke_js("Demo", "Echo", "10n"))
    assert "JSON" in message, message
    assert message.startswith("The arguments of 'Echo' could not be serialized as JSON"), message
    assert_circuit_still_works(swift)


def test_cyclic_argument_rejects_locally(swift):
    message = error_of(
        swift,
        "const o = {}; o.self = o; return await Tether.invokeMethodAsync('Demo', 'Echo', o);",
    )
    assert "JSON" in message, message
    assert message.startswith("The arguments of 'Echo' could not be serialized as JSON"), message
    assert_circuit_still_works(swift)


def test_unserializable_argument_never_reaches_the_server(swift, page):
    """'Locally' means no frame leaves the browser for the refused call."""
    sent = []
    ws_seen = []

    def on_ws(ws):
        ws_seen.append(ws)
        ws.on("framesent", lambda payload: sent.append(payload))

    # The circuit socket is already open; reload to attach to a fresh one.
    page.on("websocket", on_ws)
    page.reload()
    wait_ready(page)
    assert ws_seen, "no circuit WebSocket was observed"
    sent.clear()
    outcome = call(page, invoke_js("Demo", "Echo", "10n"))
    assert not outcome["ok"], outcome
    assert_circuit_still_works(page)
    # Frames leave the socket in order: once the Add that followed has been sent, a frame for
    # the refused Echo would have been seen before it.
    wait_until(page, lambda: any('"Add"' in str(s) for s in sent), "the frame of the Add call after it was not seen")
    assert not [s for s in sent if "Echo" in str(s)], f"a refused call was sent anyway: {sent!r}"


def test_many_failures_in_a_row_leave_the_circuit_working(swift):
    errors = value_of(
        swift,
        """const out = [];
           for (const [m, a] of [['Nope', []], ['Add', [1]], ['Add', ['x', 1]], ['Fail', ['x']]]) {
               try { await Tether.invokeMethodAsync('Demo', m, ...a); out.push('resolved'); }
               catch (e) { out.push(e.message); }
           }
           return out;""",
    )
    assert len(errors) == 4, errors
    assert errors[0] == "The module 'Demo' has no exposed method 'Nope'."
    assert errors[1] == "The method 'Add' in 'Demo' expects 2 parameters, received 1."
    assert errors[2].startswith("Argument 1 of 'Add' in 'Demo' is not a valid Int"), errors[2]
    assert errors[3] == "An exception occurred invoking 'Fail' in 'Demo'."
    assert_circuit_still_works(swift)
