// Element constructors for the HTML DSL. Each takes attributes and, where HTML allows, content.

/// Any element by its tag name, for tags the DSL has no function for:
/// `element("details", [.class("faq")]) { element("summary") { "Why?" } }`.
///
/// The tag is lowercased. An attribute whose name is not valid, an inline `on*` handler and
/// Tether's own `data-t-*` attributes are dropped and reported (see `MarkupError`).
public func element(_ tag: String, _ attributes: [Attribute] = [], @HTMLBuilder _ content: () -> Content = { [] }) -> Element {
    var node = Element(tag, children: content())
    for attribute in attributes { node = node.applying(attribute) }
    return node
}

/// `<div>`, a generic block container.
public func div(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("div", a, c) }
/// `<span>`, a generic inline container.
public func span(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("span", a, c) }
/// `<p>`, a paragraph.
public func p(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("p", a, c) }
/// `<h1>`, a first-level heading.
public func h1(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("h1", a, c) }
/// `<h2>`, a second-level heading.
public func h2(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("h2", a, c) }
/// `<h3>`, a third-level heading.
public func h3(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("h3", a, c) }
/// `<a>`, a link; a link to one of the app's own pages navigates inside the circuit.
public func a(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("a", a, c) }
/// `<em>`, emphasized text.
public func em(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("em", a, c) }
/// `<strong>`, strongly important text.
public func strong(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("strong", a, c) }
/// `<code>`, a fragment of code.
public func code(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("code", a, c) }
/// `<pre>`, preformatted text.
public func pre(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("pre", a, c) }
/// `<button>`, a button.
public func button(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("button", a, c) }
/// `<label>`, a form control's caption.
public func label(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("label", a, c) }
/// `<form>`, a form; give it `.onSubmit { }` and the browser's own submit is prevented.
public func form(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("form", a, c) }
/// `<select>`, a drop-down list, of `option` elements.
public func select(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("select", a, c) }
/// `<option>`, one choice of a `select`.
public func option(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("option", a, c) }
/// `<textarea>`, a multi-line text field.
public func textarea(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("textarea", a, c) }
/// `<output>`, the result of a calculation or an action.
public func output(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("output", a, c) }
/// `<ul>`, an unordered list.
public func ul(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("ul", a, c) }
/// `<ol>`, an ordered list.
public func ol(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("ol", a, c) }
/// `<li>`, a list item.
public func li(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("li", a, c) }
/// `<nav>`, a block of navigation links.
public func nav(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("nav", a, c) }
/// `<main>`, the page's main content.
public func main(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("main", a, c) }
/// `<header>`, introductory content.
public func header(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("header", a, c) }
/// `<footer>`, closing content.
public func footer(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("footer", a, c) }
/// `<section>`, a section of a document.
public func section(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("section", a, c) }
/// `<table>`, a table.
public func table(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("table", a, c) }
/// `<tr>`, a table row.
public func tr(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("tr", a, c) }
/// `<td>`, a table cell.
public func td(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("td", a, c) }
/// `<th>`, a table header cell.
public func th(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("th", a, c) }
/// `<input>`, a form field; it has no content. Bind it with `bind(_:on:)` or `bind(checked:)`.
public func input(_ a: Attribute...) -> Element { element("input", a) }
/// `<img>`, an image; it has no content: `img(.src("/logo.png"), Attribute("alt", "Logo"))`.
public func img(_ a: Attribute...) -> Element { element("img", a) }
/// `<br>`, a line break.
public func br() -> Element { element("br") }
/// `<hr>`, a thematic break.
public func hr() -> Element { element("hr") }
