import Crypto
import Foundation
import Synchronization
import TetherInterop
import TetherServer
import TetherUI

/// The demo application, shared by `tether-demo` and the tests.
public enum DemoApp {
    public static let pages: [any Page.Type] = [
        Home.self, Counter.self, CallJsExample1.self, InteropLab.self, CallSwiftExample1.self, CallSwiftExample2.self,
        Upload.self, JSObjects.self, Todos.self, FormPage.self, ItemPage.self, ErrorPage.self, EventsPage.self,
        ScriptsPage.self, InteropParity.self, SharedPage.self, DurablePage.self, LoginPage.self, AccountPage.self, ChatPage.self,
        VirtualizePage.self, PeopleGridPage.self, AsyncPage.self,
        ClientPage.self,
    ]

    public static func make() -> TetherApp {
        var app = TetherApp(pages: pages)
        app.document.title = "Tether demo"
        app.services.sharedCounter = SharedCounter()
        app.services.nodeName = app.persistence.nodeName
        // Scripts in <head> and at the end of <body>, inline and external: see /scripts.
        app.document.head = #"<script>document.addEventListener('DOMContentLoaded', () => { const el = document.getElementById('head-script'); if (el) el.textContent = 'ran'; });</script>"#
        app.document.bodyEnd = [
            #"<script>(() => { const el = document.getElementById('body-script'); if (el) el.textContent = 'ran'; })();</script>"#,
            #"<script src="/js/external-script.js"></script>"#,
            #"<script src="/js/convert-array.js"></script>"#,
            #"<script src="/js/call-swift.js"></script>"#,
            #"<script src="/js/lab.js"></script>"#,
            #"<script src="/js/interop-parity.js"></script>"#,
        ].joined()
        app.publicDirectory = Bundle.module.bundleURL.appendingPathComponent("wwwroot").path
        // The bundle root holds the collocated modules, such as ScriptsPage.js.
        app.libraries = [.library("DemoApp", directory: Bundle.module.bundleURL.path)]
        // The same Counter and Todos, run in the browser: compiled into TetherDemo.wasm by
        // scripts/build-wasm, read from $TETHER_WASM_DIR or .build/wasm.
        app.webAssembly = WebAssemblyModule(name: "TetherDemo", pages: [
            WebAssemblyPage(Counter.self, at: "/wasm/counter"),
            WebAssemblyPage(Todos.self, at: "/wasm/todos"),
            // Auto mode: a first visit runs in a circuit while the module downloads; later visits
            // run in the browser, until the module is rebuilt.
            .auto(Counter.self, at: "/auto/counter"),
            // Its synchronous JS call exists only in the module (Sources/DemoApp/Wasm).
            WebAssemblyPage(at: "/wasm/call-js-example-1"),
        ])
        DemoMethods.register(in: &app.exports)
        ParityMethods.register(in: &app.exports)
        return app
    }
}

/// Lowercase hex of a digest, as `sha256sum` prints it.
func hexDigest(_ digest: SHA256.Digest) -> String {
    digest.map { String(format: "%02x", $0) }.joined()
}

