"""/call-js-example-1: Swift calls the JS function convertArray and renders its result."""

from html.parser import HTMLParser

from conftest import fetch_html, has_marker, mark_on_parse, marked_before_ready, wait_ready

PATH = "/call-js-example-1"
TITLE = "Call JS convertArray Function"
QUOTE = "Can't stop the signal, Mal."
LINKS = ["Universal Pictures", "Serenity", "David Krumholtz on IMDB"]


class _Elements(HTMLParser):
    """Collects (tag, text content, tags of descendants) for every element of a document."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[dict] = []
        self.done: list[dict] = []

    def handle_starttag(self, tag, attrs):
        for el in self.open:
            el["descendants"].append(tag)
        if tag not in self.VOID:
            self.open.append({"tag": tag, "text": "", "descendants": []})

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i]["tag"] == tag:
                self.done.extend(reversed(self.open[i:]))
                del self.open[i:]
                return

    def handle_data(self, data):
        for el in self.open:
            el["text"] += data

    def elements(self, tag):
        return [e for e in self.done + self.open if e["tag"] == tag]


def _norm(s: str) -> str:
    return " ".join(s.split())


def test_prerendered_html_has_heading_and_button(server):
    parser = _Elements()
    parser.feed(fetch_html(server + PATH))
    parser.close()
    h1s = [e for e in parser.elements("h1") if _norm(e["text"]) == TITLE]
    assert h1s, f"no <h1> {TITLE!r} in the prerendered HTML; h1s: {[e['text'] for e in parser.elements('h1')]}"
    assert "code" in h1s[0]["descendants"], "convertArray should be inside a <code> in the <h1>"
    codes = [e for e in parser.elements("code") if _norm(e["text"]) == "convertArray"]
    assert codes, "no <code>convertArray</code> in the prerendered HTML"
    buttons = [e for e in parser.elements("button") if _norm(e["text"]) == "Convert Array"]
    assert buttons, "no <button>Convert Array</button> in the prerendered HTML"


def test_page_content(server, page):
    page.goto(server + PATH)
    wait_ready(page)
    assert _norm(page.text_content("h1")) == TITLE
    assert page.text_content("h1 code").strip() == "convertArray"
    assert page.locator("button", has_text="Convert Array").count() == 1
    # The three links are in one paragraph.
    paragraphs = page.evaluate(
        """(names) => [...document.querySelectorAll('p')]
            .map(p => [...p.querySelectorAll('a')].map(a => a.textContent.trim()))
            .filter(texts => names.every(n => texts.includes(n)))""",
        LINKS,
    )
    assert paragraphs, f"no paragraph holds the links {LINKS}"
    quote_shown = page.evaluate(
        "q => [...document.querySelectorAll('em')].some(e => e.textContent.trim() === q)", QUOTE
    )
    assert not quote_shown, "the quote must not be shown before the click"


def test_convert_array_renders_quote_without_rebuilding_the_dom(server, page):
    mark_on_parse(page, "h1")
    page.goto(server + PATH)
    wait_ready(page)
    assert marked_before_ready(page, "h1"), "tagging should have happened before Tether.ready"
    assert has_marker(page, "h1"), "the prerendered <h1> was replaced when the circuit took over"

    page.locator("button", has_text="Convert Array").click()
    page.wait_for_function(
        "q => [...document.querySelectorAll('em')].some(e => e.textContent.trim() === q)", arg=QUOTE
    )
    paragraph = page.evaluate(
        """q => {
            const em = [...document.querySelectorAll('em')].find(e => e.textContent.trim() === q);
            const p = em.closest('p');
            return p ? p.textContent : null;
        }""",
        QUOTE,
    )
    assert paragraph is not None, "the <em> should be inside a <p>"
    assert " - Mr. Universe" in _norm(paragraph), f"paragraph text: {paragraph!r}"
    assert has_marker(page, "h1"), "the <h1> was replaced by the render after the click"
