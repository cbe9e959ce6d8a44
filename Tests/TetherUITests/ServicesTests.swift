import Observation
import Testing
import TetherInterop
import TetherTesting
@testable import TetherUI

/// An app service, declared the way a user declares one.
protocol OrderStore: AnyObject, Sendable {
    func orders() -> [String]
}

final class LiveOrders: OrderStore {
    func orders() -> [String] { ["live"] }
}

final class FakeOrders: OrderStore {
    let names: [String]
    init(_ names: [String]) { self.names = names }
    func orders() -> [String] { names }
}

enum OrdersKey: ServiceKey {
    static let defaultValue: any OrderStore = LiveOrders()
}

extension ServiceValues {
    var orders: any OrderStore {
        get { self[OrdersKey.self] }
        set { self[OrdersKey.self] = newValue }
    }
}

final class OrdersPage: Page {
    static let route = "/orders"
    @Inject(\.orders) var orders
    @Inject(\.navigation) var navigation
    @Inject(\.js) var js
    var body: Content {
        ul { for order in orders.orders() { li { order } } }
        p(.id("url")) { navigation.url }
    }
}

/// `@Inject` in an `@Observable` component: Observation's macro leaves the wrapper alone only when
/// told to.
@Observable
final class ObservedOrders: Component {
    @ObservationIgnored @Inject(\.orders) var orders
    var filter = ""
    var body: Content {
        ul { for order in orders.orders() where order.hasPrefix(filter) { li { order } } }
        p(.id("count")) { context.services.orders.orders().count }
    }
}

/// Cascades whatever store it is given, to a reader below.
final class StoreProvider: Component {
    enum Key: EnvironmentKey { static var defaultValue: (any OrderStore)? { nil } }
    var store: any OrderStore
    var unrelated = 0
    init(store: any OrderStore) { self.store = store }
    var body: Content {
        Cascade(Key.self, store) { StoreReader() }
        span(.id("unrelated")) { unrelated }
    }
}

final class StoreReader: Component {
    var bodies = 0
    var body: Content {
        let _ = bodies += 1
        ul(.id("cascaded")) { for order in context.environment[StoreProvider.Key.self]?.orders() ?? [] { li { order } } }
    }
}

/// A value no one can compare: a struct holding a closure.
struct Formatter {
    let format: (Int) -> String
}

final class FormatterProvider: Component {
    enum Key: EnvironmentKey { static var defaultValue: Formatter { Formatter { "\($0)" } } }
    var prefix = "#"
    var unrelated = 0
    var body: Content {
        let prefix = prefix
        Cascade(Key.self, Formatter { "\(prefix)\($0)" }) { FormatterReader() }
        button(.id("own")) { "own" }.onClick { self.unrelated += 1 }
        FormatterSibling()
    }
}

final class FormatterReader: Component {
    var bodies = 0
    var body: Content {
        let _ = bodies += 1
        span(.id("formatted")) { context.environment[FormatterProvider.Key.self].format(7) }
    }
}

/// Re-renders on its own button, which makes its parent's output be rebuilt without the parent's
/// body running again.
final class FormatterSibling: Component {
    var clicks = 0
    var body: Content { button(.id("sibling")) { "\(clicks)" }.onClick { self.clicks += 1 } }
}

@Suite("Services: registered once, injected by key path, replaced in tests")
struct ServicesTests {
    @Test("@Inject reads the app's service, the default when none was registered")
    func defaultService() async throws {
        let host = try await ComponentTestHost(OrdersPage(), route: RouteValues(path: "/orders"))
        #expect(host.findAll("li").map(\.text) == ["live"])
        #expect(host.find("#url")?.text == "/orders", "the circuit's own services are injected the same way")
    }

    @Test("a test replaces a service for its component")
    func testReplacesService() async throws {
        let host = try await ComponentTestHost(OrdersPage(), services: { $0.orders = FakeOrders(["a", "b"]) })
        #expect(host.findAll("li").map(\.text) == ["a", "b"])
    }

