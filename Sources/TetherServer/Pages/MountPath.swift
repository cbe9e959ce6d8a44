/// Where an app mounted Tether: "" for the site root, or a prefix such as "/app". Pages' routes,
/// `NavigationManager` URLs and saved circuits are relative to it; the browser sees full paths.
/// This is the one place that turns one into the other.
struct MountPath: Sendable, Equatable {
    /// "" or a path that starts with "/" and does not end with one.
    let prefix: String

    /// Normalises `/app/`, `app` and `/` to `/app`, `/app` and "".
    init(_ path: String) {
        let trimmed = path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        prefix = trimmed.isEmpty ? "" : "/" + trimmed
    }

    static let root = MountPath("")

    /// The URL inside the mount for a URL the browser uses: `/app/counter?x=1` → `/counter?x=1`,
    /// `/app` → `/`; nil for a URL outside the mount.
    func pageURL(fromBrowser url: String) -> String? {
        guard !prefix.isEmpty else { return url }
        guard url.hasPrefix(prefix) else { return nil }
        let rest = url.dropFirst(prefix.count)
        if rest.isEmpty { return "/" }
        switch rest.first {
        case "/": return String(rest)
        case "?", "#": return "/" + rest
        default: return nil  // `/application` is not inside `/app`
        }
    }

    /// The URL the browser uses for a URL inside the mount: `/counter` → `/app/counter`. Anything
    /// that is not a path of this site (`https://…`, `//host`) is left alone.
    func browserURL(fromPage url: String) -> String {
        guard !prefix.isEmpty, url.hasPrefix("/"), !url.hasPrefix("//") else { return url }
        return url == "/" ? prefix : prefix + url
    }
}
