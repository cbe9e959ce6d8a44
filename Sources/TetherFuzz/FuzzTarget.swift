import Foundation
import Logging
import TetherInterop
import TetherUI

/// Feeds one untrusted input through everything that reads browser data: the frame decoder, the
/// JSON reader, byte segments, event args (straight and through real handler ids, whose handlers
/// then run, bound inputs included), JS→Swift invocations into many parameter types, results of
/// Swift→JS calls, `ack`/`resume`/`rel`/`nav` numbers used as the server uses them, and URLs
/// through the page router and the typed route accessors.
///
/// An input is one or more frames separated by a 0xFF byte (never part of UTF-8 text): a frame
/// that starts with 0x00 is a binary frame (a byte segment) after that byte, any other is a text
/// frame. The whole input is also read as a URL. Any crash, hang or sanitizer report is a bug;
/// refusing the input is the expected outcome. Every input gets a fresh channel and renderer,
/// so no state carries from one input to the next.
enum FuzzTarget {
    static func run(_ bytes: [UInt8]) {
        let executor = InlineExecutor()
        Task(executorPreference: executor) {
            await runInput(bytes, on: executor)
            executor.finish()
        }
        executor.run()
    }

    @concurrent static func runInput(_ bytes: [UInt8], on executor: InlineExecutor) async {
        let input = Input(executor: executor)
        await input.setUp()
        let wholeText = String(decoding: bytes, as: UTF8.self)
        Routing.check(url: wholeText)
        for frame in bytes.split(separator: 0xFF, omittingEmptySubsequences: true) {
            if frame.first == 0 {
                try? input.channel.receiveBinary(Array(frame.dropFirst()))
                continue
            }
            for decoded in WireCodec.decodeFrame(String(decoding: frame, as: UTF8.self)) {
                guard case .success(let message) = decoded else { continue }
                await input.handle(message)
            }
        }
        await input.tearDown()
    }
}

// MARK: - Running async code on the fuzzer's thread

/// Runs an input's tasks on the calling thread, so an input costs no thread hops: on a loaded
/// machine a hop can cost a scheduler tick, more than the input itself. Work that lands on another
/// executor (an actor, a task without the preference) still runs there and wakes this loop.
final class InlineExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    /// Runs jobs until `finish()`.
    func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}

// MARK: - One input's world

/// The channel, renderer and server-side bookkeeping one input runs against.
final class Input {
    final class Sink: InteropOutbox {
        func enqueue(_ message: InteropMessage) {}
    }

    /// Refusals are the expected outcome, so they are not logged: a log line per input would
    /// cost more than the input.
    static let silent = Logger(label: "tether.fuzz") { _ in SwiftLogNoOpLogHandler() }

    let channel = InteropChannel(outbox: Sink(), logger: Input.silent)
    let executor: InlineExecutor
    var js: JSRuntime { JSRuntime(channel: channel) }
    let renderer: Renderer
    /// Every `data-t-<event>` handler id of the rendered page.
    private(set) var handlerIDs: [String] = []
    /// Swift→JS calls in flight, ids 1 through `pendingCalls.count`.
    private var pendingCalls: [Task<Void, Never>] = []
    /// Render batches the "browser" has not acknowledged, as the circuit keeps them.
    private var unacknowledged: [(number: Int, edits: String)] = []

    init(executor: InlineExecutor) {
        self.executor = executor
        renderer = Renderer(page: EventsPage(), js: JSRuntime(channel: channel), isPrerendering: false)
    }

