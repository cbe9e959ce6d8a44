import TetherInterop
import TetherUI

/// JS calls the static Swift method `Demo.ReturnArrayAsync` and shows the array it returns.
public final class CallSwiftExample1: Page {
    public static let route = "/call-swift-example-1"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    public var body: Content {
        h1 { "Call Swift Example 1" }
        p {
            // The click is handled in /js/call-swift.js, which calls
            // Tether.invokeMethodAsync('Demo', 'ReturnArrayAsync').
            button(.id("return-array"), .type("button")) { "Trigger Swift static method" }
        }
        p { "Result: "; span(.id("array-result")) }
    }
}

/// JS receives a reference to a Swift `HelloHelper` and calls its `SayHello` method.
public final class CallSwiftExample2: Page {
    public static let route = "/call-swift-example-2"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    @Inject(\.js) var js
    private var name = ""
    private var result = ""

    public var body: Content {
        h1 { "Call Swift Example 2" }
        p {
            label(.for("name")) { "Name: " }
            input(.id("name"), .type("text"), .value(name)).onInput { self.name = $0.value ?? "" }
        }
        p { button(.id("say-hello"), .type("button")) { "Trigger Swift instance method" }.onClick { try await self.sayHello() } }
        p { "Result: "; span(.id("hello-result")) { result } }
    }

    private func sayHello() async throws {
        let helper = SwiftObjectReference(HelloHelper(name: name))
        result = try await js.invoke("sayHello1", helper)
    }
}

/// A Swift object whose `SayHello` JS may call through a reference.
public final class HelloHelper: JSInvokableObject {
    let name: String

    public init(name: String) { self.name = name }

    public static func exposeMethods(_ methods: inout ObjectMethodTable<HelloHelper>) {
        methods.expose("SayHello") { helper in "Hello, \(helper.name)!" }
    }
}
