import Logging
import Synchronization
import Tracing

/// What one circuit's spans and log lines say about it: its id and the page it shows now, with
/// the app's instruments. The circuit, its interop channel and its connection share one.
package final class CircuitTelemetry: Sendable {
    /// No circuit: prerendering, tests and tools that serve no browser.
    package static let none = CircuitTelemetry(instruments: .disabled, circuitID: "", page: "")

    package let instruments: TetherInstruments
    package let circuitID: String
    private let currentPage: Mutex<String>

    package init(instruments: TetherInstruments, circuitID: String, page: String) {
        self.instruments = instruments
        self.circuitID = circuitID
        currentPage = Mutex(page)
    }

    /// The route of the page the circuit shows (its template, such as `/items/{id:int}`, never
    /// the URL a browser sent).
    package var page: String { currentPage.withLock { $0 } }

    /// The circuit now shows another page; log lines say so from here on.
    package func show(page route: String) {
        currentPage.withLock { $0 = route }
    }

    /// Adds `circuit` and `page` to a logger's metadata. `page` is read when each line is
    /// written, so lines keep naming the page the circuit shows after a navigation.
    package func annotate(_ logger: inout Logger) {
        for (key, value) in metadata { logger[metadataKey: key] = value }
    }

    /// The same, for a line written through a logger that is not the circuit's.
    package var metadata: Logger.Metadata {
        ["circuit": .string(circuitID), "page": .stringConvertible(PageName(telemetry: self))]
    }

    private struct PageName: CustomStringConvertible, Sendable {
        let telemetry: CircuitTelemetry
        var description: String { telemetry.page }
    }

    // MARK: Spans

    /// Runs one browser event (its handler and the render that follows) in a `tether.event` span.
    /// Each event starts a trace of its own: the socket's request is no parent of what its page
    /// does minutes later. Interop calls the handler makes are the span's children.
    package func traceEvent(_ body: () async -> Void) async {
        guard let tracer = instruments.tracer else { return await body() }
        let span = tracer.startSpan(SpanName.event, context: .topLevel, ofKind: .server)
        span.attributes[SpanAttribute.circuit] = circuitID
        span.attributes[SpanAttribute.page] = page
        await InstrumentationContext.$current.withValue(span.context) { await body() }
        span.end()
    }

    /// Counts an interop call and starts its timer and span; end it with `finish`.
    package func startCall(_ direction: InteropDirection, _ name: String) -> InteropCallMeasurement {
        instruments.interopCallStarted(direction)
        var span: (any Span)?
        if let tracer = instruments.tracer {
            // A JS→Swift call arrives on its own, like an event; a Swift→JS call belongs to what
            // made it (an event's span, when a handler calls JS).
            let started =
                switch direction {
                case .swiftToJS: tracer.startSpan(SpanName.swiftToJS, context: .current ?? .topLevel, ofKind: .client)
                case .jsToSwift: tracer.startSpan(SpanName.jsToSwift, context: .topLevel, ofKind: .server)
                }
            started.attributes[SpanAttribute.circuit] = circuitID
            started.attributes[direction == .swiftToJS ? SpanAttribute.identifier : SpanAttribute.method] = LogSafe.clip(name)
            span = started
        }
        return InteropCallMeasurement(direction: direction, started: instruments.startInterval(), span: span)
    }

    /// Runs what a JS→Swift call does inside its span, so spans the app starts there are its
    /// children.
    package func withContext<T>(of call: InteropCallMeasurement, _ body: () async throws -> T) async rethrows -> T {
        guard let span = call.span else { return try await body() }
        return try await InstrumentationContext.$current.withValue(span.context) { try await body() }
    }

    /// Ends a call: its duration, and its error (of `kind`) when it failed.
    package func finish(_ call: InteropCallMeasurement, failed kind: InteropErrorKind? = nil, error: (any Error)? = nil) {
        instruments.interopCallFinished(call.direction, since: call.started, failed: kind)
        if let kind {
            if let span = call.span {
                if let error { span.recordError(error) }
                span.attributes[SpanAttribute.errorKind] = kind.rawValue
                span.setStatus(SpanStatus(code: .error))
            }
        }
        call.span?.end()
    }
}

/// An interop call being measured: when it started and its span.
package struct InteropCallMeasurement: Sendable {
    let direction: InteropDirection
    let started: ContinuousClock.Instant?
    let span: (any Span)?
}

/// The names of Tether's spans.
package enum SpanName {
    package static let event = "tether.event"
    package static let swiftToJS = "tether.interop.swift_to_js"
    package static let jsToSwift = "tether.interop.js_to_swift"
}

/// The attributes Tether sets on its spans.
package enum SpanAttribute {
    package static let circuit = "tether.circuit.id"
    package static let page = "tether.page"
    /// The JS function a Swift→JS call named.
    package static let identifier = "tether.interop.identifier"
    /// The exposed method a JS→Swift call named, as the browser sent it (clipped, escaped).
    package static let method = "tether.interop.method"
    package static let errorKind = "tether.interop.error_kind"
}
