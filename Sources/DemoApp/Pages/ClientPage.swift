import TetherInterop
import TetherUI

/// Client behaviours without JS of the page's own: client commands that run with no round trip,
/// loading, offline and dirty states, and focus and scrolling from Swift.
public final class ClientPage: Page {
    public static let route = "/client"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    private let search = ElementReference()
    private let far = ElementReference()
    private var renders = 0
    private var saves = 0
    private var name = "Ada"
    private var referenceError = ""

    public var body: Content {
        h1 { "Client behaviours" }
        section {
            h2 { "Client commands" }
            p {
                button(.id("menu-toggle"), .type("button")) { "Menu" }
                    .onClick(.client(.toggle("#menu").toggleClass("open")))
                " "
                button(.id("highlight"), .type("button")) { "Highlight the panel" }
                    .onClick(.client(.toggleClass("highlighted", on: "#panel")))
                " "
                button(.id("focus-search-client"), .type("button")) { "Focus search (client)" }
                    .onClick(.client(.focus("#search")))
                " "
                button(.id("announce"), .type("button")) { "Announce" }
                    .onClick(.client(.dispatch("demo:announce", detail: ["from": "client"], to: "#panel")))
                " "
                // Client commands first, then the server's handler, which re-renders the panel.
                button(.id("rerender"), .type("button")) { "Re-render the panel" }
                    .onClick(.client(.setAttribute("aria-pressed", "true"))) { self.renders += 1 }
            }
            ul(.id("menu")) {
                li { "Profile" }
                li { "Settings" }
            }.attribute("hidden", "")
            // The server owns this class: every render changes it, and a class a command added stays.
            div(.id("panel"), .class("panel renders-\(renders)")) {
                "Panel, rendered by the server "
                span(.id("renders")) { renders }
                " times"
            }
            p { input(.id("search"), .type("search"), .placeholder("Search")).ref(search) }
        }
        section {
            h2 { "Focus and scrolling from Swift" }
            p {
                button(.id("focus-search"), .type("button")) { "Focus search (server)" }
                    .onClick { try await self.search.focus() }
                " "
                button(.id("scroll-far"), .type("button")) { "Scroll to the end" }
                    .onClick { try await self.far.scrollIntoView(behavior: .instant, block: .center) }
                " "
                button(.id("focus-unrendered"), .type("button")) { "Focus an element never rendered" }
                    .onClick {
                        do {
                            try await ElementReference().focus()
                        } catch {
                            self.referenceError = "\(error)"
                        }
                    }
            }
            p(.id("reference-error")) { referenceError }
        }
        section {
            h2 { "Loading" }
            p {
                button(.id("save"), .type("button")) { "Save (takes a second)" }
                    .onClick {
                        try await Task.sleep(for: .seconds(1))
                        self.saves += 1
                    }
                    .loading(.class("loading"), .attribute("disabled"), delay: 100)
                " "
                span(.id("saving")) { "Saving…" }.loading(.show, delay: 100, target: "save")
                " saved "
                span(.id("saves")) { saves }
                " times"
            }
        }
        section {
            h2 { "Offline and dirty" }
            p(.id("offline-banner")) { "Offline: the page reconnects on its own." }.offline(.show)
            p {
                input(.id("name"), .type("text")).bind(binding(\.name)).dirty(.class("dirty"))
                " "
                span(.id("name-unsaved")) { "unsaved" }.dirty(.show, input: "name")
                " the server has "
                span(.id("name-saved")) { name }
            }
        }
        div(.style("height: 2000px")) {}
        p(.id("far")) { "The end of the page" }.ref(far)
    }
}