/// Swift methods the demo exposes to JS under the module name `Demo`.
enum DemoMethods {
    static func register(in exports: inout JSExports) {
        exports.module("Demo") { demo in
            demo.expose("ReturnArrayAsync") { () async in [11, 12, 13] }
            // Arguments come from the browser: arithmetic on them is checked, never trusted.
            demo.expose("Add") { (a: Int, b: Int) in
                let (sum, overflowed) = a.addingReportingOverflow(b)
                if overflowed { throw InvocationError("\(a) + \(b) does not fit in an Int.") }
                return sum
            }
            demo.expose("Greet") { (name: String) async in "Hello, \(name)!" }
            demo.exposeAction("Fail") { (message: String) throws in throw DemoFailure(message: message) }
            demo.expose("Echo") { (value: JSONValue) in value }
            demo.exposeAction("Noop") { () in }
            demo.expose("EchoBlob") { (blob: NamedBlob) in blob }
            demo.expose("CreateCounter") { (start: Int) in SwiftObjectReference(DemoCounter(start: start)) }
            demo.expose("ReverseBytes") { (data: [UInt8]) in Array(data.reversed()) }
            demo.expose("ByteCount") { (data: [UInt8]) in data.count }
            demo.expose("HashStream") { (stream: JSStreamReference, maxBytes: Int) in
                var hasher = SHA256()
                var count = 0
                for try await chunk in stream.openReadStream(maxAllowedSize: maxBytes) {
                    hasher.update(data: chunk)
                    count += chunk.count
                }
                return StreamDigest(count: count, sha256: hexDigest(hasher.finalize()))
            }
            demo.expose("PatternStream") { (size: Int) in SwiftStreamReference(patternChunks(size: size), length: size) }
            demo.exposeWithContext("InvokeJS") { (context: InvocationContext, identifier: String, args: [JSONValue], timeoutMs: Int?) in
                let timeout: CallTimeout = timeoutMs.map { .milliseconds($0) } ?? .appDefault
                do {
                    return try await context.js.invoke(identifier, arguments: args, as: JSONValue.self, timeout: timeout)
                } catch let error as JSException {
                    // An InvocationError's message reaches JS as is, detailed errors or not.
                    throw InvocationError(error.message)
                } catch {
                    throw InvocationError("\(error)")
                }
            }
        }
    }

    /// A struct with bytes inside: they travel as a binary segment, nested.
    struct NamedBlob: Codable {
        let name: String
        let data: Data
    }

    struct StreamDigest: Encodable {
        let count: Int
        let sha256: String
    }

    /// `size` bytes of the pattern `i % 251`, produced lazily in 256 KB chunks.
    static func patternChunks(size: Int) -> PatternBytes { PatternBytes(size: size) }

    struct PatternBytes: AsyncSequence, Sendable {
        let size: Int

        static let chunkSize = 256 * 1024
        private static let period = 251

        /// One chunk's worth of the pattern plus a period, so every chunk is a copy of a slice.
        /// Built once, with a plain loop: a per-byte generic `map` cost ~250 ms a chunk in debug
        /// builds, which made this fixture, not the socket under test, the busiest thing on the pool.
        private static let patternAndOnePeriod: [UInt8] = [UInt8](unsafeUninitializedCapacity: chunkSize + period) { buffer, count in
            for index in buffer.indices {
                buffer[index] = UInt8(truncatingIfNeeded: index % period)
            }
            count = buffer.count
        }

        struct AsyncIterator: AsyncIteratorProtocol {
            let size: Int
            var offset = 0

            mutating func next() async -> [UInt8]? {
                guard offset < size else { return nil }
                // `size - offset` cannot overflow here, unlike `offset + chunkSize` for a size near Int.max.
                let count = Swift.min(PatternBytes.chunkSize, size - offset)
                let phase = offset % PatternBytes.period
                defer { offset += count }
                return Array(PatternBytes.patternAndOnePeriod[phase ..< phase + count])
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(size: size) }
    }

    /// A Swift object JS holds by reference: `CreateCounter(5)` gives JS an object whose
    /// `invokeMethodAsync('Increment')` and `invokeMethodAsync('Value')` run here.
    final class DemoCounter: JSInvokableObject {
        private let value: Mutex<Int>

        init(start: Int) { value = Mutex(start) }

        static func exposeMethods(_ methods: inout ObjectMethodTable<DemoCounter>) {
            methods.expose("Increment") { counter in
                try counter.value.withLock { (value: inout Int) throws(InvocationError) -> Int in
                    let (next, overflowed) = value.addingReportingOverflow(1)
                    if overflowed { throw InvocationError("The counter is at \(value), the largest Int.") }
                    value = next
                    return next
                }
            }
            methods.expose("Value") { counter in counter.value.withLock { $0 } }
        }
    }

    struct DemoFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
