import TetherInterop
import TetherUI

/// Typed event args, preventDefault, debounce and throttle, and a "Loading…" state rendered
/// while an async handler awaits JS.
public final class EventsPage: Page {
    public static let route = "/events"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    @Inject(\.js) var js
    private var lastKey = ""
    private var lastClick = ""
    private var debounced = ""
    private var debounceEvents = 0
    private var throttleEvents = 0
    private var slowStatus = "idle"
    private var prevented = 0
    private var dblclicks = 0
    private var focusState = "blurred"

    public var body: Content {
        h1 { "Events" }
        p {
            input(.id("keys"), .type("text"), .placeholder("press keys"))
                .on("keydown") { args in
                    self.lastKey = "\(args.key ?? "") ctrl=\(args.ctrlKey) shift=\(args.shiftKey) alt=\(args.altKey)"
                }
                .on("focus") { self.focusState = "focused" }
                .on("blur") { self.focusState = "blurred" }
            " "
            span(.id("last-key")) { lastKey }
            " "
            span(.id("focus-state")) { focusState }
        }
        p {
            button(.id("click-target"), .type("button")) { "Click me" }
                .onClick { args in self.lastClick = "button=\(args.button ?? -1) detail=\(args.detail ?? 0)" }
                .on("dblclick") { self.dblclicks += 1 }
            " "
            span(.id("last-click")) { lastClick }
            " dblclicks: "
            span(.id("dblclicks")) { dblclicks }
        }
        p {
            input(.id("debounced-input"), .type("text"))
                .on("input", EventOptions(debounce: 300)) { args in
                    self.debounced = args.value ?? ""
                    self.debounceEvents += 1
                }
            " "
            span(.id("debounced")) { debounced }
            " events: "
            span(.id("debounce-events")) { debounceEvents }
        }
        p {
            input(.id("throttled-input"), .type("text"))
                .on("input", EventOptions(throttle: 1000)) { _ in self.throttleEvents += 1 }
            " events: "
            span(.id("throttle-events")) { throttleEvents }
        }
        p {
            a(.id("prevented-link"), .href("/nowhere")) { "A link whose click is handled in Swift" }
                .onClick(.preventDefault) { self.prevented += 1 }
            " "
            span(.id("prevented")) { prevented }
        }
        p {
            button(.id("slow"), .type("button")) { "Await slow JS" }.onClick { try await self.slow() }
            " "
            span(.id("slow-status")) { slowStatus }
        }
    }

    private func slow() async throws {
        slowStatus = "Loading…"
        try await js.invokeVoid("eventsDemoWait", 400)
        slowStatus = "Done"
    }
}
