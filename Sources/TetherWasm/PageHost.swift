import TetherInterop
import TetherProtocol
import TetherUI

/// One page running in the browser: the server's renderer, compiled into the module, with its
/// edits applied in-process and its events dispatched in-process. No socket.
final class PageHost {
    private let renderer: Renderer

    init(page: any Component, route: RouteValues) {
        renderer = Renderer(page: page, route: route)
        // A render-time markup problem is logged, never a broken page: the module has no test
        // host to fail it in.
        renderer.markupChecking = .logOnce
    }

    /// The first render, as one edit that fills the render root: wasm.js leaves a prerendered
    /// root that already holds the same HTML alone.
    func start() {
        renderer.initializePending()
        let html = renderer.renderHTML()
        var edits = "[[\(EditCode.replaceChildren.rawValue),[],"
        JSONText.appendQuoted(html, to: &edits)
        edits += "]]"
        send(edits)
        settle()
    }

    /// Runs the handler `id` with the event `argumentsJSON`, then renders what it changed.
    func dispatch(handler id: String, argumentsJSON: String) -> WasmStatus {
        let arguments: JSONValue
        do {
            arguments = try JSONParser.parse(argumentsJSON)
        } catch {
            log(.warning, "event for handler '\(LogSafe.clip(id))': \(error.description)")
            return .badArguments
        }
        let event: ResolvedEvent
        do {
            event = try renderer.resolveEvent(id, rawArgs: arguments)
        } catch {
            log(.warning, error.description)
            switch error {
            case .unknownHandler: return .notFound
            case .malformedArgs: return .badArguments
            }
        }
        event.handler(event.args)
        renderer.eventHandled(event)
        settle()
        return .ok
    }

    /// Renders until nothing is left to render: a render can mount children whose
    /// `onInitialized` changes state, which takes another render.
    func settle() {
        // Bounded: a body that invalidates itself at every render must not hang the tab.
        for _ in 0..<Self.maxRendersPerTurn {
            renderer.initializePending()
            if let batch = renderer.renderBatch() {
                if batch.editCount > 0 { send(batch.edits) }
                if let head = batch.head { show(head) }
            }
            reportMarkupProblems()
            renderer.afterRender()
            renderer.disposeRemoved()
            guard renderer.needsRender || renderer.hasUninitializedComponents else { return }
        }
        log(.error, "the page still asks for a render after \(Self.maxRendersPerTurn) renders in a row; stopped until the next event")
    }

    private static let maxRendersPerTurn = 32

    private func reportMarkupProblems() {
        do {
            try renderer.checkMarkup()
        } catch {
            log(.warning, error.description)
        }
    }

    private func show(_ head: DocumentHead) {
        withUTF8Argument(head.elements) { elements, elementsLength in
            if let title = head.title {
                withUTF8Argument(title) { hostSetHead($0, $1, elements, elementsLength) }
            } else {
                // No title of the page's own: the module does not know the app's, so it stays.
                hostSetHead(nil, 0, elements, elementsLength)
            }
        }
    }

    private func send(_ edits: String) {
        withUTF8Argument(edits) { hostApplyEdits($0, $1) }
    }
}
