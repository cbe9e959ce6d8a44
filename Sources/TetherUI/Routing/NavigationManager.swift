#if !hasFeature(Embedded)
import Synchronization
#endif

/// Navigates from Swift, the analog of Blazor's `NavigationManager`:
///
/// ```swift
/// @Inject(\.navigation) var navigation
/// navigation.navigateTo("/items/42")
/// ```
///
/// A path of this app is shown inside the circuit, without a reload, and gets a history entry so
/// back and forward work. Another origin, or `forceLoad`, loads the page in full.
public final class NavigationManager: Sendable {
    #if hasFeature(Embedded)
        // One thread in the WebAssembly render mode.
        nonisolated(unsafe) private var current: String
    #else
        private let current: Mutex<String>
    #endif
    let navigate: @Sendable (_ url: String, _ replace: Bool, _ forceLoad: Bool) -> Void

    init(url: String, navigate: @escaping @Sendable (String, Bool, Bool) -> Void) {
        #if hasFeature(Embedded)
            current = url
        #else
            current = Mutex(url)
        #endif
        self.navigate = navigate
    }

    /// The URL (path and query) the circuit shows now.
    public internal(set) var url: String {
        get {
            #if hasFeature(Embedded)
                current
            #else
                current.withLock { $0 }
            #endif
        }
        set {
            #if hasFeature(Embedded)
                current = newValue
            #else
                current.withLock { $0 = newValue }
            #endif
        }
    }

    /// Shows `url`: inside the circuit for a path of this app, with a new history entry (or in
    /// place of the current one with `replace`); with a full load for another origin or when
    /// `forceLoad` is true.
    public func navigateTo(_ url: String, replace: Bool = false, forceLoad: Bool = false) {
        navigate(url, replace, forceLoad)
    }
}
