import CoreMetrics
import Tracing

/// Every metric and span Tether emits, made once per served app from the metrics factory and
/// tracer it was given. Call sites make one-line calls here; nothing else names a metric.
///
/// Dimensions come only from the fixed enums below, never from what a browser sent, so a client
/// cannot grow the number of series. Every series exists (at zero) from the start.
///
/// With the no-op factory (nothing bootstrapped) timers do not read the clock, and with no
/// tracer installed no span is started: an app that installs nothing pays a few no-op calls.
package final class TetherInstruments: Sendable {
    /// Measures nothing, traces nothing: prerendering, tests and tools that serve no browser.
    package static let disabled = TetherInstruments(factory: NOOPMetricsHandler.instance, tracer: NoOpTracer())

    /// False for the no-op factory; durations are then not measured at all.
    package let isMeasuring: Bool
    /// Nil when the tracer is the no-op one.
    let tracer: (any Tracer)?

    private let circuitsLive: Meter
    private let circuitsRetained: Meter
    private let circuitsResumed: Counter
    private let circuitsHibernated: Meter
    private let hibernations: Counter
    private let revivals: Counter
    private let reviveDuration: CoreMetrics.Timer
    private let circuitsStarted: [CircuitOrigin: Counter]
    private let circuitsEnded: [CircuitEndReason: Counter]
    private let events: Counter
    private let eventDuration: CoreMetrics.Timer
    private let renderDuration: CoreMetrics.Timer
    private let batchBytes: Recorder
    private let swiftToJS: DirectionInstruments
    private let jsToSwift: DirectionInstruments
    private let limitRefusals: [LimitKind: Counter]

    /// One direction's interop metrics.
    struct DirectionInstruments: Sendable {
        let calls: Counter
        let duration: CoreMetrics.Timer
        let errors: [InteropErrorKind: Counter]

        init(_ direction: InteropDirection, factory: any MetricsFactory) {
            let dimension = ("direction", direction.rawValue)
            calls = Counter(label: "tether_interop_calls_total", dimensions: [dimension], factory: factory)
            duration = CoreMetrics.Timer(label: "tether_interop_call_duration_seconds", dimensions: [dimension], factory: factory)
            errors = byCase { kind in
                Counter(label: "tether_interop_errors_total", dimensions: [dimension, ("kind", kind.rawValue)], factory: factory)
            }
        }
    }

    package init(factory: any MetricsFactory, tracer: any Tracer) {
        isMeasuring = !(factory is NOOPMetricsHandler)
        self.tracer = tracer is NoOpTracer ? nil : tracer
        circuitsLive = Meter(label: "tether_circuits_live", factory: factory)
        circuitsRetained = Meter(label: "tether_circuits_retained", factory: factory)
        circuitsResumed = Counter(label: "tether_circuits_resumed_total", factory: factory)
        circuitsHibernated = Meter(label: "tether_circuits_hibernated", factory: factory)
        hibernations = Counter(label: "tether_circuit_hibernations_total", factory: factory)
        revivals = Counter(label: "tether_circuit_revivals_total", factory: factory)
        reviveDuration = CoreMetrics.Timer(label: "tether_circuit_revive_duration_seconds", factory: factory)
        circuitsStarted = byCase { Counter(label: "tether_circuits_started_total", dimensions: [("origin", $0.rawValue)], factory: factory) }
        circuitsEnded = byCase { Counter(label: "tether_circuits_ended_total", dimensions: [("reason", $0.rawValue)], factory: factory) }
        events = Counter(label: "tether_events_total", factory: factory)
        eventDuration = CoreMetrics.Timer(label: "tether_event_duration_seconds", factory: factory)
        renderDuration = CoreMetrics.Timer(label: "tether_render_duration_seconds", factory: factory)
        batchBytes = Recorder(label: "tether_batch_bytes", aggregate: true, factory: factory)
        swiftToJS = DirectionInstruments(.swiftToJS, factory: factory)
        jsToSwift = DirectionInstruments(.jsToSwift, factory: factory)
        limitRefusals = byCase { Counter(label: "tether_limit_refusals_total", dimensions: [("limit", $0.rawValue)], factory: factory) }
        // The meters are not set to zero here: two apps in one process share a backend's series,
        // and each only adds and takes away its own circuits.
    }

    // MARK: Circuits

    package func circuitStarted(_ origin: CircuitOrigin) {
        circuitsStarted[origin]?.increment()
        circuitsLive.increment()
    }

    /// The socket dropped; the circuit is kept for a resume.
    package func circuitRetained() {
        circuitsLive.decrement()
        circuitsRetained.increment()
    }

    /// A page resumed a circuit this process holds; `wasRetained` when it had no socket.
    package func circuitResumed(wasRetained: Bool) {
        circuitsResumed.increment()
        guard wasRetained else { return }
        circuitsRetained.decrement()
        circuitsLive.increment()
    }

    /// The circuit left this process's memory.
    package func circuitEnded(_ reason: CircuitEndReason, wasRetained: Bool) {
        circuitsEnded[reason]?.increment()
        if wasRetained { circuitsRetained.decrement() } else { circuitsLive.decrement() }
    }

    /// An idle circuit dropped its components to a snapshot; it stays live (and counted so).
    package func circuitHibernated() {
        hibernations.increment()
        circuitsHibernated.increment()
    }

    /// A hibernated circuit was rebuilt from its snapshot for the message that woke it.
    package func circuitRevived(since start: ContinuousClock.Instant?) {
        revivals.increment()
        circuitsHibernated.decrement()
        if let start { reviveDuration.recordNanoseconds(Self.nanoseconds(since: start)) }
    }

    /// A hibernated circuit ended without waking: a revive that failed, a close, a drain.
    package func hibernatedCircuitEnded() {
        circuitsHibernated.decrement()
    }

    // MARK: Events and renders

    /// Now, when durations are measured; pass it to the call that ends the interval.
    @inline(__always)
    package func startInterval() -> ContinuousClock.Instant? {
        isMeasuring ? .now : nil
    }

    package func eventHandled(since start: ContinuousClock.Instant?) {
        events.increment()
        if let start { eventDuration.recordNanoseconds(Self.nanoseconds(since: start)) }
    }

    package func rendered(since start: ContinuousClock.Instant?) {
        if let start { renderDuration.recordNanoseconds(Self.nanoseconds(since: start)) }
    }

    package func batchSent(bytes: Int) {
        batchBytes.record(bytes)
    }

    // MARK: Interop and limits

    private func direction(_ direction: InteropDirection) -> DirectionInstruments {
        switch direction {
        case .swiftToJS: swiftToJS
        case .jsToSwift: jsToSwift
        }
    }

    func interopCallStarted(_ direction: InteropDirection) {
        self.direction(direction).calls.increment()
    }

    func interopCallFinished(_ direction: InteropDirection, since start: ContinuousClock.Instant?, failed kind: InteropErrorKind?) {
        let instruments = self.direction(direction)
        if let start { instruments.duration.recordNanoseconds(Self.nanoseconds(since: start)) }
        if let kind { instruments.errors[kind]?.increment() }
    }

    /// A call failed with `kind`; for a call that was counted already, or one refused before it
    /// started (then `counted` is false and it is counted here).
    package func interopFailed(_ direction: InteropDirection, _ kind: InteropErrorKind, counted: Bool = true) {
        let instruments = self.direction(direction)
        if !counted { instruments.calls.increment() }
        instruments.errors[kind]?.increment()
    }

    /// A limit refused a message, a call or a circuit.
    package func refused(_ limit: LimitKind) {
        limitRefusals[limit]?.increment()
    }

    static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
        (ContinuousClock.now - start).clampedNanoseconds
    }
}

