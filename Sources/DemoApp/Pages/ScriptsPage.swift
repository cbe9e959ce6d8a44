import TetherInterop
import TetherUI

/// One script of each kind: in `<head>`, at the end of `<body>`, an external file, and this
/// component's collocated module. Each sets `ran` in its own element.
public final class ScriptsPage: Page {
    public static let route = "/scripts"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    @Inject(\.js) var js
    private var collocated = ""
    private var injected = ""
    private var module: JSObjectReference?
    private var markup = MarkupString("")

    public var body: Content {
        h1 { "Scripts" }
        p { "Head script: "; span(.id("head-script")) }
        p { "Body script: "; span(.id("body-script")) }
        p { "External script: "; span(.id("external-script")) }
        p { "Collocated module: "; span(.id("collocated-module")) { collocated } }
        p {
            button(.id("inject-script"), .type("button")) { "Inject a script" }.onClick { try await self.inject() }
            " "
            span(.id("injected-by-component")) { injected }
        }
        p {
            // Scripts in component markup are not executed, as in Blazor.
            element("script") { "document.documentElement.dataset.componentScript = 'ran';" }
            button(.id("insert-markup-script"), .type("button")) { "Insert a script as markup" }
                .onClick { self.markup = MarkupString(#"<script>document.documentElement.dataset.markupScript = 'ran';</script><span id="markup-inserted">inserted</span>"#) }
            markup
        }
    }

    override public func onAfterRender(firstRender: Bool) async throws {
        guard firstRender else { return }
        let module = try await js.importModule("/_content/DemoApp/ScriptsPage.js")
        self.module = module
        collocated = try await module.invoke("status")
        stateHasChanged()
    }

    override public func dispose() async {
        module?.dispose()
    }

    private func inject() async throws {
        guard let module else { return }
        let loaded: Bool = try await module.invoke("injectScript", "/js/injected.js")
        let ran: String = try await js.invoke("injectedScriptStatus")
        injected = loaded ? ran : "not loaded"
    }
}
