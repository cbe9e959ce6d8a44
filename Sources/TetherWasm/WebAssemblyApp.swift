import TetherInterop
import TetherUI

/// The pages and methods an app's WebAssembly module holds. The app's entry file fills it in
/// `tether_app_main`, which the module calls once, before the first page starts:
///
/// ```swift
/// import TetherUI
/// import TetherWasm
///
/// @_cdecl("tether_app_main")
/// func registerApp() {
///     WebAssemblyApp.page(Counter.self, at: "/wasm/counter")
///     WebAssemblyApp.expose("Demo", "Add") { (a: Int, b: Int) in a &+ b }
/// }
/// ```
public enum WebAssemblyApp {
    /// A page and the route it answers.
    struct Route {
        let template: RouteTemplate
        let make: (RouteValues) -> any Component
    }

    nonisolated(unsafe) static var routes: [Route] = []
    nonisolated(unsafe) static var methods: [String: ([JSONValue]) throws(InvocationFailure) -> JSONValue] = [:]
    /// The page shown now, if one started.
    nonisolated(unsafe) static var current: PageHost?

    /// Synchronous JS interop for the module's components.
    public static let js = InProcessJS()

    /// Shows `page` at `route` (a `RouteTemplate`, such as `/wasm/items/{id:int}`), which is
    /// where the server registered it as a WebAssembly page.
    public static func page<P: Page>(_: P.Type, at route: String) {
        routes.append(
            Route(template: RouteTemplate(route)) { values in
                let page = P()
                page.receive(route: values)
                return page
            })
    }

    /// Exposes `method` of `module` to JS's `Tether.invokeMethod(module, method, ...args)` and
    /// `invokeMethodAsync`: the arguments arrive as a JSON array; the result goes back as JSON.
    public static func expose(_ module: String, _ method: String, _ body: @escaping ([JSONValue]) throws(InvocationFailure) -> JSONValue) {
        methods[module + "." + method] = body
    }

    /// Exposes a method of no arguments.
    public static func expose<Result: JSONConvertible>(_ module: String, _ method: String, _ body: @escaping () throws(InvocationFailure) -> Result) {
        expose(module, method) { (arguments: [JSONValue]) throws(InvocationFailure) -> JSONValue in
            try InvocationFailure.expectCount(0, arguments)
            return try body().jsonValue
        }
    }

    /// Exposes a method of one argument.
    public static func expose<Result: JSONConvertible, A: JSONConvertible>(_ module: String, _ method: String, _ body: @escaping (A) throws(InvocationFailure) -> Result) {
        expose(module, method) { (arguments: [JSONValue]) throws(InvocationFailure) -> JSONValue in
            try InvocationFailure.expectCount(1, arguments)
            return try body(try InvocationFailure.argument(0, of: arguments)).jsonValue
        }
    }

    /// Exposes a method of two arguments.
    public static func expose<Result: JSONConvertible, A: JSONConvertible, B: JSONConvertible>(
        _ module: String, _ method: String, _ body: @escaping (A, B) throws(InvocationFailure) -> Result
    ) {
        expose(module, method) { (arguments: [JSONValue]) throws(InvocationFailure) -> JSONValue in
            try InvocationFailure.expectCount(2, arguments)
            return try body(try InvocationFailure.argument(0, of: arguments), try InvocationFailure.argument(1, of: arguments)).jsonValue
        }
    }

    /// The page for a URL path (and query), made fresh.
    static func makePage(for url: String) -> (any Component, RouteValues)? {
        let path = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? url
        for route in routes {
            guard let parameters = route.template.match(path) else { continue }
            let values = RouteValues(path: path, parameters: parameters, query: Self.query(of: url))
            return (route.make(values), values)
        }
        return nil
    }

    private static func query(of url: String) -> [(name: String, value: String)] {
        guard let mark = url.firstIndex(of: "?") else { return [] }
        return url[url.index(after: mark)...].split(separator: "&").map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (name: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : "")
        }
    }
}

/// Why an exposed method did not return a value. `badArguments` is the caller's mistake; `failed`
/// is the method's own, and both reach JS as the rejection's message.
public enum InvocationFailure: Error {
    case badArguments(String)
    case failed(String)

    static func expectCount(_ count: Int, _ arguments: [JSONValue]) throws(InvocationFailure) {
        guard arguments.count == count else { throw .badArguments("expected \(count) arguments, got \(arguments.count)") }
    }

    static func argument<Value: JSONConvertible>(_ index: Int, of arguments: [JSONValue]) throws(InvocationFailure) -> Value {
        do {
            return try Value(jsonValue: arguments[index])
        } catch {
            throw .badArguments("argument \(index): \(error.message)")
        }
    }
}