    func setUp() async {
        _ = renderer.renderHTML()
        handlerIDs = Self.handlerIDs(in: renderer.tree)
        // Swift objects JS may call: id 1 a plain object, id 2 a Swift stream's source.
        _ = try? channel.encode(SwiftObjectReference(FuzzObject()))
        _ = try? channel.encode(SwiftStreamReference(bytes: [1, 2, 3, 4, 5], chunkBytes: 2))
        // Swift→JS calls waiting for a `done`, one per result type; started one at a time so
        // call id n always expects the same type.
        let js = js
        await pend { _ = try? await js.invoke("fuzz.int", as: Int.self, timeout: .never) }
        await pend { _ = try? await js.invoke("fuzz.double", as: Double.self, timeout: .never) }
        await pend { _ = try? await js.invoke("fuzz.record", as: FuzzRecord.self, timeout: .never) }
        await pend { _ = try? await js.invoke("fuzz.bytes", as: [UInt8].self, timeout: .never) }
        await pend {
            guard let stream = try? await js.invoke("fuzz.stream", as: JSStreamReference.self, timeout: .never) else { return }
            // A declared length over the limit fails at once, without a call (a read would wait
            // for a `done` no input can number ahead of time).
            guard let length = stream.length, length > 4 else { return }
            do {
                for try await _ in stream.openReadStream(maxAllowedSize: 4) {}
            } catch {}
        }
        await pend { _ = try? await js.construct("fuzz.Object", timeout: .never) }
        await pend { _ = try? await js.invoke("fuzz.json", as: JSONValue.self, timeout: .never) }
        for number in 0..<3 { unacknowledged.append((number, "[]")) }
    }

    private func pend(_ call: @escaping @Sendable () async -> Void) async {
        let before = channel.pendingCallCount
        pendingCalls.append(Task(executorPreference: executor) { await call() })
        while channel.pendingCallCount == before { await Task.yield() }
    }

    func tearDown() async {
        // Fails the calls still waiting, so their tasks end.
        channel.close()
        for call in pendingCalls { await call.value }
    }

    func handle(_ message: InboundMessage) async {
        switch message {
        case .start(_, let url):
            Routing.check(url: url)
        case .resume(_, _, let lastBatch):
            // As Circuit.resume: drop what the browser has, replay the rest.
            unacknowledged.removeAll { $0.number <= lastBatch }
            _ = WireCodec.encodeFrame(unacknowledged.map { OutboundMessage.render(batch: $0.number, edits: $0.edits) })
        case .end, .pause, .drained:
            break
        case .event(let handler, let args, _):
            await event(handler, args)
        case .callCompleted(let id, let outcome):
            if case .success(let value) = outcome { Decoding.decodeAll(value, channel: channel, bytes: false) }
            channel.complete(callID: id, outcome: outcome)
            // The completed call decodes on its own task; let it run before the next message.
            await Task.yield()
        case .invoke(let id, let target, let method, let args):
            for arg in args { Decoding.decodeAll(arg, channel: channel, bytes: false) }
            await channel.dispatchInvocation(id: id, target: target, method: method, args: args, exports: FuzzExports.exports)
            // The same arguments for every exposed method that takes that many, so the decoders
            // of every parameter type see them even when the method name is wrong.
            for (name, method) in FuzzExports.methods where method.parameterTypes.count == args.count {
                await channel.dispatchInvocation(id: id, target: .module(FuzzExports.module), method: name, args: args, exports: FuzzExports.exports)
            }
            for arg in args { Decoding.decodeAll(arg, channel: channel, bytes: true) }
        case .ack(let batch):
            // As Circuit.acknowledge.
            unacknowledged.removeAll { $0.number <= batch }
        case .releaseObject(let id):
            channel.objects.release(id)
        case .navigate(let url):
            // As CircuitConnection.dispatch and Circuit.navigateFromBrowser.
            guard url.hasPrefix("/"), !url.hasPrefix("//") else { return }
            guard let (page, route) = Routing.check(url: url) else { return }
            let shown = Renderer(page: page.init(), route: route, js: js, isPrerendering: false)
            try? await shown.initializePending()
            _ = shown.renderHTML()
        }
    }

    private func event(_ handler: String, _ args: JSONValue) async {
        // The args on their own.
        if let parsed = try? EventArgs(json: args) {
            for value in [parsed.clientX, parsed.clientY, parsed.offsetX, parsed.offsetY, parsed.scrollTop, parsed.clientHeight] {
                precondition(value?.isFinite ?? true, "EventArgs accepted a non-finite number")
            }
        }
        // The handler id as sent, and a real one picked by the id's bytes.
        _ = try? renderer.resolveEvent(handler, rawArgs: args)
        guard !handlerIDs.isEmpty else { return }
        let pick = Int(handler.utf8.reduce(UInt(0)) { $0 &* 31 &+ UInt($1) } % UInt(handlerIDs.count))
        guard let event = try? renderer.resolveEvent(handlerIDs[pick], rawArgs: args) else { return }
        renderer.eventHandled(event)
        try? await event.handler(event.args)
        renderer.eventHandled(event)
        if let page = renderer.page as? EventsPage { page.checkInvariants() }
        if let batch = renderer.renderBatch() {
            unacknowledged.append((batch.number, batch.edits))
            precondition((try? JSONParser.parse(batch.edits)) != nil, "a render batch is not JSON: \(batch.edits)")
        }
    }

