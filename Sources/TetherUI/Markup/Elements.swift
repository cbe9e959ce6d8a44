// Element constructors for the HTML DSL. Each takes attributes and, where HTML allows, content.

public func element(_ tag: String, _ attributes: [Attribute] = [], @HTMLBuilder _ content: () -> Content = { [] }) -> Element {
    var node = Element(tag, children: content())
    for attribute in attributes { node = node.applying(attribute) }
    return node
}

public func div(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("div", a, c) }
public func span(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("span", a, c) }
public func p(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("p", a, c) }
public func h1(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("h1", a, c) }
public func h2(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("h2", a, c) }
public func h3(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("h3", a, c) }
public func a(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("a", a, c) }
public func em(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("em", a, c) }
public func strong(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("strong", a, c) }
public func code(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("code", a, c) }
public func pre(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("pre", a, c) }
public func button(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("button", a, c) }
public func label(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("label", a, c) }
public func form(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("form", a, c) }
public func select(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("select", a, c) }
public func option(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("option", a, c) }
public func textarea(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("textarea", a, c) }
public func output(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("output", a, c) }
public func ul(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("ul", a, c) }
public func ol(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("ol", a, c) }
public func li(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("li", a, c) }
public func nav(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("nav", a, c) }
public func main(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("main", a, c) }
public func header(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("header", a, c) }
public func footer(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("footer", a, c) }
public func section(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("section", a, c) }
public func table(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("table", a, c) }
public func tr(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("tr", a, c) }
public func td(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("td", a, c) }
public func th(_ a: Attribute..., @HTMLBuilder content c: () -> Content = { [] }) -> Element { element("th", a, c) }
public func input(_ a: Attribute...) -> Element { element("input", a) }
public func img(_ a: Attribute...) -> Element { element("img", a) }
public func br() -> Element { element("br") }
public func hr() -> Element { element("hr") }
