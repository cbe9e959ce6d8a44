import Crypto
import Foundation

/// What a prerendered page tells the server when its circuit starts: which page to run, and a
/// digest of the HTML the browser already shows. The browser cannot forge it: it is signed, and it
/// expires.
package struct PrerenderDescriptor: Codable, Sendable, Equatable {
    /// The path and query the page was rendered for.
    package var url: String
    /// SHA-256 of the prerendered markup, hex, so the circuit knows whether the DOM matches.
    package var markupDigest: String
    /// Seconds since 1970 after which the descriptor is refused.
    package var expires: Int
    /// Random, so two renders of the same page in the same second still differ: a descriptor
    /// starts one circuit, and the server remembers which it has seen until they expire.
    package var nonce: String
    /// The `SessionBinding` digest of the request that rendered the page: only a socket from the
    /// same session and user starts its circuit.
    package var session: String
    /// The id the circuit gets, chosen when the page is rendered so the page can name it in its
    /// socket URL from the first connection on: a proxy routes every socket of the circuit, the
    /// start and each resume, by it. Signed, so a browser cannot choose it.
    package var circuit: String
}

package enum DescriptorError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed
    case badSignature
    case expired
    case alreadyUsed
    case otherSession
    /// This server already runs the descriptor's circuit (it moved here from another node).
    case circuitInUse

    package var description: String {
        switch self {
        case .malformed: "the prerender descriptor is malformed"
        case .badSignature: "the prerender descriptor's signature is invalid"
        case .expired: "the prerender descriptor has expired; reload the page"
        case .alreadyUsed: "the prerender descriptor was already used; reload the page"
        case .otherSession: "the prerender descriptor belongs to another session; reload the page"
        case .circuitInUse: "the prerender descriptor's circuit is already running on this server; reload the page"
        }
    }
}

/// Signs and checks prerender descriptors with HMAC-SHA256. Give every server instance the same
/// key to let a page rendered by one start its circuit on another.
public struct DescriptorSigner: Sendable {
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }
    /// How long a prerendered page may take to start its circuit; after it, a reload is needed.
    public let lifetime: Duration

    /// A signer with `key`, or a random 32-byte key when nil (one per process, so a page
    /// prerendered by one process cannot start its circuit on another). Give every node the same
    /// key, from a secret store, to let them share pages.
    public init(key: [UInt8]? = nil, lifetime: Duration = .seconds(600)) {
        self.keyBytes = key ?? (0..<32).map { _ in UInt8.random(in: 0...255) }
        self.lifetime = lifetime
    }

    /// A descriptor for the page at `url` showing `markup`, whose circuit will be `circuit`.
    package func sign(
        url: String, markup: String, session: String = SessionBinding.anonymous.digest, circuit: String = makeCircuitID(), now: Date = Date()
    ) -> String {
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let descriptor = PrerenderDescriptor(
            url: url, markupDigest: Self.digest(markup), expires: Int(now.timeIntervalSince1970) + Int(lifetime.components.seconds),
            nonce: Self.base64url(Data(nonce)), session: session, circuit: circuit)
        let payload = try! JSONEncoder().encode(descriptor)
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return Self.base64url(payload) + "." + Self.base64url(Data(mac))
    }

    package func verify(_ token: String, now: Date = Date()) throws(DescriptorError) -> PrerenderDescriptor {
        let parts = token.split(separator: ".")
        guard parts.count == 2, let payload = Self.unbase64url(String(parts[0])), let mac = Self.unbase64url(String(parts[1])) else {
            throw .malformed
        }
        // Constant-time comparison, inside swift-crypto.
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key) else { throw .badSignature }
        guard let descriptor = try? JSONDecoder().decode(PrerenderDescriptor.self, from: payload) else { throw .malformed }
        guard descriptor.expires >= Int(now.timeIntervalSince1970) else { throw .expired }
        return descriptor
    }

    package static func digest(_ markup: String) -> String {
        SHA256.hash(data: Data(markup.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func unbase64url(_ text: String) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}
