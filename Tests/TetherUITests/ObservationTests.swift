import Observation
import Synchronization
import Testing
import TetherInterop
import TetherTesting
@testable import TetherUI

/// A model two siblings share, each reading one of its properties.
@Observable
final class Scoreboard {
    var home = 0
    var away = 0
    var title = "match"
}

/// Shows one side of a `Scoreboard` and counts its body's runs.
final class ScoreView: Component {
    var board: Scoreboard
    var side: String
    static let parameters = Parameters(\ScoreView.board, \.side)
    var bodies = 0
    init(board: Scoreboard, side: String) {
        self.board = board
        self.side = side
    }
    var body: Content {
        let _ = bodies += 1
        span(.id(side)) { side == "home" ? board.home : board.away }
    }
}

/// Two siblings over one model; the buttons change the model from the parent's handlers.
final class ScoreboardPage: Component {
    let board = Scoreboard()
    var bodies = 0
    var body: Content {
        let _ = bodies += 1
        ScoreView(board: board, side: "home")
        ScoreView(board: board, side: "away")
        button(.id("home-goal")) { "goal" }.onClick { self.board.home += 1 }
    }
}

/// An `@Observable` component whose state only `launch`ed work changes.
@Observable
final class ObservedClock: Component {
    var ticks = 0
    var body: Content { span(.id("ticks")) { ticks } }
    override func onAfterRender(firstRender: Bool) async throws {
        guard firstRender else { return }
        launch { [weak self] in self?.ticks += 1 }
    }
}

/// The same, without `@Observable`: the change stays invisible until `stateHasChanged()`.
final class PlainClock: Component {
    var ticks = 0
    var body: Content { span(.id("ticks")) { ticks } }
}

/// An `@Observable` counter that counts its own body's runs, outside what Observation sees.
@Observable
final class ObservedCounter: Component {
    var count = 0
    @ObservationIgnored var bodies = 0
    var body: Content {
        let _ = bodies += 1
        span(.id("count")) { count }
        button(.id("inc")) { "+" }.onClick { self.count += 1 }
    }
}

/// Reads `board.title` only while `showTitle` is on.
@Observable
final class ConditionalReader: Component {
    @ObservationIgnored let board = Scoreboard()
    var showTitle = true
    var body: Content {
        if showTitle { span(.id("title")) { board.title } }
        span(.id("home")) { board.home }
    }
}

/// Publishes strings to every subscriber, from any thread, the way a chat room or a feed would.
final class Broadcaster: Sendable {
    private let subscribers = Mutex<[AsyncStream<String>.Continuation]>([])
    func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        subscribers.withLock { $0.append(continuation) }
        return stream
    }
    func publish(_ message: String) {
        for subscriber in subscribers.withLock({ $0 }) { subscriber.yield(message) }
    }
}

/// Appends every message its subscription delivers; no `stateHasChanged()`.
@Observable
final class Feed: Component {
    @ObservationIgnored let broadcaster: Broadcaster
    var messages: [String] = []
    init(broadcaster: Broadcaster) { self.broadcaster = broadcaster }
    var body: Content { ul { for message in messages { li { message } } } }
    override func onAfterRender(firstRender: Bool) async throws {
        guard firstRender else { return }
        let stream = broadcaster.subscribe()
        launch { [weak self] in
            for await message in stream { self?.messages.append(message) }
        }
    }
}

/// A child that is `@Observable` and takes a parameter: a new value must render it once, not
/// once for the parameter and again for Observation's report of the same write.
@Observable
final class ObservedLabel: Component {
    var text: String
    @ObservationIgnored var bodies = 0
    static let parameters = Parameters(\ObservedLabel.text)
    init(text: String) { self.text = text }
    var body: Content {
        let _ = bodies += 1
        span(.id("label")) { text }
    }
}

@Observable
final class ObservedLabelParent: Component {
    var text = "a"
    var body: Content {
        ObservedLabel(text: text)
        button(.id("change")) { "change" }.onClick { self.text = "b" }
    }
}

/// A model other circuits write from their own threads: its state sits behind a lock, and it
/// announces a change after making it.
@Observable
final class SharedTally: Sendable {
    private let value = Mutex(0)
    var count: Int {
        access(keyPath: \.count)
        return value.withLock { $0 }
    }
    func increment() {
        value.withLock { $0 += 1 }
        withMutation(keyPath: \.count) {}
    }
}

final class TallyReader: Component {
    let tally: SharedTally
    init(tally: SharedTally) { self.tally = tally }
    var body: Content { span(.id("tally")) { tally.count } }
}

@Suite("Observation: a component re-renders when what its body read changes")
struct ObservationTests {
    @Test("a change made by launched work re-renders an @Observable component, with no stateHasChanged()")
    func launchedWorkRerenders() async throws {
        let host = try await ComponentTestHost(ObservedClock())
        try await host.nextRender()
        #expect(host.find("#ticks")?.text == "1")
        #expect(host.batches.count == 1)
    }

