import Crypto
import Foundation
import Hummingbird
import HummingbirdAuth
import HummingbirdWebSocket
import Logging
import NIOCore
import TetherServer
import TetherUI

/// The demo's request context: Tether's needs, plus hummingbird-auth's session (the signed-in
/// user's id) and identity.
public struct DemoContext: TetherRequestContext, AuthRequestContext, SessionRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<DemoContext>
    public let channel: any Channel
    public var identity: DemoUser?
    public let sessions: SessionContext<String>

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
        sessions = .init()
    }

    public var tetherUser: AuthenticatedUser? {
        identity.map { AuthenticatedUser(id: $0.id, name: $0.name, roles: $0.roles) }
    }
}

/// A user of the demo. The README gives the credentials.
public struct DemoUser: Sendable {
    public let id: String
    public let login: String
    public let name: String
    public let roles: Set<String>
    let passwordDigest: [UInt8]

    init(id: String, login: String, name: String, roles: Set<String>, password: String) {
        self.id = id
        self.login = login
        self.name = name
        self.roles = roles
        passwordDigest = Array(SHA256.hash(data: Array(password.utf8)))
    }

    /// Compares digests, so the time taken says nothing about how much of the password was right.
    func accepts(password: String) -> Bool {
        let given = Array(SHA256.hash(data: Array(password.utf8)))
        return zip(passwordDigest, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// The demo's users: a fixed list, for a demo. A real app keeps hashed passwords in its database.
public enum DemoUsers {
    public static let all: [DemoUser] = [
        DemoUser(id: "u-1", login: "demo", name: "Demo User", roles: ["member"], password: "tether-demo")
    ]

    static func find(id: String) -> DemoUser? { all.first { $0.id == id } }
    static func find(login: String) -> DemoUser? { all.first { $0.login == login } }
}

/// The demo as an app that embeds Tether: its own context, hummingbird-auth's sessions, a sign-in
/// and a sign-out route, a health route, and Tether's pages.
public enum DemoSite {
    /// The demo's router: sessions and the authenticator first, so every route (Tether's pages
    /// and its circuit socket included) sees who is signed in.
    /// `mount` is where Tether's pages go: "" for the site root, or a prefix such as "/app".
    public static func router(tether: TetherService, mount: String = "") -> Router<DemoContext> {
        let router = Router(context: DemoContext.self)
        router.middlewares.add(
            SessionMiddleware(
                storage: MemoryPersistDriver(),
                configuration: .init(sessionCookieParameters: .init(name: tether.app.authentication.sessionCookie ?? "SESSION_ID", sameSite: .lax))))
        router.middlewares.add(
            SessionAuthenticator(context: DemoContext.self) { (userID: String, _) in DemoUsers.find(id: userID) })
        router.get("/health") { _, _ in "ok" }
        // Not at /login: a route of the app takes its path from Tether's pages for every method,
        // so a POST /login route would hide the GET of the /login page.
        router.post("/auth/login") { request, context in try await signIn(request, context) }
        router.post("/auth/logout") { request, context in
            // Before the session goes: its circuits are found by it.
            await tether.endCircuits(ofSessionOf: request, context: context)
            context.sessions.clearSession()
            return Response(status: .seeOther, headers: [.location: "/"])
        }
        router.addRoutes(tether.routes(for: DemoContext.self, at: mount))
        return router
    }

    /// Checks the form's credentials; a match starts a session and returns to the page that sent
    /// the user here, a miss returns to the form.
    static func signIn(_ request: Request, _ context: DemoContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 4096)
        let form = FormFields(String(buffer: body))
        let returnURL = LocalURL.sanitized(form["returnUrl"])
        guard let user = form["username"].flatMap(DemoUsers.find(login:)), user.accepts(password: form["password"] ?? "") else {
            context.logger.notice("a sign-in failed")
            let back = "/login?error=1&returnUrl=" + (returnURL.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F")
            return Response(status: .seeOther, headers: [.location: back])
        }
        context.sessions.createSession(user.id)
        return Response(status: .seeOther, headers: [.location: returnURL])
    }
}

/// The fields of an `application/x-www-form-urlencoded` body.
struct FormFields {
    private var values: [String: String] = [:]

    init(_ body: String) {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String? { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = parts.first.flatMap(decode), values[name] == nil else { continue }
            values[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
    }

    subscript(name: String) -> String? { values[name] }
}

/// A URL to send the browser to after signing in: a path of this site, or the home page.
enum LocalURL {
    static func sanitized(_ url: String?) -> String {
        guard let url, url.hasPrefix("/"), !url.hasPrefix("//"), !url.hasPrefix("/\\"),
            !url.contains(where: { $0.isNewline || $0 == "\0" })
        else { return "/" }
        return url
    }
}
