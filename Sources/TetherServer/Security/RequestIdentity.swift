import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import TetherUI

/// How Tether learns who a request is from, and where it sends those a page refuses.
public struct AuthenticationOptions: Sendable {
    /// Where the prerender of a page the visitor may not see redirects, with the page's URL in
    /// `returnURLParameter`. Relative to the site root, not the mount path.
    public var loginPath: String
    /// The query parameter that carries the page to return to after signing in.
    public var returnURLParameter: String
    /// The cookie that names the browser's session; hummingbird-auth's `SessionMiddleware` calls
    /// it `SESSION_ID`. A page's descriptor and circuit are bound to its value and to the user:
    /// another session cannot start or resume them. nil binds to the user alone.
    public var sessionCookie: String?
    /// Request headers components may read in `AuthenticationState.headers`.
    public var capturedHeaders: [HTTPField.Name]
    /// Cookies components may read in `AuthenticationState.cookies`. The session cookie is never
    /// captured, so a component cannot leak it into markup.
    public var capturedCookies: [String]

    /// The defaults: sign-in at `/login` with `returnUrl`, hummingbird-auth's `SESSION_ID` as the
    /// session cookie, and nothing captured for components.
    public init(
        loginPath: String = "/login", returnURLParameter: String = "returnUrl", sessionCookie: String? = "SESSION_ID",
        capturedHeaders: [HTTPField.Name] = [], capturedCookies: [String] = []
    ) {
        self.loginPath = loginPath
        self.returnURLParameter = returnURLParameter
        self.sessionCookie = sessionCookie
        self.capturedHeaders = capturedHeaders
        self.capturedCookies = capturedCookies
    }

    /// What components of a page opened by this request may know about it.
    func capture(_ request: Request, user: AuthenticatedUser?, clientAddress: String?) -> RequestIdentity {
        var headers: [String: String] = [:]
        for name in capturedHeaders {
            if let value = request.headers[name] { headers[name.canonicalName] = value }
        }
        var cookies: [String: String] = [:]
        for name in capturedCookies where name != sessionCookie {
            if let cookie = request.cookies[name] { cookies[name] = cookie.value }
        }
        let session = sessionCookie.flatMap { request.cookies[$0]?.value }
        return RequestIdentity(
            state: AuthenticationState(user: user, headers: headers, cookies: cookies, clientAddress: clientAddress),
            binding: SessionBinding(session: session, userID: user?.id))
    }

    /// The login page's URL for a visitor who asked for `url`.
    func loginRedirect(returningTo url: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        let encoded = url.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/"
        return loginPath + (loginPath.contains("?") ? "&" : "?") + returnURLParameter + "=" + encoded
    }
}

/// Who a request is from: what components see, and the session it binds a circuit to.
struct RequestIdentity: Sendable {
    var state: AuthenticationState
    var binding: SessionBinding
}

/// A digest of the session cookie's value and the user's id. A descriptor carries it, and a
/// circuit's secret is only accepted with it, so neither can be replayed from another session,
/// and signing out (a new session, or no user) strands every circuit of the old one.
struct SessionBinding: Sendable, Hashable {
    /// Hex of SHA-256 over the cookie value and the user id, each length-prefixed.
    let digest: String

    init(session: String?, userID: String?) {
        var hasher = SHA256()
        for part in [session ?? "", userID ?? ""] {
            let bytes = Array(part.utf8)
            hasher.update(data: Array("\(bytes.count):".utf8))
            hasher.update(data: bytes)
        }
        digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    init(digest: String) {
        self.digest = digest
    }

    /// No session cookie and nobody signed in.
    static let anonymous = SessionBinding(session: nil, userID: nil)

    func matches(_ other: SessionBinding) -> Bool {
        CircuitSecret.constantTimeEqual(Array(digest.utf8), Array(other.digest.utf8))
    }
}
