"""/js-objects: Swift holding JS objects by reference (Sources/DemoApp/Pages/JSObjects.swift).

* #import-module: Swift imports /js/objects-module.js twice, calls greet('Ada') through one
  handle and loadCount() through the other -> #module-result.
* #construct: Swift constructs window.LabCounter(5), calls inc(), sets value = 41, calls inc()
  again, reads value, disposes the handle and calls inc() once more -> #object-result.
* #focus: Swift passes an ElementReference to labFocus -> #focus-result, focus on #focus-target.
(#send-bytes is covered in test_bytes.py.)
"""

import re

import pytest

from conftest import wait_ready, wait_until
from interop_support import FrameRecorder, value_of

CONSTRUCT_RESULT = re.compile(
    r"inc=6 afterSet=42 value=42 disposed: Cannot use 'inc' on JS object (\d+): the handle was disposed\."
)


@pytest.fixture
def objects(server, page):
    page.goto(server + "/js-objects")
    wait_ready(page)
    return page


def click_and_read(page, button: str, output: str) -> str:
    before = page.text_content(output)
    page.click(button)
    page.wait_for_function(
        "([sel, prev]) => { const t = document.querySelector(sel).textContent; return t !== '' && t !== prev; }",
        arg=[output, before],
    )
    return page.text_content(output)


def test_outputs_start_empty(objects):
    for output in ("#module-result", "#object-result", "#focus-result", "#bytes-result"):
        assert objects.text_content(output) == "", output


def test_import_module_and_call_its_exports(objects):
    assert click_and_read(objects, "#import-module", "#module-result") == "Hello from a module, Ada! loads=1"


def test_module_is_evaluated_once_however_often_it_is_imported(objects):
    recorder = FrameRecorder()
    # The circuit socket is open already: attach, then reload to record the new one.
    recorder.attach(objects)
    objects.reload()
    wait_ready(objects)
    assert click_and_read(objects, "#import-module", "#module-result") == "Hello from a module, Ada! loads=1"
    # The page's own import() sees the same module instance Swift imported.
    assert value_of(objects, "return (await import('/js/objects-module.js')).loadCount();") == 1

    # A second click imports twice more; the text re-renders to the same value, so there is no
    # change to wait for: wait for the second loadCount call instead, then for a later event.
    def calls(name: str) -> int:
        return sum(t.count(f'"{name}"') for t in recorder.texts("received"))

    assert calls("loadCount") == 1, recorder.texts("received")
    objects.click("#import-module")
    wait_until(objects, lambda: calls("loadCount") >= 2, f"the second click never called loadCount; {recorder.summary()}")
    # Events are handled one after another: once the next click's result shows, the import
    # handler has finished and its render has been applied.
    assert click_and_read(objects, "#focus", "#focus-result") == "focused"
    assert calls("loadCount") == 2, recorder.texts("received")
    assert objects.text_content("#module-result") == "Hello from a module, Ada! loads=1"
    assert value_of(objects, "return (await import('/js/objects-module.js')).loadCount();") == 1


def test_import_keeps_one_handle_and_disposes_the_other(objects):
    before = objects.evaluate("Tether.jsObjects.size")
    click_and_read(objects, "#import-module", "#module-result")
    objects.wait_for_function("n => Tether.jsObjects.size === n", arg=before + 1)


def test_construct_call_set_get_and_dispose(objects):
    tracked_before = objects.evaluate("Tether.jsObjects.size")
    text = click_and_read(objects, "#construct", "#object-result")
    match = CONSTRUCT_RESULT.fullmatch(text)
    assert match, f"unexpected #object-result: {text!r}"
    handle = int(match.group(1))
    # The disposed handle is gone from the browser's table too (the 'djs' message), so the
    # constructed object is not leaked for the life of the page.
    assert value_of(objects, "return Tether.jsObjects.has(arg);", arg=handle) is False
    assert objects.evaluate("Tether.jsObjects.size") == tracked_before


def test_construct_twice_gives_distinct_handles(objects):
    first = CONSTRUCT_RESULT.fullmatch(click_and_read(objects, "#construct", "#object-result"))
    # The handle number differs, so the text changes; click_and_read waits for that.
    second = CONSTRUCT_RESULT.fullmatch(click_and_read(objects, "#construct", "#object-result"))
    assert first and second
    assert int(second.group(1)) > int(first.group(1))


def test_focus_an_element_reference(objects):
    assert objects.evaluate("document.activeElement.id") != "focus-target"
    assert click_and_read(objects, "#focus", "#focus-result") == "focused"
    assert objects.evaluate("document.activeElement.id") == "focus-target"
    # The element stays the prerendered one: focus landed on the node in the page, not a copy.
    assert objects.evaluate("document.activeElement === document.querySelector('#focus-target')") is True


def test_focus_lets_the_user_type_into_the_input(objects):
    click_and_read(objects, "#focus", "#focus-result")
    objects.keyboard.type("typed")
    assert objects.input_value("#focus-target") == "typed"
