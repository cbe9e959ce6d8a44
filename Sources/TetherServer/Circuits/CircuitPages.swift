import Foundation
import TetherUI

/// The pages a circuit can show, each as a GET of its URL shows it: a server page inside its
/// layout, and an auto page without one, as the WebAssembly module shows it, so the circuit's
/// first render is the page's prerender. A page only the module runs (`.webAssembly`) is not
/// among them: no circuit ever renders it, and at its URL a circuit shows the not-found page.
struct CircuitPages: Sendable {
    /// The app's server pages.
    let server: PageRouter
    /// The app's WebAssembly module, whose auto pages circuits show; nil when the app has none.
    let module: WebAssemblyModule?
    /// Shown at a URL no page of the circuit's matches.
    let notFound: any Page.Type

    init(server: PageRouter, module: WebAssemblyModule? = nil, notFound: any Page.Type) {
        self.server = server
        self.module = module
        self.notFound = notFound
    }

    init(app: TetherApp) {
        self.init(server: app.pages, module: app.webAssembly, notFound: app.notFoundPage)
    }

    /// A page made for a URL, and how the circuit shows it.
    struct Resolved {
        let page: any Component
        let route: RouteValues
        /// False for an auto page: the module shows it without its layout, so the circuit does too.
        let showsLayout: Bool
    }

    /// The page class at `url` (inside the mount) and its mode, as `TetherApp.page(at:)` decides
    /// it: the module's pages first, then the server's.
    func match(url: String) -> (mode: RenderMode, page: any Page.Type, route: RouteValues)? {
        if let match = module?.match(url: url) { return match }
        if let (page, route) = server.match(url: url) { return (.server, page, route) }
        return nil
    }

    /// A fresh page for `url`: the server's or an auto page, and otherwise the not-found page.
    func resolve(_ url: String) -> Resolved {
        switch match(url: url) {
        case let (.server, page, route)?: Resolved(page: page.init(), route: route, showsLayout: true)
        case let (.auto, page, route)?: Resolved(page: page.init(), route: route, showsLayout: false)
        case (.webAssembly, _, _)?, nil:
            Resolved(page: notFound.init(), route: RouteValues(path: URLComponents(string: url)?.percentEncodedPath ?? url), showsLayout: true)
        }
    }

    /// The server page at `url`: the only kind a circuit shows in place, for a link or `navigateTo`.
    /// An auto page loads in full, so the browser chooses its mode again, and so does a page whose
    /// layout would differ from the one the circuit's renderer shows.
    func serverPage(at url: String) -> (any Page.Type)? {
        guard case let (.server, page, _)? = match(url: url) else { return nil }
        return page
    }

    /// Whether the circuit shows the page at `url` inside its layout: all but an auto page.
    func showsLayout(at url: String) -> Bool {
        match(url: url)?.mode != .auto
    }

    /// The page class at `url` that decides who may see it, whatever its mode.
    func pageType(at url: String) -> (any Page.Type)? {
        match(url: url)?.page
    }
}
