import Testing
import TetherInterop

// A broken correlation shows up as a wait that never ends; the limit turns it into a failure.
@Suite("InteropChannel: cancellation, timeouts, disconnection, prerendering", .timeLimit(.minutes(1)))
struct InteropChannelTests {
    // MARK: Cancellation

    @Test("cancelling the calling task ends the wait at once with CancellationError")
    func cancelWhileWaiting() async throws {
        let (channel, outbox, js) = makeChannel()
        let task = Task { () async throws -> Int in try await js.invoke("slow.op", 1, timeout: .never) }
        let call = try await outbox.waitForCall()
        #expect(channel.pendingCallCount == 1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(channel.pendingCallCount == 0)
        // The result that arrives after the cancel is ignored.
        #expect(channel.complete(callID: call.id, outcome: .success(5)) == false)
        #expect(channel.complete(callID: call.id, outcome: .failure(message: "late", stack: nil)) == false)
        #expect(outbox.calls.count == 1)
    }

    @Test("cancelling a call with a timeout ends it with CancellationError, not a timeout")
    func cancelWithTimer() async throws {
        let (channel, outbox, js) = makeChannel()
        let task = Task { () async throws -> Void in try await js.invokeVoid("slow.op", timeout: .seconds(30)) }
        let call = try await outbox.waitForCall()
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(channel.complete(callID: call.id, outcome: .success(nil)) == false)
        #expect(channel.pendingCallCount == 0)
    }

    @Test("a task that is already cancelled sends nothing")
    func alreadyCancelled() async throws {
        let (channel, outbox, js) = makeChannel()
        let task = Task { () async throws -> Int in
            withUnsafeCurrentTask { $0?.cancel() }
            return try await js.invoke("never.sent", "arg")
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        let voidTask = Task { () async throws -> Void in
            withUnsafeCurrentTask { $0?.cancel() }
            try await js.invokeVoid("never.sent.either")
        }
        await #expect(throws: CancellationError.self) { try await voidTask.value }
        #expect(outbox.isEmpty)
        #expect(channel.pendingCallCount == 0)
    }

    @Test("a task that is already cancelled sends no byte segments either")
    func alreadyCancelledWithBytes() async throws {
        let (_, outbox, js) = makeChannel()
        let task = Task { () async throws -> Void in
            withUnsafeCurrentTask { $0?.cancel() }
            try await js.invokeVoid("upload", [UInt8](repeating: 7, count: 16))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        // Encoding a [UInt8] or Data argument enqueues its `.bytes`, so cancellation must be
        // checked before the arguments are encoded, not only when the call is registered.
        #expect(outbox.isEmpty, "sent: \(outbox.all)")
    }

    @Test("cancelling one call leaves the others in flight")
    func cancelOnlyOne() async throws {
        let (channel, outbox, js) = makeChannel()
        let doomed = Task { () async throws -> Int in try await js.invoke("doomed", timeout: .never) }
        _ = try await outbox.waitForCall()
        async let survivor: Int = js.invoke("survivor", timeout: .never)
        let calls = try await outbox.waitForCalls(2)
        doomed.cancel()
        await #expect(throws: CancellationError.self) { try await doomed.value }
        #expect(channel.pendingCallCount == 1)
        #expect(channel.complete(callID: calls[1].id, outcome: .success(11)))
        #expect(try await survivor == 11)
    }

    // MARK: Timeouts

    @Test("a per-call timeout throws JSTimeoutError naming the identifier and the duration")
    func perCallTimeout() async throws {
        let (channel, outbox, js) = makeChannel(InteropOptions(defaultTimeout: nil))
        let error = await #expect(throws: JSTimeoutError.self) {
            let _: Int = try await js.invoke("slow.thing", timeout: .milliseconds(50))
        }
        #expect(error?.identifier == "slow.thing")
        #expect(error?.timeout == .milliseconds(50))
        #expect(error?.description.contains("50 ms") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("'slow.thing'") == true)
        // The call was sent, and its late result is ignored.
        let call = try #require(outbox.calls.first)
        #expect(call.identifier == "slow.thing")
        #expect(channel.pendingCallCount == 0)
        #expect(channel.complete(callID: call.id, outcome: .success(1)) == false)
    }

    @Test(".never does not time out, even when the channel default is tiny")
    func neverTimesOut() async throws {
        let (channel, outbox, js) = makeChannel(InteropOptions(defaultTimeout: .milliseconds(5)))
        async let result: String = js.invoke("patient", timeout: .never)
        let call = try await outbox.waitForCall()
        try await Task.sleep(for: .milliseconds(150))
        #expect(channel.pendingCallCount == 1)
        #expect(channel.complete(callID: call.id, outcome: .success("done at last")))
        #expect(try await result == "done at last")
    }

    @Test("the channel default timeout applies to .appDefault")
    func appDefaultTimeout() async throws {
        let (channel, outbox, js) = makeChannel(InteropOptions(defaultTimeout: .milliseconds(40)))
        let error = await #expect(throws: JSTimeoutError.self) {
            try await js.invokeVoid("uses.default")
        }
        #expect(error?.identifier == "uses.default")
        #expect(error?.timeout == .milliseconds(40))
        #expect(error?.description.contains("40 ms") == true)
        #expect(outbox.calls.count == 1)
        #expect(channel.pendingCallCount == 0)
    }