    static func handlerIDs(in nodes: [RenderNode]) -> [String] {
        var ids: [String] = []
        for node in nodes {
            guard case .element(let element) = node else { continue }
            for attribute in element.attributes where attribute.name.hasPrefix("data-t-") && attribute.name != "data-t-ref" {
                if let id = attribute.value.split(separator: ";").first { ids.append(String(id)) }
            }
            ids += handlerIDs(in: element.children)
        }
        return ids
    }
}

// MARK: - Events and bound inputs

/// A page with a handler for each kind of event args use and each binding type.
final class EventsPage: Component {
    var count = 0
    var text = ""
    var age: Int? = 36
    var price: Double?
    var agree = false
    var color = "red"
    var notes = ""
    var last = EventArgs(type: "none")

    var body: Content {
        button(.id("increment")) { "+" }.onClick { self.count += 1 }
        button(.id("args")) { "args" }.onClick { (args: EventArgs) in self.last = args }
        div(.id("pointer")).on("pointermove") { (args: EventArgs) in self.last = args }
        div(.id("keys")).on("keydown", EventOptions(preventDefault: true, debounce: 10)) { (args: EventArgs) in self.last = args }
        input(.id("text")).onInput { self.text = $0.value ?? "" }
        input(.id("age"), .type("number")).bind(binding(\.age))
        input(.id("price"), .type("number")).bind(binding(\.price), on: .input)
        input(.id("agree"), .type("checkbox")).bind(checked: binding(\.agree))
        select(.id("color")) { for c in ["red", "green"] { option(.value(c)) { c } } }.bind(binding(\.color))
        textarea(.id("notes")).bind(binding(\.notes))
        span { count }
        span { text }
        span { age.map(String.init) ?? "" }
        span { price.map { String($0) } ?? "" }
        span { last.type }
        span { last.key ?? "" }
        span { last.button.map(String.init) ?? "" }
        span { last.detail.map(String.init) ?? "" }
    }

    func checkInvariants() {
        precondition(price?.isFinite ?? true, "a bound Double took a non-finite value")
        for value in [last.clientX, last.clientY, last.offsetX, last.offsetY] {
            precondition(value?.isFinite ?? true, "EventArgs accepted a non-finite number")
        }
    }
}

// MARK: - Routes

enum Routing {
    final class Home: Page { static let route = "/"; var body: Content { p { "home" } } }
    final class Counter: Page { static let route = "/counter"; var body: Content { p { "counter" } } }

    final class Item: Page {
        static let route = "/items/{id:int}"
        var id = 0
        func receive(route: RouteValues) { id = route.int("id") ?? -1 }
        var body: Content { p { id } }
    }

    final class Flag: Page {
        static let route = "/flags/{on:bool}"
        var on = false
        func receive(route: RouteValues) { on = route.bool("on") ?? false }
        var body: Content { p { on ? "on" : "off" } }
    }

    final class Price: Page {
        static let route = "/prices/{amount:double}"
        var amount = 0.0
        func receive(route: RouteValues) { amount = route.double("amount") ?? .nan }
        var body: Content { p { String(amount) } }
    }

    final class Name: Page {
        static let route = "/names/{name}"
        var name = ""
        func receive(route: RouteValues) { name = route.string("name") ?? "" }
        var body: Content { p { name } }
    }

    final class Edit: Page {
        static let route = "/names/{name:string}/edit"
        var name = ""
        var query = ""
        func receive(route: RouteValues) {
            name = route.string("name") ?? ""
            query = route.query("q") ?? ""
        }
        var body: Content { p { name }; p { query } }
    }