    @Test("a component that is not @Observable keeps today's rules: a plain change waits for stateHasChanged()")
    func plainComponentNeedsStateHasChanged() async throws {
        let host = try await ComponentTestHost(PlainClock())
        host.component.ticks = 1
        #expect(!host.renderRequested)
        host.component.stateHasChanged()
        #expect(host.renderRequested)
        try host.render()
        #expect(host.find("#ticks")?.text == "1")
    }

    @Test("of two siblings reading different properties of one model, only the reader of the changed one renders")
    func onlyTheReaderRerenders() async throws {
        let host = try await ComponentTestHost(ScoreboardPage())
        let board = host.component.board
        // Whatever the mount took, count from here.
        func bodies() -> [Int] { host.renderer.components(ScoreView.self).map(\.bodies) }
        let before = bodies()
        let parentBefore = host.component.bodies
        try #require(before.count == 2)

        board.away += 1
        #expect(host.renderRequested)
        try host.render()
        #expect(host.find("#away")?.text == "1")
        #expect(bodies() == [before[0], before[1] + 1], "only the away side ran its body")
        #expect(host.component.bodies == parentBefore, "the parent read neither property")
        #expect(host.batches.last?.editCount == 1)

        // A change from the parent's handler: the handler's component renders (an event), the
        // home side renders (it read `home`), the away side does not.
        try await host.click("#home-goal")
        #expect(host.find("#home")?.text == "1")
        #expect(bodies() == [before[0] + 1, before[1] + 1])
        #expect(host.component.bodies == parentBefore + 1)
    }

    @Test("a change to a property no body read asks for nothing")
    func unreadPropertyAsksForNothing() async throws {
        let host = try await ComponentTestHost(ScoreboardPage())
        host.component.board.title = "final"
        #expect(!host.renderRequested)
    }

    @Test("an event that changes an @Observable component's own state renders it once, not again for Observation's report")
    func eventRendersOnce() async throws {
        let host = try await ComponentTestHost(ObservedCounter())
        let before = host.component.bodies
        try await host.click("#inc")
        #expect(host.find("#count")?.text == "1")
        #expect(host.component.bodies == before + 1)
        #expect(!host.renderRequested, "the report about the older body is dropped: that render already saw the change")
        try host.render()
        #expect(host.component.bodies == before + 1)
    }

    @Test("a property the last body no longer reads does not re-render it")
    func onlyTheLastBodysReadsCount() async throws {
        let host = try await ComponentTestHost(ConditionalReader())
        host.component.showTitle = false
        try await host.nextRender()
        #expect(host.find("#title") == nil)
        host.component.board.title = "changed"
        #expect(!host.renderRequested, "only the first body read the title")
        host.component.board.home = 3
        #expect(host.renderRequested)
        try host.render()
        #expect(host.find("#home")?.text == "3")
    }

    @Test("a pub/sub delivery that changes state re-renders the subscriber")
    func pubSubDeliveryRerenders() async throws {
        let broadcaster = Broadcaster()
        let host = try await ComponentTestHost(Feed(broadcaster: broadcaster))
        broadcaster.publish("hello")
        try await host.nextRender()
        #expect(host.findAll("li").map(\.text) == ["hello"])
        broadcaster.publish("again")
        try await host.nextRender()
        #expect(host.findAll("li").map(\.text) == ["hello", "again"])
    }

    @Test("a model changed on another thread re-renders its reader, a component that is not itself @Observable")
    func changeFromAnotherThread() async throws {
        let tally = SharedTally()
        let host = try await ComponentTestHost(TallyReader(tally: tally))
        await Task.detached { tally.increment() }.value
        try await host.nextRender()
        #expect(host.find("#tally")?.text == "1")
    }

    @Test("an @Observable child given a new parameter renders once")
    func observableChildParameterRendersOnce() async throws {
        let host = try await ComponentTestHost(ObservedLabelParent())
        let child = try #require(host.renderer.components(ObservedLabel.self).first)
        let before = child.bodies
        try await host.click("#change")
        #expect(host.find("#label")?.text == "b")
        #expect(child.bodies == before + 1)
        #expect(!host.renderRequested)
    }

    @Test("prerendering tracks nothing: a page rendered once and thrown away leaves no observer behind")
    func prerenderingTracksNothing() async throws {
        let page = ObservedCounter()
        let renderer = Renderer(page: page, js: JSRuntime(channel: .prerendering()), isPrerendering: true)
        try await renderer.initializePending()
        _ = renderer.renderHTML()
        page.count = 5
        #expect(!renderer.needsRender)
    }
}

