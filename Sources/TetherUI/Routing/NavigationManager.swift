/// Navigates from Swift, the analog of Blazor's `NavigationManager`:
///
/// ```swift
/// @Inject var navigation: NavigationManager
/// navigation.navigateTo("/items/42")
/// ```
///
/// A path of this app is shown inside the circuit, without a reload, and gets a history entry so
/// back and forward work. Another origin, or `forceLoad`, loads the page in full.
public final class NavigationManager: Injectable {
    /// The URL (path and query) the circuit shows now.
    public internal(set) var url: String
    let navigate: (_ url: String, _ replace: Bool, _ forceLoad: Bool) -> Void

    init(url: String, navigate: @escaping (String, Bool, Bool) -> Void) {
        self.url = url
        self.navigate = navigate
    }

    public func navigateTo(_ url: String, replace: Bool = false, forceLoad: Bool = false) {
        navigate(url, replace, forceLoad)
    }

    public static func resolve(from context: ComponentContext) -> NavigationManager { context.navigation }
}
