import Testing
import TetherInterop

private struct NotANumber: Encodable, Sendable {
    let value = Double.nan
}

/// Every failure of a call into JS is caught by one `catch let error as any JSError`, and is still
/// its own type for those who want to tell them apart.
@Suite("JSError: one catch for every failure of a JS call", .timeLimit(.minutes(1)))
struct JSErrorTests {
    /// Runs `call` and returns what one `catch … as any JSError` caught; fails the test when the
    /// call succeeds or throws anything else.
    private func caught(_ call: () async throws -> Void) async -> (any JSError)? {
        do {
            try await call()
            Issue.record("the call succeeded")
        } catch let error as any JSError {
            return error
        } catch {
            Issue.record("\(type(of: error)) is not a JSError: \(error)")
        }
        return nil
    }

    @Test("a JS exception, a timeout, an undecodable result and an unencodable argument")
    func callFailures() async throws {
        let (channel, outbox, js) = makeChannel()
        async let thrown = caught { try await js.invokeVoid("fails") }
        let call = try await outbox.waitForCall()
        channel.complete(callID: call.id, outcome: .failure(message: "boom", stack: nil))
        #expect(await thrown is JSException)

        let timedOut = await caught { try await js.invokeVoid("slow", timeout: .milliseconds(20)) }
        #expect(timedOut is JSTimeoutError)

        async let undecodable = caught { let _: Int = try await js.invoke("text") }
        let textCall = try await outbox.waitForCalls(3)[2]
        channel.complete(callID: textCall.id, outcome: .success("not a number"))
        #expect(await undecodable is JSResultDecodingError)

        #expect(await caught { try await js.invokeVoid("nan", NotANumber()) } is JSArgumentEncodingError)
    }

    @Test("a disconnected circuit, prerendering, a disposed handle and a stream too large")
    func stateFailures() async throws {
        let (channel, outbox, js) = makeChannel()
        async let handle = js.invoke("make", as: JSObjectReference.self)
        let call = try await outbox.waitForCall()
        channel.complete(callID: call.id, outcome: .success(["__tetherJSObject": 1]))
        let object = try await handle
        object.dispose()
        #expect(await caught { try await object.invokeVoid("draw") } is JSObjectDisposedError)

        async let stream = js.invoke("file", as: JSStreamReference.self)
        let streamCall = try await outbox.waitForCalls(2)[1]
        channel.complete(callID: streamCall.id, outcome: .success(["__tetherJSStream": 2, "length": 1_000]))
        let file = try await stream
        #expect(await caught { for try await _ in file.openReadStream(maxAllowedSize: 10) {} } is JSStreamTooLargeError)

        channel.disconnect()
        #expect(await caught { try await js.invokeVoid("gone") } is JSDisconnectedError)

        let prerendering = JSRuntime(channel: InteropChannel.prerendering())
        #expect(await caught { try await prerendering.invokeVoid("early") } is JSPrerenderingError)
    }
}
