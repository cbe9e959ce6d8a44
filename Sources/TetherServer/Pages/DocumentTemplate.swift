import TetherUI

/// The HTML shell every page is rendered into. The app owns it: it can add tags to `<head>` and
/// scripts after the runtime at the end of `<body>`.
///
/// Scripts inside component markup are not executed, as in Blazor: a component's markup is
/// patched into the DOM, and the browser never runs scripts inserted that way. Load scripts here,
/// from a module imported through the JS runtime, or from a JS initializer.
public struct DocumentTemplate: Sendable {
    /// The `<title>` of a page that sets none with `PageTitle`, escaped.
    public var title: String
    /// The `lang` attribute of `<html>`.
    public var lang: String
    /// Raw HTML added to `<head>`: `<meta>`, `<link>`, `<script>` tags.
    public var head: String
    /// Raw HTML added at the end of `<body>`, after the runtime's script tag.
    public var bodyEnd: String
    /// Set false to start the runtime yourself with `Tether.start(options)`.
    public var autostart: Bool

    /// A template; `TetherApp.document` starts as `DocumentTemplate()`, and an app usually sets
    /// its properties one by one.
    public init(title: String = "Tether", lang: String = "en", head: String = "", bodyEnd: String = "", autostart: Bool = true) {
        self.title = title
        self.lang = lang
        self.head = head
        self.bodyEnd = bodyEnd
        self.autostart = autostart
    }

    /// The entry's imports, fetched in parallel with it rather than one import level at a time.
    /// They close `<head>`, so the fetches start before the body is parsed and after anything the
    /// app put in `head` that governs them, such as a Content-Security-Policy `<meta>`.
    private static func runtimePreloads(_ modules: [String], base: String) -> String {
        modules.map { "<link rel=\"modulepreload\" href=\"\(base)\(RuntimeAsset.path(for: $0))\">" }.joined()
    }

    /// How the page's runtime starts: a circuit from the signed descriptor, the app's
    /// WebAssembly module from its URL, or (auto) either, as the browser chooses.
    enum Bootstrap {
        /// `descriptor` is what the circuit starts from, and `circuit` the id it gives the page's
        /// circuit, which the runtime puts in its socket URL for a proxy to route by.
        case circuit(descriptor: String, circuit: String)
        /// The module's URL, from the site root.
        case webAssembly(moduleURL: String)
        /// Both: auto.js starts the module when the browser has stored `moduleVersion` of it, and
        /// the circuit otherwise. A nil version (no module built) always starts the circuit.
        case auto(descriptor: String, circuit: String, moduleURL: String, moduleVersion: String?)
    }

    /// The page; `base` is the mount path ("" at the site root) the runtime finds Tether under,
    /// and `circuit` the id the descriptor gives the page's circuit, which the runtime puts in its
    /// socket URL for a proxy to route by. `pageHead` is what the page's `PageTitle` and
    /// `HeadContent` rendered: its elements follow the app's own `head`.
    func render(content: String, descriptor: String, circuit: String, base: String, head pageHead: DocumentHead = DocumentHead()) -> String {
        render(content: content, bootstrap: .circuit(descriptor: descriptor, circuit: circuit), base: base, head: pageHead)
    }

    /// The page, started as `bootstrap` says. A WebAssembly page loads `wasm.js` with the
    /// module's URL on its script tag, carries no descriptor, and opens no WebSocket; it always
    /// starts by itself (`autostart` is for `Tether.start(options)`, which only circuits have).
    /// An auto page carries both, loads `auto.js`, and always starts by itself too: no
    /// `Tether` exists to start until auto.js has chosen which runtime it is.
    func render(content: String, bootstrap: Bootstrap, base: String, head pageHead: DocumentHead = DocumentHead()) -> String {
        var out = "<!DOCTYPE html><html lang=\"\(HTMLWriter.escape(lang, attribute: true))\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\">"
        out += "<title>\(HTMLWriter.escape(pageHead.title ?? title))</title>"
        out += head
        out += pageHead.elements
        switch bootstrap {
        case .circuit: out += Self.runtimePreloads(RuntimeAsset.imported, base: base)
        case .webAssembly: out += Self.runtimePreloads(RuntimeAsset.webAssemblyImported, base: base)
        case .auto: out += Self.runtimePreloads(RuntimeAsset.autoImported, base: base)
        }
        out += "</head><body><div id=\"tether-root\""
        switch bootstrap {
        case .circuit(let descriptor, let circuit), .auto(let descriptor, let circuit, _, _):
            out += " data-tether-descriptor=\"\(HTMLWriter.escape(descriptor, attribute: true))\""
            if !circuit.isEmpty { out += " data-tether-circuit=\"\(HTMLWriter.escape(circuit, attribute: true))\"" }
        case .webAssembly: break
        }
        if !base.isEmpty { out += " data-tether-base=\"\(HTMLWriter.escape(base, attribute: true))\"" }
        out += ">"
        out += content
        switch bootstrap {
        case .circuit:
            out += "</div><script type=\"module\" src=\"\(base)\(RuntimeAsset.path(for: RuntimeAsset.entry))\"\(autostart ? "" : " autostart=\"false\"")></script>"
        case .webAssembly(let moduleURL):
            out += "</div><script type=\"module\" src=\"\(base)\(RuntimeAsset.path(for: RuntimeAsset.webAssemblyEntry))\" "
            out += "\(WasmAttribute.module.rawValue)=\"\(HTMLWriter.escape(moduleURL, attribute: true))\"></script>"
        case .auto(_, _, let moduleURL, let moduleVersion):
            out += "</div><script type=\"module\" src=\"\(base)\(RuntimeAsset.path(for: RuntimeAsset.autoEntry))\" "
            out += "\(WasmAttribute.module.rawValue)=\"\(HTMLWriter.escape(moduleURL, attribute: true))\""
            if let moduleVersion {
                out += " \(WasmAttribute.moduleVersion.rawValue)=\"\(HTMLWriter.escape(moduleVersion, attribute: true))\""
            }
            out += "></script>"
        }
        out += bodyEnd
        out += "</body></html>"
        return out
    }
}
