import Testing
import TetherInterop

/// Observation over real circuits: renders no event asked for, reaching only the components that
/// read what changed.
@Suite("Shared state: Observation and app services over the real server")
struct SharedStateTests {
    /// The demo page with an app service, and two halves of a model the page owns.
    static let page = "/shared"

    @Test("a click in one circuit re-renders another circuit that reads the same app service, which sent no event")
    func appServiceReachesEveryCircuit() async throws {
        try await withDemoServer { server in
            let (clicker, _) = try await server.startCircuit(Self.page)
            let (watcher, page) = try await server.startCircuit(Self.page)
            #expect(page.dom.element(id: "shared-count")?.textContent == "0")

            try await clicker.click(id: "shared-increment")
            try await clicker.renders(until: "the clicker shows 1") { $0.element(id: "shared-count")?.textContent == "1" }
            let pushed = try await watcher.renders(until: "the watcher shows 1") { $0.element(id: "shared-count")?.textContent == "1" }
            #expect(pushed.count == 1, "one batch: \(pushed)")
            #expect(pushed.first?.edits.count == 1, "only the count's text changed: \(pushed)")

            try await watcher.click(id: "shared-increment")
            try await clicker.renders(until: "the clicker shows 2") { $0.element(id: "shared-count")?.textContent == "2" }
        }
    }

    @Test("a change to one half of a model re-renders the sibling that read it, and not the other")
    func onlyTheReaderRerenders() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit(Self.page)
            let rightRenders = page.dom.element(id: "right-renders")?.textContent
            #expect(page.dom.element(id: "left-value")?.textContent == "0")

            try await client.click(id: "left-add")
            try await client.renders(until: "the left half shows 1") { $0.element(id: "left-value")?.textContent == "1" }
            let dom = try #require(client.dom)
            #expect(dom.element(id: "right-renders")?.textContent == rightRenders, "the right half did not render")
            #expect(dom.element(id: "left-renders")?.textContent != page.dom.element(id: "left-renders")?.textContent)
        }
    }

    @Test("work started with launch updates an @Observable component on its own: no event, no stateHasChanged()")
    func launchedWorkPushesRenders() async throws {
        try await withDemoServer { server in
            let (client, page) = try await server.startCircuit("/")
            #expect(page.dom.element(id: "ticks")?.textContent == "0")
            try await client.renders(until: "the ticker shows 1", timeout: .seconds(5)) { $0.element(id: "ticks")?.textContent == "1" }
        }
    }
}