    final class Mixed: Page {
        static let route = "/mixed/{id:int}/{on:bool}/{amount:double}/{name}"
        var text = ""
        func receive(route: RouteValues) {
            text = "\(route.int("id") ?? 0) \(route.bool("on") ?? false) \(route.double("amount") ?? 0) \(route.string("name") ?? "")"
        }
        var body: Content { p { text } }
    }

    static let router = PageRouter([Home.self, Counter.self, Item.self, Flag.self, Price.self, Name.self, Edit.self, Mixed.self])

    /// Matches a URL and checks that every typed accessor agrees with the route's constraint.
    @discardableResult
    static func check(url: String) -> (page: any Page.Type, route: RouteValues)? {
        guard let (page, route) = router.match(url: url) else { return nil }
        for (name, value) in route.parameters {
            precondition(!value.isEmpty, "a route parameter '\(name)' matched empty")
        }
        switch ObjectIdentifier(page) {
        case ObjectIdentifier(Item.self):
            precondition(route.int("id") != nil, "an int route value does not read as an Int")
        case ObjectIdentifier(Flag.self):
            precondition(route.bool("on") != nil, "a bool route value does not read as a Bool")
        case ObjectIdentifier(Price.self):
            precondition(route.double("amount")?.isFinite == true, "a double route value does not read as a finite Double")
        case ObjectIdentifier(Mixed.self):
            precondition(route.int("id") != nil && route.bool("on") != nil && route.double("amount")?.isFinite == true,
                "a typed route value does not read as its type")
        default:
            break
        }
        for name in ["q", "page", "", "id"] { _ = route.query(name) }
        for item in route.query { _ = route.query(item.name) }
        return (page, route)
    }
}

// MARK: - JS→Swift invocations

/// Every parameter type a Swift method may declare, in one nested Codable.
struct FuzzRecord: Codable, Sendable {
    var id: Int
    var small: Int8?
    var unsigned: UInt32?
    var wide: UInt64?
    var ratio: Double
    var scale: Float?
    var name: String
    var flag: Bool?
    var data: Data?
    var tags: [String]?
    var children: [FuzzRecord]?
    var counts: [String: Int]?
}

final class FuzzObject: JSInvokableObject {
    static func exposeMethods(_ methods: inout ObjectMethodTable<FuzzObject>) {
        methods.expose("Echo") { (_: FuzzObject, text: String) in text }
        methods.expose("Scale") { (_: FuzzObject, value: Double, by: Int) in value * Double(by) }
        methods.expose("Record") { (_: FuzzObject, record: FuzzRecord) in record.name }
    }
}

/// An app's mistake in arithmetic on a browser's numbers is not the framework's: methods here
/// check their own, as an app must.
struct Overflow: Error {}

enum FuzzExports {
    static let module = "Fuzz"

    static let exports: JSExports = {
        var exports = JSExports()
        exports.module(module) { m in
            m.expose("Add") { (a: Int, b: Int) throws -> Int in
                let (sum, overflow) = a.addingReportingOverflow(b)
                if overflow { throw Overflow() }
                return sum
            }
            m.expose("Ints") { (a: Int8, b: Int16, c: Int32, d: Int64, e: UInt8, f: UInt16, g: UInt32, h: UInt64) in
                "\(a) \(b) \(c) \(d) \(e) \(f) \(g) \(h)"
            }
            m.expose("Unsigned") { (a: UInt) in a }
            m.expose("Floats") { (a: Double, b: Float) in a.isFinite && b.isFinite }
            m.expose("Optionals") { (a: Int?, b: Double?, c: String?) in a == nil && b == nil && c == nil }
            m.expose("Flags") { (a: Bool, b: String) in a ? b : "" }
            m.expose("Arrays") { (a: [Int], b: [Double], c: [String?]) in a.count + b.count + c.count }
            m.expose("Map") { (a: [String: Int]) in a.count }
            m.expose("Record") { (record: FuzzRecord) in record }
            m.expose("Records") { (records: [FuzzRecord]) in records.count }
            m.expose("Bytes") { (data: [UInt8]) in data.count }
            m.expose("Data") { (data: Data) in data.count }
            m.expose("Json") { (value: JSONValue) in value }
            m.expose("Values") { (a: String, b: [Double], c: JSONValue?) in a }
            m.expose("Stream") { (stream: JSStreamReference) in stream.length ?? -1 }
            m.expose("Ping") { "pong" }
        }
        return exports
    }()

