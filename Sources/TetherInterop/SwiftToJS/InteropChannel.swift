import Logging
import Synchronization
import TetherProtocol

/// Where the interop core puts its messages for the browser: the narrow protocol it needs of a
/// transport. The server's circuit transport carries them on the circuit's socket, batching
/// everything enqueued in one turn into one WebSocket frame.
package protocol InteropOutbox: Sendable {
    func enqueue(_ message: InteropMessage)
}

/// Settings shared by every call on a channel.
public struct InteropOptions: Sendable {
    /// Applied to calls that do not pass their own timeout; nil turns the default off.
    public var defaultTimeout: Duration?
    /// Send JS→Swift exception details to the browser. For development only.
    public var detailedErrors: Bool

    /// The most bytes of byte arrays the browser may have sent but no call has claimed yet.
    public var maxPendingBytes: Int
    /// Swift→JS calls in flight on one circuit at most.
    public var maxPendingCalls: Int
    /// JS→Swift calls running at once on one circuit at most; later ones wait their turn.
    public var maxConcurrentInvocations: Int
    /// JS→Swift calls waiting to run on one circuit at most; more are refused.
    public var maxWaitingInvocations: Int
    /// Swift objects one circuit may hand to JS at once (`SwiftObjectReference`, streams).
    public var maxTrackedObjects: Int

    /// Options with Tether's defaults: a 60 s timeout, no error details, 16 MB of unclaimed
    /// bytes, 16,384 calls in flight each way, 16 JS→Swift calls running at once and 16,384 Swift
    /// objects handed to JS. An app changes them on `TetherApp.interop`.
    public init(
        defaultTimeout: Duration? = .seconds(60), detailedErrors: Bool = false, maxPendingBytes: Int = 16 << 20,
        maxPendingCalls: Int = 16_384, maxConcurrentInvocations: Int = 16, maxWaitingInvocations: Int = 16_384,
        maxTrackedObjects: Int = 16_384
    ) {
        self.defaultTimeout = defaultTimeout
        self.detailedErrors = detailedErrors
        self.maxPendingBytes = maxPendingBytes
        self.maxPendingCalls = maxPendingCalls
        self.maxConcurrentInvocations = maxConcurrentInvocations
        self.maxWaitingInvocations = maxWaitingInvocations
        self.maxTrackedObjects = maxTrackedObjects
    }
}

