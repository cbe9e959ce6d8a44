import Foundation
import HTTPTypes

/// The client address of a request that came through reverse proxies the app trusts.
///
/// Each proxy appends the address it received the request from to `X-Forwarded-For`; anything to
/// the left of what a trusted proxy appended may be made up by the client. So the client is the
/// rightmost address not itself a trusted proxy, and a request from an untrusted peer is that
/// peer, whatever its headers say.
enum ForwardedFor {
    /// Longer than any IPv6 text form with a zone: not an address.
    static let maxAddressLength = 64

    static func client(peer: String?, forwardedFor values: [String], trustedProxies: Set<String>) -> String? {
        guard let peer, trustedProxies.contains(peer) else { return peer }
        var client = peer
        let hops = values.joined(separator: ",").split(separator: ",", omittingEmptySubsequences: false)
        for hop in hops.reversed() {
            let address = hop.trimmingCharacters(in: .whitespaces)
            // A hop that is no address ends the walk: what a proxy appends always is one.
            guard isAddress(address) else { break }
            client = address
            guard trustedProxies.contains(address) else { break }
        }
        return client
    }

    private static func isAddress(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= maxAddressLength else { return false }
        return text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"),
                UInt8(ascii: "."), UInt8(ascii: ":"):
                true
            default: false
            }
        }
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
