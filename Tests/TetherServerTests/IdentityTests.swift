import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import Testing
import TetherUI

@testable import TetherServer

/// The pure parts of mounting and identity: the mount path's URL mapping, the session binding,
/// what a request's identity captures, and where a refused visitor is sent.
struct IdentityTests {
    @Test func aMountPathMapsBrowserURLsToPageURLsAndBack() {
        let mount = MountPath("/app/")
        #expect(mount.prefix == "/app")
        #expect(mount.pageURL(fromBrowser: "/app/counter?x=1") == "/counter?x=1")
        #expect(mount.pageURL(fromBrowser: "/app") == "/")
        #expect(mount.pageURL(fromBrowser: "/app?x=1") == "/?x=1")
        #expect(mount.pageURL(fromBrowser: "/application") == nil)
        #expect(mount.pageURL(fromBrowser: "/counter") == nil)
        #expect(mount.browserURL(fromPage: "/counter") == "/app/counter")
        #expect(mount.browserURL(fromPage: "/") == "/app")
        #expect(mount.browserURL(fromPage: "https://example.com/x") == "https://example.com/x")
        #expect(mount.browserURL(fromPage: "//example.com/x") == "//example.com/x")
        #expect(MountPath("/").prefix == "")
        #expect(MountPath.root.pageURL(fromBrowser: "/counter") == "/counter")
        #expect(MountPath("a/b").browserURL(fromPage: "/c") == "/a/b/c")
    }

    @Test func aSessionBindingDependsOnTheCookieAndTheUserAndNothingCanCollide() {
        let mine = SessionBinding(session: "abc", userID: "u1")
        #expect(mine.matches(SessionBinding(session: "abc", userID: "u1")))
        #expect(!mine.matches(SessionBinding(session: "abd", userID: "u1")))
        #expect(!mine.matches(SessionBinding(session: "abc", userID: nil)))
        #expect(!mine.matches(.anonymous))
        // Length-prefixed: moving a character from the cookie to the user id changes the digest.
        #expect(!SessionBinding(session: "ab", userID: "c").matches(SessionBinding(session: "a", userID: "bc")))
    }

    @Test func aSecretIsAcceptedOnlyFromItsOwnSession() {
        let session = SessionBinding(session: "s", userID: "u")
        let secret = CircuitSecret(boundTo: session)
        #expect(secret.matches(secret.value, from: session))
        #expect(!secret.matches(secret.value, from: .anonymous))
        #expect(!secret.matches(secret.value + "x", from: session))
        #expect(secret.hash == CircuitSecret.hash(of: secret.value, boundTo: session))
        #expect(secret.hash != CircuitSecret.hash(of: secret.value, boundTo: .anonymous))
    }

    @Test func aRequestsIdentityCapturesOnlyWhatTheAppChose() throws {
        var options = AuthenticationOptions(capturedHeaders: [.acceptLanguage], capturedCookies: ["theme", "SESSION_ID"])
        options.sessionCookie = "SESSION_ID"
        let request = Request(
            head: .init(
                method: .get, scheme: "http", authority: "x", path: "/",
                headerFields: [.acceptLanguage: "fr", .userAgent: "test", .cookie: "theme=dark; SESSION_ID=secret; other=1"]),
            body: .init(buffer: ByteBuffer()))
        let user = AuthenticatedUser(id: "u1", name: "Ann")
        let identity = options.capture(request, user: user, clientAddress: "10.0.0.1")
        #expect(identity.state.headers == ["accept-language": "fr"])
        #expect(identity.state.cookies == ["theme": "dark"], "the session cookie is never handed to components")
        #expect(identity.state.user == user)
        #expect(identity.state.clientAddress == "10.0.0.1")
        #expect(identity.binding == SessionBinding(session: "secret", userID: "u1"))
    }

    @Test func aRefusedVisitorIsSentToSignInWithTheWayBack() {
        let options = AuthenticationOptions()
        #expect(options.loginRedirect(returningTo: "/app/account?tab=1&x=2") == "/login?returnUrl=/app/account%3Ftab%3D1%26x%3D2")
        let custom = AuthenticationOptions(loginPath: "/sign-in?from=tether", returnURLParameter: "next")
        #expect(custom.loginRedirect(returningTo: "/a") == "/sign-in?from=tether&next=/a")
    }
}
