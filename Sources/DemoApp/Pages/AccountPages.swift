import Observation
import TetherUI

/// The sign-in form. It posts to the demo's `/login` route, outside Tether: a session cookie
/// that scripts cannot read is set by a plain HTTP response.
public final class LoginPage: Page {
    public static let route = "/login"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    private var returnURL = "/"
    private var failed = false

    public func receive(route: RouteValues) {
        returnURL = LocalURL.sanitized(route.query.first { $0.name == "returnUrl" }?.value)
        failed = route.query.contains { $0.name == "error" }
    }

    public var body: Content {
        h1 { "Sign in" }
        if failed { p(.id("login-error"), .class("error")) { "That user name and password do not match." } }
        form(.id("login-form"), Attribute("method", "post"), Attribute("action", "/auth/login")) {
            input(.type("hidden"), .name("returnUrl"), .value(returnURL))
            p { label(.for("username")) { "User name " }; input(.id("username"), .name("username"), Attribute("autocomplete", "username")) }
            p {
                label(.for("password")) { "Password " }
                input(.id("password"), .name("password"), .type("password"), Attribute("autocomplete", "current-password"))
            }
            button(.id("sign-in"), .type("submit")) { "Sign in" }
        }
    }
}

/// Only for signed-in users: the prerender sends anyone else to `/login`, and a circuit for it
/// is refused them.
@Observable
public final class AccountPage: Page {
    public static let route = "/account"
    public static let layout: (any Layout.Type)? = DemoLayout.self
    public static let authorization = Authorization.authenticated
    public static let persisted = Persisted(("note", \AccountPage.note))

    @ObservationIgnored @Inject(\.authentication) var authentication
    var note = ""
    private var saves = 0

    public var body: Content {
        h1 { "Your account" }
        p { "Signed in as "; span(.id("account-name")) { authentication.user?.name ?? "" } }
        p { "User id: "; span(.id("account-id")) { authentication.user?.id ?? "" } }
        p {
            label(.for("note")) { "A note only you see " }
            input(.id("note"), .type("text")).bind(binding(\.note), on: .input)
            button(.id("save-note")) { "Save" }.onClick { self.saves += 1 }
            " saved "; span(.id("saves")) { saves }; " times"
        }
        form(.id("sign-out-form"), Attribute("method", "post"), Attribute("action", "/auth/logout")) {
            button(.id("sign-out"), .type("submit")) { "Sign out" }
        }
    }
}

/// The navigation's corner: who is signed in, or a link to sign in.
func accountCorner() -> ChildComponent {
    AuthorizeView(.authenticated) { user in
        span(.id("signed-in-as")) { user?.name ?? "" }
        " "
        a(.href("/account")) { "Account" }
    } notAuthorized: {
        a(.id("sign-in-link"), .href("/login")) { "Sign in" }
    }
}
