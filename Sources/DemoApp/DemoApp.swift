import Foundation
import TetherInterop
import TetherServer
import TetherUI

/// The demo application, shared by `tether-demo` and the tests.
public enum DemoApp {
    public static let pages: [any Page.Type] = [Home.self, Counter.self, CallJsExample1.self, InteropLab.self]

    public static func make() -> TetherApp {
        var app = TetherApp(pages: pages)
        app.document.title = "Tether demo"
        app.document.bodyEnd = #"<script src="/js/convert-array.js"></script>"#
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
            demo.expose("Fail") { (message: String) throws -> Int in throw DemoFailure(message: message) }
            demo.expose("Echo") { (value: JSONValue) in value }
        }
    }

    struct DemoFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