    static let methods: [(String, ExposedMethod)] = ["Add", "Ints", "Unsigned", "Floats", "Optionals", "Flags", "Arrays", "Map",
        "Record", "Records", "Bytes", "Data", "Json", "Values", "Stream", "Ping"].map { ($0, try! exports.method($0, in: module)) }
}

/// Decodes one browser value into every parameter type, as an exposed method's arguments are.
enum Decoding {
    static func decodeAll(_ value: JSONValue, channel: InteropChannel, bytes: Bool) {
        if bytes {
            _ = try? channel.decode([UInt8].self, from: value)
            _ = try? channel.decode(Data.self, from: value)
            return
        }
        if let d = try? channel.decode(Double.self, from: value) { precondition(d.isFinite, "a Double decoded as \(d)") }
        if let f = try? channel.decode(Float.self, from: value) { precondition(f.isFinite, "a Float decoded as \(f)") }
        if let d = try? channel.decode(Double?.self, from: value) { precondition(d.isFinite, "a Double? decoded as \(d)") }
        if let ds = try? channel.decode([Double].self, from: value) { precondition(ds.allSatisfy(\.isFinite), "a [Double] held a non-finite value") }
        if let r = try? channel.decode(FuzzRecord.self, from: value) { precondition(r.ratio.isFinite, "a Double field decoded as \(r.ratio)") }
        _ = try? channel.decode(Int.self, from: value)
        _ = try? channel.decode(Int8.self, from: value)
        _ = try? channel.decode(Int16.self, from: value)
        _ = try? channel.decode(Int32.self, from: value)
        _ = try? channel.decode(Int64.self, from: value)
        _ = try? channel.decode(UInt.self, from: value)
        _ = try? channel.decode(UInt8.self, from: value)
        _ = try? channel.decode(UInt16.self, from: value)
        _ = try? channel.decode(UInt32.self, from: value)
        _ = try? channel.decode(UInt64.self, from: value)
        _ = try? channel.decode(Bool.self, from: value)
        _ = try? channel.decode(String.self, from: value)
        _ = try? channel.decode(Int?.self, from: value)
        _ = try? channel.decode(String?.self, from: value)
        _ = try? channel.decode([Int].self, from: value)
        _ = try? channel.decode([String].self, from: value)
        _ = try? channel.decode([Int?].self, from: value)
        _ = try? channel.decode([String: Int].self, from: value)
        _ = try? channel.decode([FuzzRecord].self, from: value)
        _ = try? channel.decode(JSONValue.self, from: value)
        if let stream = try? channel.decode(JSStreamReference.self, from: value) {
            precondition(stream.length.map { $0 >= 0 } ?? true, "a JS stream decoded with length \(String(describing: stream.length))")
        }
        // What the other readers of browser numbers do with a value.
        _ = value.intValue
        _ = value == value
        var hasher = Hasher()
        value.hash(into: &hasher)
        _ = hasher.finalize()
        _ = value.serialized()
    }
}

#if FUZZING
/// libFuzzer's entry point for one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    FuzzTarget.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's `@main` as its entry point, so libFuzzer is started from here.
@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}
#else
/// Without libFuzzer: replays every file of the corpus folders given, so the corpus is a
/// regression test (`swift run tether-fuzz Tests/Fuzz/corpus`).
@main
struct ReplayCorpus {
    static func main() throws {
        var count = 0
        for folder in CommandLine.arguments.dropFirst() {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
                let data = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(name))
                FuzzTarget.run(Array(data))
                count += 1
            }
        }
        // An empty or missing corpus would make this regression test pass without testing anything.
        guard count > 0 else {
            FileHandle.standardError.write(Data("no inputs to replay in \(CommandLine.arguments.dropFirst())\n".utf8))
            exit(1)
        }
        print("replayed \(count) inputs without a crash")
    }
}
#endif