    @Test("an @Observable component injects with @ObservationIgnored, or reads context.services")
    func injectInObservableComponent() async throws {
        let host = try await ComponentTestHost(ObservedOrders(), services: { $0.orders = FakeOrders(["ab", "ac", "b"]) })
        #expect(host.findAll("li").count == 3)
        host.component.filter = "a"
        try await host.nextRender()
        #expect(host.findAll("li").map(\.text) == ["ab", "ac"])
        #expect(host.find("#count")?.text == "3")
    }

    @Test("a service can be cascaded: the same instance is no change, another one is")
    func cascadedServiceComparesByIdentity() async throws {
        let first = FakeOrders(["one"])
        let host = try await ComponentTestHost(StoreProvider(store: first))
        #expect(host.find("#cascaded")?.text == "one")
        let reader = try #require(host.renderer.components(StoreReader.self).first)
        let before = reader.bodies

        host.component.unrelated += 1
        host.component.stateHasChanged()
        try host.render()
        #expect(reader.bodies == before, "the same store cascaded again is not a change")

        host.component.store = FakeOrders(["two"])
        host.component.stateHasChanged()
        try host.render()
        #expect(host.find("#cascaded")?.text == "two")
        #expect(reader.bodies == before + 1)
    }

    @Test("a value that cannot be compared changes when, and only when, the component cascading it renders")
    func uncomparableCascadeChangesWithItsProvider() async throws {
        let host = try await ComponentTestHost(FormatterProvider())
        #expect(host.find("#formatted")?.text == "#7")
        let reader = try #require(host.renderer.components(FormatterReader.self).first)
        let before = reader.bodies

        // A sibling's render rebuilds the provider's output from its last body: same value.
        try await host.click("#sibling")
        #expect(reader.bodies == before)

        // The provider's own render makes a new value, which counts as changed.
        try await host.click("#own")
        #expect(reader.bodies == before + 1)
    }
}

/// `AuthorizeView` and `Authorization`, against the authentication a circuit was given.
@Suite struct AuthorizationTests {
    final class Greeting: Component {
        var body: Content {
            AuthorizeView(.roles(["admin"])) { user in
                p(.id("admin")) { "Hello, \(user?.name ?? "")" }
            } notAuthorized: {
                p(.id("nobody")) { "Sign in" }
            }
        }
    }

    @Test func authorizeViewShowsTheContentTheRuleAllows() async throws {
        let admin = AuthenticatedUser(id: "1", name: "Ada", roles: ["admin"])
        let allowed = try await ComponentTestHost(Greeting(), authentication: AuthenticationState(user: admin))
        #expect(allowed.html.contains(#"<p id="admin">Hello, Ada</p>"#))
        let member = AuthenticatedUser(id: "2", name: "Bo", roles: ["member"])
        let refused = try await ComponentTestHost(Greeting(), authentication: AuthenticationState(user: member))
        #expect(refused.html.contains(#"<p id="nobody">Sign in</p>"#))
        let anonymous = try await ComponentTestHost(Greeting())
        #expect(anonymous.html.contains(#"<p id="nobody">Sign in</p>"#))
    }

    @Test func rulesReadTheCapturedState() {
        let ann = AuthenticationState(user: AuthenticatedUser(id: "1", name: "Ann", roles: ["a"]), headers: ["x-tenant": "t1"])
        #expect(Authorization.anyone.allows(.anonymous))
        #expect(!Authorization.authenticated.allows(.anonymous))
        #expect(Authorization.authenticated.allows(ann))
        #expect(Authorization.roles(["a", "b"]).allows(ann))
        #expect(!Authorization.roles(["b"]).allows(ann))
        #expect(Authorization.policy { $0.headers["x-tenant"] == "t1" }.allows(ann))
        #expect(!Authorization.policy { $0.headers["x-tenant"] == "t2" }.allows(ann))
    }
}
