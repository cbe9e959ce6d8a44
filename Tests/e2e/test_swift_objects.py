"""Swift objects held by JS through references: Demo.CreateCounter(start) returns a proxy whose
invokeMethodAsync('Increment') / ('Value') run on one Swift DemoCounter, and whose dispose()
releases it on the server. /call-swift-example-2 passes a Swift HelloHelper to the JS function
sayHello1, which calls its SayHello.
"""

import re

import pytest

from conftest import wait_ready
from interop_support import error_of, invoke_js, value_of

NO_TRACKED_OBJECT = re.compile(r"no tracked object with id \d+", re.IGNORECASE)


@pytest.fixture
def swift(server, page):
    page.goto(server + "/call-swift-example-1")
    wait_ready(page)
    return page


def test_create_counter_returns_a_proxy_with_shared_state(swift):
    result = value_of(
        swift,
        """const c = await Tether.invokeMethodAsync('Demo', 'CreateCounter', 5);
           const id = c._id;
           const inc = await c.invokeMethodAsync('Increment');
           const value = await c.invokeMethodAsync('Value');
           const inc2 = await c.invokeMethodAsync('Increment');
           const value2 = await c.invokeMethodAsync('Value');
           return {
               hasInvoke: typeof c.invokeMethodAsync === 'function',
               hasDispose: typeof c.dispose === 'function',
               idType: typeof id, sameId: c._id === id,
               inc, value, inc2, value2,
           };""",
    )
    assert result == {
        "hasInvoke": True, "hasDispose": True, "idType": "number", "sameId": True,
        "inc": 6, "value": 6, "inc2": 7, "value2": 7,
    }


def test_two_counters_are_independent(swift):
    result = value_of(
        swift,
        """const a = await Tether.invokeMethodAsync('Demo', 'CreateCounter', 5);
           const b = await Tether.invokeMethodAsync('Demo', 'CreateCounter', 100);
           await a.invokeMethodAsync('Increment');
           await a.invokeMethodAsync('Increment');
           await b.invokeMethodAsync('Increment');
           return { distinctIds: a._id !== b._id,
                    a: await a.invokeMethodAsync('Value'), b: await b.invokeMethodAsync('Value') };""",
    )
    assert result == {"distinctIds": True, "a": 7, "b": 101}


def test_concurrent_increments_all_land_on_one_object(swift):
    result = value_of(
        swift,
        """const c = await Tether.invokeMethodAsync('Demo', 'CreateCounter', 0);
           const seen = await Promise.all(Array.from({length: 40}, () => c.invokeMethodAsync('Increment')));
           return { value: await c.invokeMethodAsync('Value'), seen: seen.sort((x, y) => x - y) };""",
    )
    assert result["value"] == 40
    assert result["seen"] == list(range(1, 41))


def test_unknown_instance_method_and_wrong_arity_are_named(swift):
    errors = value_of(
        swift,
        """const c = await Tether.invokeMethodAsync('Demo', 'CreateCounter', 1);
           const out = [];
           for (const [m, args] of [['Decrement', []], ['Value', [1]]]) {
               try { await c.invokeMethodAsync(m, ...args); out.push('resolved'); } catch (e) { out.push(e.message); }
           }
           out.push(await c.invokeMethodAsync('Value'));
           return out;""",
    )
    assert errors == [
        "The type 'DemoCounter' has no exposed method 'Decrement'.",
        "The method 'Value' in 'DemoCounter' expects 0 parameters, received 1.",
        1,
    ]


def test_dispose_then_call_rejects(swift):
    result = value_of(
        swift,
        """const c = await Tether.invokeMethodAsync('Demo', 'CreateCounter', 5);
           await c.invokeMethodAsync('Increment');
           c.dispose();
           let error = null;
           try { await c.invokeMethodAsync('Value'); } catch (e) { error = e.message; }
           let secondDispose = 'ok';
           try { c.dispose(); } catch (e) { secondDispose = 'threw: ' + e.message; }
           return { error, secondDispose };""",
    )
    assert result["error"] is not None, "a call on a disposed proxy resolved"
    assert NO_TRACKED_OBJECT.search(result["error"]), result["error"]
    assert result["secondDispose"] == "ok"
    assert value_of(swift, invoke_js("Demo", "Add", "2", "3")) == 5


def test_dispose_releases_the_object_on_the_server(swift):
    """Not just a flag in the proxy: a fresh proxy carrying the disposed id reaches the server,
    which no longer knows the object. Other objects are unaffected."""
    result = value_of(
        swift,
        """const c = await Tether.invokeMethodAsync('Demo', 'CreateCounter', 5);
           const other = await Tether.invokeMethodAsync('Demo', 'CreateCounter', 50);
           c.dispose();
           // 'rel' and the next 'inv' travel in order on one socket, so no wait is needed.
           const raw = Object.create(Object.getPrototypeOf(c));
           raw._circuit = c._circuit; raw._id = c._id;
           let error = null;
           try { await raw.invokeMethodAsync('Value'); } catch (e) { error = e.message; }
           return { error, id: c._id, other: await other.invokeMethodAsync('Increment') };""",
    )
    assert result["error"] is not None, "the server still answered for a disposed object"
    assert result["error"] == f"There is no tracked object with id {result['id']}. It may have been disposed."
    assert result["other"] == 51


def test_object_ids_from_another_circuit_do_not_resolve(server, swift, new_page):
    """A proxy id is only meaningful on its own circuit."""
    # Three objects here, so the last id is one the other circuit (which makes one) never issued.
    id_ = value_of(
        swift,
        """let c;
           for (let i = 0; i < 3; i++) c = await Tether.invokeMethodAsync('Demo', 'CreateCounter', 5);
           return c._id;""",
    )
    other = new_page()
    other.goto(server + "/call-swift-example-1")
    wait_ready(other)
    message = error_of(
        other,
        """const c = await Tether.invokeMethodAsync('Demo', 'CreateCounter', 1);
           c.dispose();
           const raw = Object.create(Object.getPrototypeOf(c));
           raw._circuit = c._circuit; raw._id = arg;
           return await raw.invokeMethodAsync('Value');""",
        arg=id_,
    )
    assert message == f"There is no tracked object with id {id_}. It may have been disposed."


# --------------------------------------------------------------------------- /call-swift-example-2


@pytest.mark.parametrize("name", ["Ada", "Grace Hopper", "Zoë <b>&</b>"])
def test_say_hello_page(server, page, name):
    page.goto(server + "/call-swift-example-2")
    wait_ready(page)
    page.fill("#name", name)
    # The input event travels to Swift before the click does (events run in order).
    page.click("#say-hello")
    expected = f"Hello, {name}!"
    page.wait_for_function(
        "t => document.querySelector('#hello-result').textContent === t", arg=expected
    )
    assert page.text_content("#hello-result") == expected
    # Escaped, not markup.
    assert page.locator("#hello-result b").count() == 0


def test_say_hello_twice_uses_the_latest_name(server, page):
    page.goto(server + "/call-swift-example-2")
    wait_ready(page)
    for name in ("Ada", "Alan"):
        page.fill("#name", name)
        page.click("#say-hello")
        page.wait_for_function(
            "t => document.querySelector('#hello-result').textContent === t", arg=f"Hello, {name}!"
        )
