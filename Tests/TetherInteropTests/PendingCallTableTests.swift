import Testing
import TetherInterop

// A broken limit shows up as a call that never ends; the time limit turns it into a failure.
@Suite("PendingCallTable", .timeLimit(.minutes(1)))
struct PendingCallTableTests {
    typealias Table = PendingCallTable<String>

    /// The id of a `.send` action, or nil for any other action.
    private func sentID(_ action: Table.RegisterAction) -> Int? {
        if case .send(let id) = action { return id }
        return nil
    }

    private func isFailPrerendering(_ action: Table.RegisterAction) -> Bool {
        if case .failPrerendering = action { return true }
        return false
    }

    private func isFailDisconnected(_ action: Table.RegisterAction) -> Bool {
        if case .failDisconnected = action { return true }
        return false
    }

    private func isFailTooMany(_ action: Table.RegisterAction) -> Bool {
        if case .failTooMany = action { return true }
        return false
    }

    @Test("a new table is connected and empty")
    func initialState() {
        let table = Table()
        #expect(table.state == .connected)
        #expect(table.count == 0)
        #expect(Table(state: .prerendering).state == .prerendering)
    }

    @Test("registering while connected sends with increasing ids, starting at 1")
    func registerConnected() {
        var table = Table()
        #expect(sentID(table.register(identifier: "a", waiter: "w1")) == 1)
        #expect(sentID(table.register(identifier: "b", waiter: "w2")) == 2)
        #expect(sentID(table.register(identifier: "a", waiter: "w3")) == 3)
        #expect(table.count == 3)
        #expect(table.identifier(of: 1) == "a")
        #expect(table.identifier(of: 2) == "b")
        #expect(table.identifier(of: 4) == nil)
    }

    @Test("removing a call hands back its entry once; duplicate and unknown ids give nil")
    func remove() {
        var table = Table()
        _ = table.register(identifier: "x.y", waiter: "waiter-1")
        _ = table.register(identifier: "z", waiter: "waiter-2")
        let entry = table.remove(id: 1)
        #expect(entry?.identifier == "x.y")
        #expect(entry?.waiter == "waiter-1")
        #expect(table.count == 1)
        #expect(table.identifier(of: 1) == nil)
        #expect(table.remove(id: 1) == nil)  // duplicate
        #expect(table.remove(id: 99) == nil)  // unknown
        #expect(table.remove(id: 0) == nil)
        #expect(table.remove(id: -1) == nil)
        #expect(table.count == 1)
        #expect(table.remove(id: 2)?.waiter == "waiter-2")
        #expect(table.count == 0)
    }

    @Test("ids are never reused after removal")
    func idsNotReused() {
        var table = Table()
        _ = table.register(identifier: "a", waiter: "1")
        _ = table.remove(id: 1)
        #expect(sentID(table.register(identifier: "a", waiter: "2")) == 2)
    }

    @Test("registering while prerendering fails and records nothing")
    func registerPrerendering() {
        var table = Table(state: .prerendering)
        #expect(isFailPrerendering(table.register(identifier: "a", waiter: "w")))
        #expect(table.count == 0)
        #expect(table.state == .prerendering)
    }

    @Test("disconnecting hands back every waiting call and empties the table")
    func disconnect() {
        var table = Table()
        for i in 1...3 { _ = table.register(identifier: "f\(i)", waiter: "w\(i)") }
        _ = table.remove(id: 2)
        let entries = table.disconnect()
        #expect(table.state == .disconnected)
        #expect(table.count == 0)
        #expect(entries.map(\.identifier).sorted() == ["f1", "f3"])
        #expect(entries.map(\.waiter).sorted() == ["w1", "w3"])
        #expect(table.remove(id: 1) == nil)  // a late completion finds nothing
        #expect(table.disconnect().isEmpty)  // disconnecting again hands back nothing
    }

    @Test("registering after disconnect fails and records nothing")
    func registerDisconnected() {
        var table = Table()
        _ = table.disconnect()
        #expect(isFailDisconnected(table.register(identifier: "a", waiter: "w")))
        #expect(table.count == 0)
    }

    @Test("attaching after disconnect or prerendering connects again; ids keep increasing")
    func attach() {
        var table = Table()
        _ = table.register(identifier: "a", waiter: "1")
        _ = table.disconnect()
        table.attach()
        #expect(table.state == .connected)
        #expect(sentID(table.register(identifier: "b", waiter: "2")) == 2)

        var prerendering = Table(state: .prerendering)
        prerendering.attach()
        #expect(prerendering.state == .connected)
        #expect(sentID(prerendering.register(identifier: "c", waiter: "3")) == 1)
    }

    @Test("past the limit a call fails with failTooMany, records nothing and takes no id; a freed slot takes the next")
    func limit() {
        var table = Table(limit: 2)
        #expect(table.limit == 2)
        #expect(Table().limit == .max)
        #expect(sentID(table.register(identifier: "a", waiter: "w1")) == 1)
        #expect(sentID(table.register(identifier: "b", waiter: "w2")) == 2)
        #expect(isFailTooMany(table.register(identifier: "c", waiter: "w3")))
        #expect(isFailTooMany(table.register(identifier: "c", waiter: "w3")))
        #expect(table.count == 2)
        #expect(table.identifier(of: 3) == nil)
        _ = table.remove(id: 1)
        #expect(sentID(table.register(identifier: "d", waiter: "w4")) == 3)
        #expect(isFailTooMany(table.register(identifier: "e", waiter: "w5")))
        #expect(table.count == 2)
    }

    @Test("InteropChannel turns the limit into JSCallLimitError naming the call and the limit, and sends nothing")
    func channelCallLimit() async throws {
        let (channel, outbox, js) = makeChannel(InteropOptions(maxPendingCalls: 2))
        async let first: Int = js.invoke("first", timeout: .never)
        async let second: Int = js.invoke("second", timeout: .never)
        // The two child tasks send in either order: find each call by its identifier.
        let calls = try await outbox.waitForCalls(2).sorted { $0.identifier < $1.identifier }
        #expect(calls.map(\.identifier) == ["first", "second"])
        #expect(channel.pendingCallCount == 2)

        // The timeout only keeps a broken limit from hanging the test: a refusal comes at once.
        let error = await #expect(throws: JSCallLimitError.self) {
            let _: Int = try await js.invoke("third.call", timeout: .seconds(5))
        }
        #expect(error?.identifier == "third.call")
        #expect(error?.limit == 2)
        #expect(error?.description == "The JavaScript call 'third.call' was not sent: 2 calls are already in flight on this circuit.")
        #expect(outbox.calls.count == 2, "the refused call was not sent")
        #expect(channel.pendingCallCount == 2)

        // Once one completes, the next call goes out.
        #expect(channel.complete(callID: calls[0].id, outcome: .success(1)))
        #expect(try await first == 1)
        async let fourth: Int = js.invoke("fourth", timeout: .never)
        let fourthCall = try await outbox.waitForCalls(3)[2]
        #expect(fourthCall.identifier == "fourth")
        #expect(channel.complete(callID: calls[1].id, outcome: .success(2)))
        #expect(channel.complete(callID: fourthCall.id, outcome: .success(4)))
        #expect(try await second == 2)
        #expect(try await fourth == 4)
    }
}