/// One metric per case of a label's enum, made up front.
private func byCase<Key: CaseIterable & Hashable, Metric>(_ make: (Key) -> Metric) -> [Key: Metric] {
    Dictionary(uniqueKeysWithValues: Key.allCases.map { ($0, make($0)) })
}

// MARK: Label values

/// How a circuit came to be in this process: the `origin` of `tether_circuits_started_total`.
package enum CircuitOrigin: String, CaseIterable, Sendable {
    /// Started for a prerendered page.
    case new
    /// Rebuilt from the circuit store, for a page that survived a restart, a crash or a pause.
    case restored
}

/// Why a circuit left this process's memory: the `reason` of `tether_circuits_ended_total`.
package enum CircuitEndReason: String, CaseIterable, Sendable {
    /// The page ended it: it closed for good (`end`, or the beacon after `pagehide`).
    case closed
    /// An error no boundary caught ended it.
    case failed
    /// It was closed for exceeding a limit: its client's memory budget, or output its browser
    /// did not take.
    case limit
    /// Its socket stayed away past `CircuitLimits.retention`.
    case expired
    /// It was pushed out by newer disconnected circuits (`maxRetainedCircuits…`).
    case evicted
    /// Its page paused it: saved to the store and freed; it resumes from there.
    case paused
    /// The server drained.
    case shutdown
    /// Its session signed out (`TetherService.endCircuits(ofSessionOf:context:)`).
    case signedOut
    /// Another node resumed it from the store: the copy here was stale.
    case movedAway = "moved_away"
}

/// The `direction` of the interop metrics.
package enum InteropDirection: String, CaseIterable, Sendable {
    case swiftToJS = "swift_to_js"
    case jsToSwift = "js_to_swift"
}

/// The `kind` of `tether_interop_errors_total`.
package enum InteropErrorKind: String, CaseIterable, Sendable {
    /// The called side threw: a JS exception or rejected Promise, or a Swift method that threw.
    case exception
    case timeout
    /// The circuit had no browser attached, or lost it while the call was in flight.
    case disconnected
    case cancelled
    /// A limit refused the call (see `tether_limit_refusals_total` for which).
    case limit
    /// A value or a name the other side cannot take: a JS→Swift call naming no exposed method
    /// or with arguments that do not decode, a Swift→JS result that does not decode as asked.
    case invalid

    /// What a failed Swift→JS call's error says about it.
    package init(swiftToJSFailure error: any Error) {
        switch error {
        case is JSTimeoutError: self = .timeout
        case is JSDisconnectedError, is JSPrerenderingError: self = .disconnected
        case is CancellationError: self = .cancelled
        case is JSCallLimitError, is SwiftObjectLimitError: self = .limit
        case is JSResultDecodingError, is JSArgumentEncodingError: self = .invalid
        default: self = .exception
        }
    }
}

/// The `limit` of `tether_limit_refusals_total`: the name of the setting that refused, in
/// `CircuitLimits` or `InteropOptions`.
package enum LimitKind: String, CaseIterable, Sendable {
    case maxTextMessageBytes
    case maxCircuitsPerClient
    case handshakeTimeout
    case maxQueuedEvents
    case memoryBudgetPerClient
    case maxPendingBytes
    case maxPendingCalls
    case maxWaitingInvocations
    case maxTrackedObjects
}