/// The interop core of one circuit: it correlates Swift→JS calls with their completions, answers
/// JS→Swift invocations, and keeps the circuit's references, byte arrays and streams. It sends
/// only `InteropMessage`s, through an `InteropOutbox`, and knows nothing of sockets or rendering.
package final class InteropChannel: Sendable {
    typealias Waiter = CheckedContinuation<JSONValue, any Error>

    private struct Pending {
        var table: PendingCallTable<Waiter>
        var deadlines = CallDeadlines()
        /// The one task that sleeps until the earliest deadline; `generation` tells a replaced
        /// sleeper that wakes late that it has nothing left to do.
        var sleeper: (task: Task<Void, Never>, generation: Int)?
        var sleeperGeneration = 0
    }

    package let options: InteropOptions
    package let logger: Logger
    /// The Swift objects this circuit has handed to JS.
    package let objects: SwiftObjectRegistry
    let inboundBytes: InboundByteSegments
    /// This circuit's share of its client's memory budget.
    package let budget: BudgetAccount
    /// Refusals of this circuit's browser's messages, logged without letting it flood the log.
    package let refusals: RefusalLog
    /// The circuit's id and page for its spans, and the app's metrics.
    package let telemetry: CircuitTelemetry
    package var instruments: TetherInstruments { telemetry.instruments }
    private let byteSegmentCounter = Mutex(0)
    private let invocations: Mutex<InvocationGate<Invocation>>
    /// Where this circuit's invocations run, and the server reads its socket.
    package let lane = InvocationLane()
    private let outbox: Mutex<(any InteropOutbox)?>
    private let pending: Mutex<Pending>

    /// A channel with no browser yet: every call fails with `JSPrerenderingError`.
    package static func prerendering(logger: Logger = Logger(label: "tether.interop")) -> InteropChannel {
        InteropChannel(outbox: nil, options: InteropOptions(), logger: logger)
    }

    package convenience init(
        outbox: (any InteropOutbox)?, options: InteropOptions = InteropOptions(), logger: Logger = Logger(label: "tether.interop")
    ) {
        self.init(outbox: outbox, options: options, budget: .unlimited(), logger: logger)
    }

    package init(
        outbox: (any InteropOutbox)?, options: InteropOptions, budget: BudgetAccount, telemetry: CircuitTelemetry = .none, logger: Logger
    ) {
        self.outbox = Mutex(outbox)
        self.options = options
        self.logger = logger
        self.budget = budget
        self.telemetry = telemetry
        self.refusals = RefusalLog(logger: logger)
        self.objects = SwiftObjectRegistry(limit: options.maxTrackedObjects, account: budget, instruments: telemetry.instruments)
        self.inboundBytes = InboundByteSegments(limit: options.maxPendingBytes, account: budget, instruments: telemetry.instruments)
        self.invocations = Mutex(InvocationGate(maxRunning: options.maxConcurrentInvocations, maxWaiting: options.maxWaitingInvocations))
        self.pending = Mutex(Pending(table: PendingCallTable(state: outbox == nil ? .prerendering : .connected, limit: options.maxPendingCalls)))
    }

    package var pendingCallCount: Int { pending.withLock { $0.table.count } }

    /// JS→Swift invocations running or waiting their turn.
    package var invocationsInFlight: Int { invocations.withLock { $0.running + $0.waitingCount } }

    /// Bytes the browser sent that no message has claimed yet.
    package var unclaimedInboundBytes: Int { inboundBytes.heldBytes }

    /// `JSObjectReference`s of this channel alive and not disposed: objects the page keeps for
    /// Swift, which only the Swift value that holds them can use.
    package var jsObjectsHeld: Int { jsObjectReferences.load(ordering: .relaxed) }
    let jsObjectReferences = Atomic<Int>(0)

    /// Sends a call and waits for its completion, a timeout, cancellation or disconnection. Every
    /// Swift→JS operation passes here, so here it is counted, timed and traced.
    package func call(
        identifier: String, arguments: String, mode: ResultMode, timeout: CallTimeout, target: Int = CallTarget.window.rawValue, operation: ObjectOperation = .call
    ) async throws -> JSONValue {
        let measurement = telemetry.startCall(.swiftToJS, identifier)
        do {
            let result = try await send(identifier: identifier, arguments: arguments, mode: mode, timeout: timeout, target: target, operation: operation)
            telemetry.finish(measurement)
            return result
        } catch {
            telemetry.finish(measurement, failed: InteropErrorKind(swiftToJSFailure: error), error: error)
            throw error
        }
    }

    private func send(
        identifier: String, arguments: String, mode: ResultMode, timeout: CallTimeout, target: Int, operation: ObjectOperation
    ) async throws -> JSONValue {
        try Task.checkCancellation()
        let limit: Duration? =
            switch timeout {
            case .appDefault: options.defaultTimeout
            case .never: nil
            case .after(let d): d
            }
        let id = Mutex<Int?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Waiter) in
                let action = pending.withLock { $0.table.register(identifier: identifier, waiter: continuation) }
                switch action {
                case .failPrerendering:
                    continuation.resume(throwing: JSPrerenderingError(identifier: identifier))
                case .failDisconnected:
                    continuation.resume(throwing: JSDisconnectedError(identifier: identifier))
                case .failTooMany:
                    instruments.refused(.maxPendingCalls)
                    continuation.resume(throwing: JSCallLimitError(identifier: identifier, limit: options.maxPendingCalls))
                case .send(let callID):
                    id.withLock { $0 = callID }
                    if Task.isCancelled {
                        // Cancelled between the check above and registration: send nothing.
                        finish(callID, with: .failure(CancellationError()))
                        return
                    }
                    if let limit { startTimer(callID, limit: limit) }
                    outbox.withLock { $0 }?.enqueue(
                        .call(id: callID, identifier: identifier, arguments: arguments, mode: mode, target: target, operation: operation))
                }
            }
        } onCancel: {
            if let callID = id.withLock({ $0 }) { finish(callID, with: .failure(CancellationError())) }
        }
    }

    private func startTimer(_ callID: Int, limit: Duration) {
        let now = ContinuousClock.now
        let replaced = pending.withLock { state -> Task<Void, Never>? in
            let earliest = state.deadlines.add(callID: callID, limit: limit, now: now)
            guard earliest || state.sleeper == nil else { return nil }
            let old = state.sleeper?.task
            state.sleeperGeneration += 1
            let generation = state.sleeperGeneration
            let until = now.advanced(by: limit)
            let task = Task { [weak self] in
                var wakeAt = until
                while true {
                    do { try await Task.sleep(until: wakeAt, clock: .continuous) } catch { return }
                    guard let self, let next = self.expireDeadlines(generation: generation) else { return }
                    wakeAt = next
                }
            }
            state.sleeper = (task, generation)
            return old
        }
        replaced?.cancel()
    }

    /// Times out every call whose deadline has passed, and returns when the sleeper should wake
    /// next, or nil when it should end.
    private func expireDeadlines(generation: Int) -> ContinuousClock.Instant? {
        let now = ContinuousClock.now
        let (timedOut, next) = pending.withLock { state -> ([(PendingCallTable<Waiter>.Entry, Duration)], ContinuousClock.Instant?) in
            var timedOut: [(PendingCallTable<Waiter>.Entry, Duration)] = []
            for deadline in state.deadlines.removeExpired(now: now) {
                if let entry = state.table.remove(id: deadline.callID) { timedOut.append((entry, deadline.limit)) }
            }
            guard state.sleeper?.generation == generation else { return (timedOut, nil) }
            let table = state.table
            let next = state.deadlines.earliest(isPending: { table.contains(id: $0) })
            if next == nil { state.sleeper = nil }
            return (timedOut, next)
        }
        for (entry, limit) in timedOut {
            entry.waiter.resume(throwing: JSTimeoutError(identifier: entry.identifier, timeout: limit))
        }
        return next
    }

    /// Completes a call; an unknown, duplicate or late id is ignored and reported as false.
    @discardableResult
    func finish(_ callID: Int, with result: Result<JSONValue, any Error>) -> Bool {
        let entry = pending.withLock { state in
            let entry = state.table.remove(id: callID)
            let table = state.table
            state.deadlines.compactIfSparse(liveCount: table.count, isPending: { table.contains(id: $0) })
            return entry
        }
        guard let entry else { return false }
        entry.waiter.resume(with: result)
        return true
    }

    /// Delivers a completion from the browser.
    @discardableResult
    package func complete(callID: Int, outcome: JSCallOutcome) -> Bool {
        switch outcome {
        case .success(let value):
            let ok = finish(callID, with: .success(value))
            if !ok { logger.debug("ignored completion for unknown call id \(callID)") }
            return ok
        case .failure(let message, let stack):
            let name = pending.withLock { $0.table.identifier(of: callID) } ?? "?"
            let ok = finish(callID, with: .failure(JSException(identifier: name, message: message, stack: stack)))
            if !ok { logger.debug("ignored failure for unknown call id \(callID)") }
            return ok
        }
    }

    /// Points the channel at a browser connection (again, after a reconnect).
    package func attach(_ newOutbox: any InteropOutbox) {
        outbox.withLock { $0 = newOutbox }
        pending.withLock { $0.table.attach() }
    }

    /// Fails every call in flight with `JSDisconnectedError`; later calls fail the same way. Byte
    /// arrays no call has claimed are freed: the messages that would claim them went with the
    /// socket.
    package func disconnect() {
        inboundBytes.removeAll()
        outbox.withLock { $0 = nil }
        let (entries, sleeper) = pending.withLock { state in
            let entries = state.table.disconnect()
            state.deadlines.removeAll()
            let sleeper = state.sleeper?.task
            state.sleeper = nil
            return (entries, sleeper)
        }
        sleeper?.cancel()
        for entry in entries { entry.waiter.resume(throwing: JSDisconnectedError(identifier: entry.identifier)) }
    }

    /// Ends the channel for good: calls fail, waiting invocations are dropped, every Swift object
    /// handed to JS is released, and the circuit's share of its client's budget is returned.
    package func close() {
        disconnect()
        objects.releaseAll()
        _ = invocations.withLock { $0.drain() }
        budget.close()
    }

    /// One JS→Swift invocation as it arrived, with what it is charged while it waits.
    struct Invocation: Sendable {
        let id: Int
        let target: InvocationTarget
        let method: String
        let args: [JSONValue]
        let exports: JSExports
        let waitingCost: Int
    }

    /// Takes a JS→Swift invocation from the browser. It runs at once when the circuit has room
    /// (on the caller's thread until it first suspends, so a method that returns at once answers
    /// without a thread hop; the server reads the socket on the circuit's `lane`, so that thread is
    /// the lane's), waits its turn when it does not, and is refused with a message the caller's
    /// Promise rejects with when too many wait or the client's budget is spent.
    package func receiveInvocation(id: Int, target: InvocationTarget, method: String, args: [JSONValue], exports: JSExports) {
        guard let ready = admit(id: id, target: target, method: method, args: args, exports: exports) else { return }
        Task.immediate(executorPreference: lane) { await self.run(ready) }
    }

    /// The same as `receiveInvocation`, but waits until the invocation, if it could start at
    /// once, has finished and its result is sent.
    package func dispatchInvocation(id: Int, target: InvocationTarget, method: String, args: [JSONValue], exports: JSExports) async {
        guard let ready = admit(id: id, target: target, method: method, args: args, exports: exports) else { return }
        await run(ready)
    }

    /// Charges and queues an invocation; returns it when it may start now.
    private func admit(id: Int, target: InvocationTarget, method: String, args: [JSONValue], exports: JSExports) -> Invocation? {
        let cost = MemoryCost.queuedInvocation &+ MemoryCost.of(.array(args))
        guard budget.tryReserve(cost) else {
            instruments.interopFailed(.jsToSwift, .limit, counted: false)
            refuseInvocation(id, method: method, args: args, message: budgetRefusal(method))
            return nil
        }
        let invocation = Invocation(id: id, target: target, method: method, args: args, exports: exports, waitingCost: cost)
        switch invocations.withLock({ $0.arrive(invocation) }) {
        case .run(let ready):
            return ready
        case .wait:
            return nil
        case .refuse(let message):
            budget.release(cost)
            instruments.refused(.maxWaitingInvocations)
            instruments.interopFailed(.jsToSwift, .limit, counted: false)
            refuseInvocation(id, method: method, args: args, message: message)
            return nil
        }
    }

    private func budgetRefusal(_ method: String) -> String {
        "This client has reached its memory budget of \(budget.budget.limit) bytes; the call to '\(LogSafe.clip(method))' was refused."
    }

    /// The socket's output is piling up (or has drained): invocations stop (or resume) starting.
    package func setOutboundCongested(_ congested: Bool) {
        let ready = invocations.withLock { $0.setCongested(congested) }
        for invocation in ready { Task(executorPreference: lane) { await self.run(invocation) } }
    }

    private func refuseInvocation(_ id: Int, method: String, args: [JSONValue], message: String) {
        refusals.refused("refused JS→Swift call", reason: message)
        send(.invocationResult(id: id, outcome: .failure(message: message)))
        for segment in Self.byteSegmentIDs(in: .array(args)) { _ = inboundBytes.take(segment) }
    }

    private func run(_ invocation: Invocation) async {
        // While it runs, a call holds its task as well as its message.
        let runningCost = MemoryCost.runningInvocation
        if budget.tryReserve(runningCost) {
            await dispatchInvocation(invocation)
            budget.release(runningCost)
        } else {
            instruments.interopFailed(.jsToSwift, .limit, counted: false)
            refuseInvocation(invocation.id, method: invocation.method, args: invocation.args, message: budgetRefusal(invocation.method))
        }
        budget.release(invocation.waitingCost)
        if let next = invocations.withLock({ $0.finished() }) { Task(executorPreference: lane) { await self.run(next) } }
    }

    /// Runs a JS→Swift invocation and sends its result. Every failure becomes a rejection with a
    /// precise message; a thrown Swift error is reported generically unless detailed errors are on.
    private func dispatchInvocation(_ invocation: Invocation) async {
        let (id, target, method, args) = (invocation.id, invocation.target, invocation.method, invocation.args)
        let context = InvocationContext(js: JSRuntime(channel: self))
        // Byte arrays sent for this call are freed whether or not the method claimed them, so a
        // refused call cannot leave them counting against the limit.
        let byteSegments = Self.byteSegmentIDs(in: .array(args))
        defer { for id in byteSegments { _ = inboundBytes.take(id) } }
        let measurement = telemetry.startCall(.jsToSwift, method)
        let outcome: InvocationOutcome
        do {
            let result: InvocationResult
            switch target {
            case .module(let module):
                result = try await telemetry.withContext(of: measurement) {
                    try await invocation.exports.invoke(module: module, method: method, args: args, context: context)
                }
            case .object(let objectID):
                result = try await telemetry.withContext(of: measurement) {
                    try await objects.invoke(objectID: objectID, method: method, args: args, context: context)
                }
            }
            outcome = .success(json: result.json)
            telemetry.finish(measurement)
        } catch let error as InvocationError {
            telemetry.finish(measurement, failed: .invalid, error: error)
            refusals.refused("refused JS→Swift call", reason: "\(method): \(error.message)")
            outcome = .failure(message: error.message)
        } catch let error as SwiftObjectLimitError {
            telemetry.finish(measurement, failed: .limit, error: error)
            refusals.refused("refused JS→Swift call", reason: "\(method): \(error)")
            outcome = .failure(message: error.description)
        } catch {
            telemetry.finish(measurement, failed: .exception, error: error)
            let owner: String = switch target {
            case .module(let module): module
            case .object(let objectID): "object \(objectID)"
            }
            logger.error(
                "JS→Swift call threw", metadata: ["method": LogSafe.metadata(method), "owner": LogSafe.metadata(owner), "error": "\(error)"])
            var message = "An exception occurred invoking '\(method)' in '\(owner)'."
            if options.detailedErrors { message += " \(error)" }
            outcome = .failure(message: message)
        }
        send(.invocationResult(id: id, outcome: outcome))
    }

    func nextByteSegmentID() -> Int {
        byteSegmentCounter.withLock { counter in
            counter += 1
            return counter
        }
    }

    /// Sends a message that is not a call, such as a method result. Dropped while no browser is
    /// attached: what it answered went with the socket.
    package func send(_ message: InteropMessage) {
        outbox.withLock { $0 }?.enqueue(message)
    }
}

/// How long a Swift→JS call may take.
public enum CallTimeout: Sendable, Equatable {
    /// The channel's default, 60 seconds unless the app changed it.
    case appDefault
    /// Wait as long as it takes.
    case never
    /// Fail with `JSTimeoutError` when no answer came within this duration.
    case after(Duration)

    /// Fail with `JSTimeoutError` after `s` seconds: `timeout: .seconds(5)`.
    public static func seconds(_ s: Int) -> CallTimeout { .after(.seconds(s)) }
    /// Fail with `JSTimeoutError` after `ms` milliseconds: `timeout: .milliseconds(250)`.
    public static func milliseconds(_ ms: Int) -> CallTimeout { .after(.milliseconds(ms)) }
}
