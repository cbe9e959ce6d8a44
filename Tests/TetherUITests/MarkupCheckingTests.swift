import Logging
import Synchronization
import Testing
import TetherInterop
import TetherTesting
import TetherUI

/// A log handler that keeps what it is given, to count lines.
private final class LogRecorder: LogHandler, @unchecked Sendable {
    let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withLock { $0.append("\(event.message) \(event.metadata?["problem"].map { "\($0)" } ?? "")") }
    }
}

final class Loud: Component {
    var markup: () -> Content = { [] }
    var name = ""
    var body: Content { markup() }
}

/// Markup the DSL cannot honour is an error under test and in debug builds, naming the element
/// and its component, and one log line in release builds.
struct MarkupCheckingTests {
    private func error(_ markup: @escaping (Loud) -> Content) async -> String? {
        await markupErrorText {
            let loud = Loud()
            loud.markup = { markup(loud) }
            _ = try await ComponentTestHost(loud)
        }
    }

    @Test func anUnknownEventNameIsAnErrorNamingTheElement() async {
        let message = await error { _ in [.element(button(.id("go")) { "Go" }.on("clik") {})] }
        #expect(message?.hasPrefix(#"Loud, <button id="go">: 'clik' is not an event Tether listens for"#) == true)
    }

    @Test func aHandlerReplacingABindingsHandlerIsAnError() async {
        let message = await error { loud in
            [.element(input(.id("name"), .class("field")).bind(loud.binding(\.name)).onChange { _ in })]
        }
        #expect(message?.hasPrefix(#"Loud, <input id="name" class="field">: a second 'change' handler replaced the first"#) == true)
    }

    @Test func droppedAttributesAreErrorsEachNamed() async {
        let message = await error { _ in [.element(div().attribute("x\" onload=\"y", "v").attribute("onClick", "alert(1)"))] }
        let lines = message?.split(separator: "\n").map(String.init) ?? []
        #expect(lines == [
            #"Loud, <div>: the attribute 'x" onload="y' was dropped: not a valid attribute name"#,
            #"Loud, <div>: the attribute 'onclick' was dropped: inline handlers are not allowed; use .on("event") { }"#,
        ])
    }

    @Test func aScriptElementIsDroppedButNotAnError() async throws {
        let loud = Loud()
        loud.markup = { [.element(element("script") { "alert(1)" }), .text("after")] }
        let host = try await ComponentTestHost(loud)
        #expect(host.html == "after")
    }

    @Test func correctMarkupIsNoError() async throws {
        let loud = Loud()
        loud.markup = { [.element(input(.id("name")).bind(loud.binding(\.name)).on("keydown") { _ in })] }
        let host = try await ComponentTestHost(loud)
        try await host.fire("keydown", at: "#name")
    }

    @Test func inReleaseEachProblemIsLoggedOnceAndTheRestRenders() async throws {
        let recorder = LogRecorder()
        let logger = Logger(label: "markup-test") { _ in recorder }
        let page = Loud()
        // A name no other test uses: the log-once set is per process.
        page.markup = { [.element(p(.id("release-only")) { "shown" }.on("tap-\(#line)") {})] }
        let renderer = Renderer(page: page, js: JSRuntime(channel: .prerendering(logger: logger)), isPrerendering: true)
        renderer.markupChecking = .logOnce
        try await renderer.initializePending()
        #expect(renderer.renderHTML() == #"<p id="release-only">shown</p>"#)
        try renderer.checkMarkup()
        page.stateHasChanged()
        _ = renderer.renderHTML()
        try renderer.checkMarkup()
        let lines = recorder.lines.withLock { $0 }
        #expect(lines.count == 1)
        #expect(lines.first?.contains(#"<p id=\"release-only\">"#) == true || lines.first?.contains("release-only") == true)
    }
}
