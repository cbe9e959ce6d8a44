import Foundation
import Synchronization
import TetherInterop
import TetherServer
import TetherUI

/// The demo application, shared by `tether-demo` and the tests.
public enum DemoApp {
    public static let pages: [any Page.Type] = [
        Home.self, Counter.self, CallJsExample1.self, InteropLab.self, CallSwiftExample1.self, CallSwiftExample2.self,
    ]

    public static func make() -> TetherApp {
        var app = TetherApp(pages: pages)
        app.document.title = "Tether demo"
        app.document.bodyEnd = #"<script src="/js/convert-array.js"></script><script src="/js/call-swift.js"></script>"#
        app.publicDirectory = Bundle.module.bundleURL.appendingPathComponent("wwwroot").path
        DemoMethods.register(in: &app.exports)
        return app
    }
}

/// Swift methods the demo exposes to JS under the module name `Demo`.
enum DemoMethods {
    static func register(in exports: inout JSExports) {
        exports.module("Demo") { demo in
            demo.expose("ReturnArrayAsync") { () async in [11, 12, 13] }
            demo.expose("Add") { (a: Int, b: Int) in a + b }
            demo.expose("Greet") { (name: String) async in "Hello, \(name)!" }
            demo.expose("Fail") { (message: String) throws in throw DemoFailure(message: message) }
            demo.expose("Echo") { (value: JSONValue) in value }
            demo.expose("CreateCounter") { (start: Int) in SwiftObjectReference(DemoCounter(start: start)) }
            demo.expose("ReverseBytes") { (data: [UInt8]) in Array(data.reversed()) }
            demo.expose("ByteCount") { (data: [UInt8]) in data.count }
            demo.exposeWithContext("InvokeJS") { (context: InvocationContext, identifier: String, args: [JSONValue], timeoutMs: Int?) in
                let timeout: CallTimeout = timeoutMs.map { .milliseconds($0) } ?? .appDefault
                return try await context.js.invoke(identifier, arguments: args, as: JSONValue.self, timeout: timeout)
            }
        }
    }

    /// A Swift object JS holds by reference: `CreateCounter(5)` gives JS an object whose
    /// `invokeMethodAsync('Increment')` and `invokeMethodAsync('Value')` run here.
    final class DemoCounter: JSInvokableObject {
        private let value: Mutex<Int>

        init(start: Int) { value = Mutex(start) }

        static func exposeMethods(_ methods: inout ObjectMethodTable<DemoCounter>) {
            methods.expose("Increment") { counter in counter.value.withLock { $0 += 1; return $0 } }
            methods.expose("Value") { counter in counter.value.withLock { $0 } }
        }
    }

    struct DemoFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
