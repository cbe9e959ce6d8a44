"""/form: bound fields with per-field validation.

#name (bound on input, required), #age (number, bound on input, 0–150), #agree (checkbox, must be
checked), #color (select, red/green/blue, default red), #submit. A submit runs the rules and shows
each message in a div.validation-message next to its field; after the first submit, messages
follow every edit. A valid submit shows the model in #submitted as JSON with sorted keys.
"""

from component_support import mark_document, open_page, same_document, text, wait_text

NAME_REQUIRED = "Name is required."
AGE_NOT_A_NUMBER = "Age must be a number."
AGE_RANGE = "Age must be between 0 and 150."
MUST_AGREE = "You must agree to the terms."

MESSAGES = """() => [...document.querySelectorAll('.validation-message')]
    .map(m => [m.getAttribute('data-field'), m.textContent.trim()])"""


def messages(page) -> list[list[str]]:
    return page.evaluate(MESSAGES)


def wait_messages(page, expected: list[list[str]]) -> None:
    try:
        page.wait_for_function(
            f"(want) => JSON.stringify(({MESSAGES})()) === JSON.stringify(want)", arg=expected
        )
    except Exception:
        raise AssertionError(f"validation messages should become {expected}; they are {messages(page)}") from None


def open_form(server, page) -> None:
    open_page(page, server + "/form")
    assert messages(page) == []
    assert text(page, "#submitted") == ""


def test_empty_submit_shows_three_messages(server, page):
    open_form(server, page)
    # Before the first submit, edits validate nothing.
    page.fill("#name", "x")
    page.fill("#name", "")
    # Proving that no message appears takes a bounded wait: time for the two input events'
    # round trips and renders.
    page.wait_for_timeout(300)
    assert messages(page) == []
    mark_document(page)
    page.click("#submit")
    wait_messages(page, [["name", NAME_REQUIRED], ["age", AGE_NOT_A_NUMBER], ["agree", MUST_AGREE]])
    assert text(page, "#submitted") == ""
    # Likewise for "no navigation follows the submit".
    page.wait_for_timeout(300)
    assert same_document(page) and page.url == server + "/form", "the submit must not reload or navigate"


def test_messages_follow_edits_after_the_first_submit(server, page):
    open_form(server, page)
    page.click("#submit")
    wait_messages(page, [["name", NAME_REQUIRED], ["age", AGE_NOT_A_NUMBER], ["agree", MUST_AGREE]])

    page.fill("#name", "Ada")
    wait_messages(page, [["age", AGE_NOT_A_NUMBER], ["agree", MUST_AGREE]])
    page.fill("#age", "36")
    wait_messages(page, [["agree", MUST_AGREE]])
    page.check("#agree")
    wait_messages(page, [])
    # ...and back: clearing a field shows its message again, without a submit.
    page.fill("#name", "")
    wait_messages(page, [["name", NAME_REQUIRED]])
    page.fill("#age", "151")
    wait_messages(page, [["name", NAME_REQUIRED], ["age", AGE_RANGE]])
    page.uncheck("#agree")
    wait_messages(page, [["name", NAME_REQUIRED], ["age", AGE_RANGE], ["agree", MUST_AGREE]])
    assert text(page, "#submitted") == "", "edits alone must not submit"


def test_age_out_of_range(server, page):
    open_form(server, page)
    page.fill("#name", "Ada")
    page.fill("#age", "200")
    page.check("#agree")
    page.click("#submit")
    wait_messages(page, [["age", AGE_RANGE]])
    assert text(page, "#submitted") == ""
    # The bounds are inclusive.
    page.fill("#age", "150")
    wait_messages(page, [])
    page.fill("#age", "-1")
    wait_messages(page, [["age", AGE_RANGE]])
    page.fill("#age", "0")
    wait_messages(page, [])


def test_valid_submit_shows_json(server, page):
    open_form(server, page)
    page.fill("#name", "Ada")
    page.fill("#age", "36")
    page.check("#agree")
    page.click("#submit")
    wait_text(page, "#submitted", '{"age":36,"agree":true,"color":"red","name":"Ada"}')
    assert messages(page) == []


def test_selected_color_is_in_json(server, page):
    open_form(server, page)
    assert page.eval_on_selector("#color", "s => s.value") == "red"
    page.fill("#name", "Ada")
    page.fill("#age", "36")
    page.check("#agree")
    page.select_option("#color", "blue")
    page.click("#submit")
    wait_text(page, "#submitted", '{"age":36,"agree":true,"color":"blue","name":"Ada"}')
    # The server re-render keeps the choice selected.
    assert page.eval_on_selector("#color", "s => s.value") == "blue"
    # A later invalid submit clears the shown JSON.
    page.fill("#name", " ")
    page.select_option("#color", "green")
    page.click("#submit")
    wait_messages(page, [["name", NAME_REQUIRED]])
    wait_text(page, "#submitted", "")
    page.fill("#name", "Grace")
    page.click("#submit")
    wait_text(page, "#submitted", '{"age":36,"agree":true,"color":"green","name":"Grace"}')
