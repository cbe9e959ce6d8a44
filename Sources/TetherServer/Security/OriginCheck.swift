import Foundation

/// Compares a WebSocket upgrade's `Origin` with the server's own host and the allowed list.
enum OriginCheck {
    static func allows(origin: String, host: String?, allowed: Set<String>) -> Bool {
        if allowed.contains(origin) { return true }
        guard let host, let url = URL(string: origin), let originHost = url.host else { return false }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        return originAuthority.lowercased() == host.lowercased()
    }
}
