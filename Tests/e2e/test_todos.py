"""/todos: a keyed list of child components.

The page starts with two rows, "Write the diff" and "Ship the runtime". #new-todo is bound on
input, #add appends a row, each li.todo holds input.todo-text (its edit is sent on change, i.e.
on blur), .up (disabled on the first row) and .remove; #todo-count shows the number of rows.
Rows are keyed by id, so moving a row must move its <li>, not rewrite the contents of the rows.
"""

from component_support import open_page, text, wait_text
from conftest import wait_until
from interop_support import FrameRecorder

FIRST, SECOND = "Write the diff", "Ship the runtime"

ROW_TEXTS = "() => [...document.querySelectorAll('li.todo input.todo-text')].map(i => i.value)"


def row_texts(page) -> list[str]:
    return page.evaluate(ROW_TEXTS)


def wait_rows(page, expected: list[str]) -> None:
    try:
        page.wait_for_function(
            f"(want) => JSON.stringify(({ROW_TEXTS})()) === JSON.stringify(want)", arg=expected
        )
    except Exception:
        raise AssertionError(f"rows should become {expected}; they are {row_texts(page)}") from None


def add(page, todo: str, expected_rows: list[str]) -> None:
    page.fill("#new-todo", todo)
    page.click("#add")
    wait_rows(page, expected_rows)


def open_todos(server, page) -> None:
    open_page(page, server + "/todos")
    assert row_texts(page) == [FIRST, SECOND]
    assert text(page, "#todo-count") == "2"


def test_add_a_row(server, page):
    open_todos(server, page)
    add(page, "Test the rows", [FIRST, SECOND, "Test the rows"])
    wait_text(page, "#todo-count", "3")
    # The bound input is cleared by the re-render after the add.
    page.wait_for_function("() => document.querySelector('#new-todo').value === ''")
    # A blank entry adds nothing.
    page.fill("#new-todo", "   ")
    page.click("#add")
    page.fill("#new-todo", "Fourth")
    page.click("#add")
    wait_rows(page, [FIRST, SECOND, "Test the rows", "Fourth"])
    wait_text(page, "#todo-count", "4")


def test_remove_a_row(server, page):
    open_todos(server, page)
    add(page, "Third", [FIRST, SECOND, "Third"])
    page.locator("li.todo").nth(1).locator(".remove").click()
    wait_rows(page, [FIRST, "Third"])
    wait_text(page, "#todo-count", "2")
    page.locator("li.todo").nth(0).locator(".remove").click()
    wait_rows(page, ["Third"])
    wait_text(page, "#todo-count", "1")
    # The row that became first has its .up disabled.
    page.wait_for_function("() => document.querySelector('li.todo .up').disabled === true")


def test_move_a_row_up(server, page):
    open_todos(server, page)
    up_disabled = "() => [...document.querySelectorAll('li.todo .up')].map(b => b.disabled)"
    assert page.evaluate(up_disabled) == [True, False]
    page.locator("li.todo").nth(1).locator(".up").click()
    wait_rows(page, [SECOND, FIRST])
    # isFirst is a parameter of the row: it follows the move.
    page.wait_for_function(f"() => JSON.stringify(({up_disabled})()) === '[true,false]'")
    assert text(page, "#todo-count") == "2"


def test_moving_a_row_moves_its_element(server, page):
    open_todos(server, page)
    add(page, "Third", [FIRST, SECOND, "Third"])
    page.evaluate(
        """() => document.querySelectorAll('li.todo').forEach(li => {
            li.__row = li.querySelector('input.todo-text').value;
            li.querySelector('input.todo-text').__row = li.__row;
        })"""
    )
    page.locator("li.todo").nth(2).locator(".up").click()
    wait_rows(page, [FIRST, "Third", SECOND])
    tags = page.evaluate(
        """() => [...document.querySelectorAll('li.todo')].map(li => [
            li.__row ?? null, li.querySelector('input.todo-text').__row ?? null,
        ])"""
    )
    # Each expando stays with its row: the <li> (and its input) moved; they were not rewritten.
    assert tags == [[FIRST, FIRST], ["Third", "Third"], [SECOND, SECOND]], (
        f"expected the third row's elements to move up, got (li tag, input tag) per row: {tags}"
    )


def test_focus_caret_and_unsent_text_survive_a_move(server, page):
    frames = FrameRecorder().attach(page)
    open_todos(server, page)
    add(page, "Third", [FIRST, SECOND, "Third"])
    third = page.locator("li.todo").nth(2).locator("input.todo-text")
    third.click()
    page.keyboard.press("End")
    page.keyboard.type(" row")  # no change event yet: it is only sent on blur
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    before = page.evaluate(
        """() => {
            const el = document.activeElement;
            el.__focused = 1;
            return [el.value, el.selectionStart, el.selectionEnd];
        }"""
    )
    assert before == ["Third row", 7, 7]
    # element.click() from JS: the click reaches the handler without moving focus.
    page.evaluate("() => document.querySelectorAll('li.todo')[2].querySelector('.up').click()")
    wait_rows(page, [FIRST, "Third row", SECOND])
    after = page.evaluate(
        """() => {
            const el = document.activeElement;
            const rows = [...document.querySelectorAll('li.todo input.todo-text')];
            return {
                focusedIsTheTypedInput: el.__focused === 1,
                focusedRow: rows.indexOf(el),
                value: el.value,
                selection: [el.selectionStart, el.selectionEnd],
            };
        }"""
    )
    assert after == {
        "focusedIsTheTypedInput": True,
        "focusedRow": 1,
        "value": "Third row",
        "selection": [7, 7],
    }
    # The move did not blur the input, so its text is still unsent.
    sent = [t for t in frames.texts("sent") if "Third row" in t]
    assert sent == [], f"the typed text was sent although the input kept focus: {sent}"
    # Typing goes on where the caret was.
    page.keyboard.type("!")
    assert page.evaluate("() => document.activeElement.value") == "Third r!ow"


def test_edit_is_sent_on_blur(server, page):
    """The typed text reaches the server on change, and the server's re-render of the row
    carries it back as the input's value attribute."""
    frames = FrameRecorder().attach(page)
    open_todos(server, page)
    first = page.locator("li.todo").nth(0).locator("input.todo-text")
    first.click()
    page.keyboard.press("End")
    page.keyboard.type(" tests")
    assert [t for t in frames.texts("sent") if "tests" in t] == []
    first.blur()
    wait_until(page, lambda: any("Write the diff tests" in t for t in frames.texts("received")),
               "the server did not re-render the row with the edited text")
    changes = [t for t in frames.texts("sent") if "Write the diff tests" in t]
    assert len(changes) == 1 and '"change"' in changes[0], f"expected one change event, got {changes}"
    renders = [t for t in frames.texts("received") if "Write the diff tests" in t]
    assert renders, "the server did not re-render the row with the edited text"
    assert row_texts(page) == ["Write the diff tests", SECOND]