    @Test("a per-call timeout overrides the channel default")
    func perCallOverridesDefault() async throws {
        let (_, _, js) = makeChannel(InteropOptions(defaultTimeout: .seconds(3600)))
        let error = await #expect(throws: JSTimeoutError.self) {
            try await js.invokeVoid("quick", timeout: .milliseconds(20))
        }
        #expect(error?.timeout == .milliseconds(20))
    }

    @Test("calls share one timer: a short timeout behind a long one fires on time, the long one still pends")
    func sharedTimer() async throws {
        let (channel, outbox, js) = makeChannel(InteropOptions(defaultTimeout: .seconds(3600)))
        async let long: Int = js.invoke("long")
        let longCall = try await outbox.waitForCall()
        let started = ContinuousClock.now
        await #expect(throws: JSTimeoutError.self) { try await js.invokeVoid("short", timeout: .milliseconds(30)) }
        #expect(ContinuousClock.now - started < .seconds(5))
        // A second short call after the first fired re-arms the timer.
        await #expect(throws: JSTimeoutError.self) { try await js.invokeVoid("short2", timeout: .milliseconds(30)) }
        #expect(channel.pendingCallCount == 1)
        #expect(channel.complete(callID: longCall.id, outcome: .success(7)))
        #expect(try await long == 7)
    }

    @Test("calls completed in time never time out later")
    func completedCallsDoNotTimeOut() async throws {
        // Each call may take 2 s: far more than a round trip takes, even on a loaded machine
        // running every suite at once (80 ms was not). What is checked is what the deadlines of
        // completed calls do: they stay behind (compacted once dead ones pile up), expire later
        // (during the rounds too, when these take longer than 2 s), and must touch nothing.
        let timeout: Duration = .seconds(2)
        let (channel, outbox, js) = makeChannel(InteropOptions(defaultTimeout: timeout))
        // A call in flight the whole time, with a deadline long after every other.
        async let bystander: Int = js.invoke("bystander", timeout: .seconds(60))
        let bystanderCall = try await outbox.waitForCall()
        let rounds = 300
        for i in 1...rounds {
            async let result: Int = js.invoke("fast", i)
            let call = try await outbox.waitForCalls(i + 1)[i]
            #expect(channel.complete(callID: call.id, outcome: .success(.number(Double(i)))))
            #expect(try await result == i)
        }
        let lastCompleted = ContinuousClock.now
        // Past the last round's deadline, with a margin for a late timer.
        try await Task.sleep(until: lastCompleted.advanced(by: timeout + .milliseconds(300)), clock: .continuous)
        #expect(channel.pendingCallCount == 1, "only the bystander is in flight")
        #expect(channel.complete(callID: bystanderCall.id, outcome: .success(7)), "no expired deadline timed out the bystander")
        #expect(try await bystander == 7)
        #expect(channel.pendingCallCount == 0)
        #expect(outbox.calls.count == rounds + 1)
    }

    @Test("with no channel default, .appDefault waits as long as it takes")
    func noDefaultTimeout() async throws {
        let (channel, outbox, js) = makeChannel(InteropOptions(defaultTimeout: nil))
        async let result: Int = js.invoke("patient")
        let call = try await outbox.waitForCall()
        try await Task.sleep(for: .milliseconds(100))
        #expect(channel.pendingCallCount == 1)
        channel.complete(callID: call.id, outcome: .success(3))
        #expect(try await result == 3)
    }

    @Test("the default options time out after 60 seconds and hide exception details")
    func defaultOptions() {
        let options = InteropOptions()
        #expect(options.defaultTimeout == .seconds(60))
        #expect(options.detailedErrors == false)
        #expect(CallTimeout.seconds(5) == .after(.seconds(5)))
        #expect(CallTimeout.milliseconds(5) == .after(.milliseconds(5)))
    }

    @Test("a result that arrives before the timeout is delivered")
    func completedBeforeTimeout() async throws {
        let (channel, outbox, js) = makeChannel()
        async let result: Int = js.invoke("fast", timeout: .seconds(5))
        let call = try await outbox.waitForCall()
        #expect(channel.complete(callID: call.id, outcome: .success(9)))
        #expect(try await result == 9)
        #expect(channel.pendingCallCount == 0)
    }

    // MARK: Disconnection

    @Test("calls in flight when the channel disconnects fail with JSDisconnectedError")
    func disconnectInFlight() async throws {
        let (channel, outbox, js) = makeChannel()
        let first = Task { () async throws -> Int in try await js.invoke("first", timeout: .never) }
        let second = Task { () async throws -> Void in try await js.invokeVoid("second") }
        let third = Task { () async throws -> String in try await js.invoke("third", timeout: .seconds(30)) }
        let calls = try await outbox.waitForCalls(3)
        #expect(channel.pendingCallCount == 3)
        channel.disconnect()
        #expect(channel.pendingCallCount == 0)

        let e1 = await #expect(throws: JSDisconnectedError.self) { try await first.value }
        let e2 = await #expect(throws: JSDisconnectedError.self) { try await second.value }
        let e3 = await #expect(throws: JSDisconnectedError.self) { try await third.value }
        #expect(e1?.identifier == "first")
        #expect(e2?.identifier == "second")
        #expect(e3?.identifier == "third")
        #expect(e1?.description == "The JavaScript call 'first' failed: the circuit is disconnected.")
        // Completions that straggle in afterwards are ignored.
        for call in calls { #expect(channel.complete(callID: call.id, outcome: .success(1)) == false) }
    }

    @Test("calls after disconnect fail the same way and send nothing")
    func callAfterDisconnect() async throws {
        let (channel, outbox, js) = makeChannel()
        channel.disconnect()
        let error = await #expect(throws: JSDisconnectedError.self) {
            let _: Int = try await js.invoke("too.late", 1)
        }
        #expect(error?.identifier == "too.late")
        await #expect(throws: JSDisconnectedError.self) { try await js.invokeVoid("too.late.void") }
        #expect(outbox.isEmpty)
        #expect(channel.pendingCallCount == 0)
    }

    @Test("a closed channel fails calls like a disconnected one")
    func callAfterClose() async throws {
        let (channel, outbox, js) = makeChannel()
        channel.close()
        await #expect(throws: JSDisconnectedError.self) { try await js.invokeVoid("closed") }
        #expect(outbox.isEmpty)
    }

    @Test("attaching a new outbox after a disconnect sends new calls there")
    func reattach() async throws {
        let (channel, oldOutbox, js) = makeChannel()
        channel.disconnect()
        let newOutbox = RecordingOutbox()
        channel.attach(newOutbox)
        async let result: Int = js.invoke("again")
        let call = try await newOutbox.waitForCall()
        #expect(call.identifier == "again")
        #expect(channel.complete(callID: call.id, outcome: .success(8)))
        #expect(try await result == 8)
        #expect(oldOutbox.isEmpty)
    }

    @Test("a disconnected channel drops outgoing messages")
    func sendAfterDisconnect() {
        let (channel, outbox, _) = makeChannel()
        channel.send(.disposeJSObject(id: 1))
        channel.disconnect()
        channel.send(.disposeJSObject(id: 2))
        #expect(outbox.all.count == 1)
    }

    // MARK: Prerendering

    @Test("a prerendering channel throws JSPrerenderingError pointing at onAfterRender(firstRender:)")
    func prerendering() async throws {
        let channel = InteropChannel.prerendering()
        let js = JSRuntime(channel: channel)
        let error = await #expect(throws: JSPrerenderingError.self) {
            let _: String = try await js.invoke("document.title")
        }
        #expect(error?.identifier == "document.title")
        #expect(error?.description.contains("onAfterRender(firstRender:)") == true)
        #expect(error?.description.contains("'document.title'") == true)
        await #expect(throws: JSPrerenderingError.self) { try await js.invokeVoid("console.log", "x") }
        #expect(channel.pendingCallCount == 0)
    }

    @Test("a prerendering channel becomes live once a browser attaches")
    func prerenderingThenAttach() async throws {
        let channel = InteropChannel.prerendering()
        let js = JSRuntime(channel: channel)
        let outbox = RecordingOutbox()
        channel.attach(outbox)
        async let result: Int = js.invoke("now.live")
        let call = try await outbox.waitForCall()
        channel.complete(callID: call.id, outcome: .success(1))
        #expect(try await result == 1)
    }
}
