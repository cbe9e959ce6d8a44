/// A signed-in user as the app describes them to Tether, the analog of Blazor's
/// `ClaimsPrincipal`. The app's own user type stays the app's: its request context maps it to
/// this (`TetherRequestContext.tetherUser`).
public struct AuthenticatedUser: Sendable, Codable, Equatable {
    /// The app's stable id for the user. A circuit is bound to it: it resumes only for the same id.
    public var id: String
    /// What to show as the user's name.
    public var name: String
    /// The roles `Authorization.roles` checks.
    public var roles: Set<String>
    /// Anything else the app wants components to know (an email, a tenant), by name.
    public var claims: [String: String]

    /// A user as the app's request context describes them in `tetherUser`.
    public init(id: String, name: String, roles: Set<String> = [], claims: [String: String] = [:]) {
        self.id = id
        self.name = name
        self.roles = roles
        self.claims = claims
    }
}

/// What the server knew about the request behind a page, the analog of Blazor's
/// `AuthenticationState`: captured when the page is prerendered and again when its circuit starts
/// or resumes, so it always describes the browser the circuit serves now.
///
/// ```swift
/// @ObservationIgnored @Inject(\.authentication) var authentication
/// var body: Content { p { "Signed in as \(authentication.user?.name ?? "nobody")" } }
/// ```
public struct AuthenticationState: Sendable, Equatable {
    /// The signed-in user; nil for an anonymous visitor.
    public var user: AuthenticatedUser?
    /// The request headers the app chose to capture (`AuthenticationOptions.capturedHeaders`),
    /// by lowercased name.
    public var headers: [String: String]
    /// The cookies the app chose to capture (`AuthenticationOptions.capturedCookies`), by name.
    public var cookies: [String: String]
    /// The client's address as the server saw it, when known.
    public var clientAddress: String?

    /// A state with these parts; the server makes one per circuit, and a test passes one to
    /// `ComponentTestHost` to render as that user.
    public init(user: AuthenticatedUser? = nil, headers: [String: String] = [:], cookies: [String: String] = [:], clientAddress: String? = nil) {
        self.user = user
        self.headers = headers
        self.cookies = cookies
        self.clientAddress = clientAddress
    }

    /// Nobody signed in, nothing captured.
    public static let anonymous = AuthenticationState()

    /// Whether someone is signed in.
    public var isAuthenticated: Bool { user != nil }
}

/// Who may see a page or a part of one, the analog of Blazor's `[Authorize]` and its policies.
///
/// ```swift
/// final class Account: Page {
///     static let route = "/account"
///     static let authorization = Authorization.authenticated
///     ...
/// }
/// ```
public struct Authorization: Sendable {
    private let rule: @Sendable (AuthenticationState) -> Bool
    /// Says what the rule asks for, in logs.
    public let summary: String

    /// A rule of your own, given everything captured about the request.
    public static func policy(_ summary: String = "a policy", _ rule: @escaping @Sendable (AuthenticationState) -> Bool) -> Authorization {
        Authorization(rule: rule, summary: summary)
    }

    /// Everybody, signed in or not: every page's default.
    public static let anyone = Authorization(rule: { _ in true }, summary: "anyone")
    /// A signed-in user.
    public static let authenticated = Authorization(rule: { $0.user != nil }, summary: "a signed-in user")

    /// A signed-in user with at least one of these roles.
    public static func roles(_ roles: Set<String>) -> Authorization {
        Authorization(rule: { state in state.user.map { !$0.roles.isDisjoint(with: roles) } ?? false }, summary: "one of the roles \(roles.sorted())")
    }

    /// Whether this state passes the rule.
    public func allows(_ state: AuthenticationState) -> Bool { rule(state) }
}

extension ServiceValues {
    /// Who this circuit's browser is, as the server knew it when the circuit started or last
    /// resumed. `.anonymous` outside a server.
    public package(set) var authentication: AuthenticationState {
        get { self[AuthenticationKey.self] }
        set { self[AuthenticationKey.self] = newValue }
    }
}

private enum AuthenticationKey: ServiceKey {
    static let defaultValue = AuthenticationState.anonymous
}

/// Shows one content to those an `Authorization` allows and another to everyone else, the analog
/// of Blazor's `<AuthorizeView>`:
///
/// ```swift
/// AuthorizeView(.authenticated) { user in
///     p { "Hello, \(user.name)" }
/// } notAuthorized: {
///     a(.href("/login")) { "Sign in" }
/// }
/// ```
public func AuthorizeView(
    _ authorization: Authorization = .authenticated, key: String? = nil,
    @HTMLBuilder _ authorized: @escaping (AuthenticatedUser?) -> Content,
    @HTMLBuilder notAuthorized: @escaping () -> Content = { Content() }
) -> ChildComponent {
    ChildComponent(AuthorizedContent(authorization: authorization, authorized: authorized, notAuthorized: notAuthorized), key: key)
}

/// The component behind `AuthorizeView`: it reads the circuit's `authentication` service.
public final class AuthorizedContent: Component {
    /// The rule and both contents. Never equal to another, as with `Fragment`: closures cannot
    /// be compared, so a parent's render always renders this again.
    public struct Choice: Equatable {
        let authorization: Authorization
        let authorized: (AuthenticatedUser?) -> Content
        let notAuthorized: () -> Content
        public static func == (lhs: Choice, rhs: Choice) -> Bool { false }
    }

    var choice: Choice
    public static let parameters = Parameters(\AuthorizedContent.choice)

    init(authorization: Authorization, authorized: @escaping (AuthenticatedUser?) -> Content, notAuthorized: @escaping () -> Content) {
        choice = Choice(authorization: authorization, authorized: authorized, notAuthorized: notAuthorized)
    }

    /// The authorized content, given the user, when the rule allows the circuit's state; the
    /// other content otherwise.
    public var body: Content {
        let state = context.services.authentication
        return choice.authorization.allows(state) ? choice.authorized(state.user) : choice.notAuthorized()
    }
}
