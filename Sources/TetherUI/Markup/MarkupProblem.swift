import TetherInterop
import TetherProtocol
#if !hasFeature(Embedded)
import Logging
import Synchronization
#endif

/// Markup the DSL could not honour as written. The element is still rendered, without the part
/// in question, and the renderer reports the problem naming the element and its component.
enum MarkupProblem: Equatable {
    /// `.on(name)` with an event the runtime does not listen for.
    case unknownEvent(String)
    /// An attribute whose name is not valid HTML, an inline `on*` handler, or one of Tether's own.
    case droppedAttribute(String, reason: String)
    /// A second handler for the same event replaced the first: `.bind(...)` then `.onChange {}`.
    case replacedHandler(String)
    /// A `<script>` in component markup, which would never run. Documented behaviour, as in
    /// Blazor, so only ever logged: it is not a mistake in what the DSL was asked to do.
    case droppedScript
    /// A client command or a loading, offline or dirty state the browser could not carry out.
    case invalidBehaviour(String)

    /// Whether `MarkupChecking.strict` fails the render for it.
    var failsStrictRender: Bool {
        switch self {
        case .unknownEvent, .droppedAttribute, .replacedHandler, .invalidBehaviour: true
        case .droppedScript: false
        }
    }

    var description: String {
        switch self {
        case .unknownEvent(let name):
            "'\(name)' is not an event Tether listens for; the handler was dropped (events: \(DOMEventList.names))"
        case .droppedAttribute(let name, let reason):
            "the attribute '\(name)' was dropped: \(reason)"
        case .replacedHandler(let name):
            "a second '\(name)' handler replaced the first (a .bind(...) writes back on '\(name)' too; combine them in one handler)"
        case .invalidBehaviour(let problem):
            "\(problem); it was dropped"
        case .droppedScript:
            "a <script> element in component markup never runs and was dropped: load scripts from the document template, a module or an initializer"
        }
    }
}

/// What the renderer does about a `MarkupProblem`.
package enum MarkupChecking: Sendable {
    /// The render fails with a `MarkupError`: a circuit ends with its error UI, a prerender
    /// answers 500, and `ComponentTestHost` throws. The default in debug builds.
    case strict
    /// The problem is logged once per process, and the element renders without the dropped part.
    /// The default in release builds.
    case logOnce

    package static var buildDefault: MarkupChecking {
        #if DEBUG
            .strict
        #else
            .logOnce
        #endif
    }
}

/// A render found markup it could not honour, under `MarkupChecking.strict`.
public struct MarkupError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

/// A problem found by a render, with what it needs to name its place.
struct MarkupReport {
    let problem: MarkupProblem
    let element: String
    let component: String

    var message: String { "\(component), \(element): \(problem.description)" }

    /// How an element is named in a report: its tag, with the id and class that find it.
    static func describe(tag: String, attributes: [(name: String, value: String)]) -> String {
        var out = "<" + tag
        for name in ["id", "class"] {
            if let value = attributes.first(where: { $0.name == name })?.value { out += " \(name)=\"\(value)\"" }
        }
        return out + ">"
    }
}

#if !hasFeature(Embedded)
/// Messages already logged under `MarkupChecking.logOnce`, so a problem in a list of a thousand
/// rows, or in every render, is one log line. Bounded: past the bound, nothing more is logged.
enum MarkupLog {
    private static let logged = Mutex<Set<String>>([])
    private static let bound = 1_000

    static func logOnce(_ report: MarkupReport, _ logger: Logger) {
        let first = logged.withLock { logged in
            guard logged.count < bound else { return false }
            return logged.insert(report.message).inserted
        }
        if first { logger.warning("markup problem", metadata: ["problem": LogSafe.metadata(report.message)]) }
    }
}
#endif

private enum DOMEventList {
    static let names = DOMEventName.allCases.map { $0.rawValue }.joined(separator: ", ")
}
