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
    /// The fingerprint of the key that signed it (``DescriptorSigner/keyFingerprint``), so a node
    /// that cannot verify the signature can say whether another key made it.
    package var keyFingerprint: String
}

package enum DescriptorError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed
    case badSignature
    case expired
    case alreadyUsed
    case otherSession
    /// This server already runs the descriptor's circuit (it moved here from another node).
    case circuitInUse
    /// The signature does not verify, and the descriptor says another key signed it: the node
    /// that rendered the page does not share this node's key.
    case otherKey(signedWith: String, thisNode: String)

    package var description: String {
        switch self {
        case .malformed: "the prerender descriptor is malformed"
        case .badSignature: "the prerender descriptor's signature is invalid"
        case .expired: "the prerender descriptor has expired; reload the page"
        case .alreadyUsed: "the prerender descriptor was already used; reload the page"
        case .otherSession: "the prerender descriptor belongs to another session; reload the page"
        case .circuitInUse: "the prerender descriptor's circuit is already running on this server; reload the page"
        case .otherKey(let signedWith, let thisNode):
            "the prerender descriptor was signed by a node whose key fingerprint is \(signedWith); this node's is \(thisNode): give every node the same TETHER_SIGNING_KEY"
        }
    }
}

/// Signs and checks prerender descriptors with HMAC-SHA256. Give every server instance the same
/// key to let a page rendered by one start its circuit on another: behind a proxy that routes by
/// circuit, a page is usually rendered by one node and started on another.
public struct DescriptorSigner: Sendable {
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }
    /// How long a prerendered page may take to start its circuit; after it, a reload is needed.
    public let lifetime: Duration
    /// Names the key without revealing it: 16 hex digits of HMAC-SHA256(key, "tether key id").
    /// Two nodes with the same fingerprint sign with the same key. Nodes sharing a circuit store
    /// compare theirs when they start, and descriptors carry it.
    public let keyFingerprint: String

    /// How long a descriptor lasts unless the signer is told otherwise: ten minutes.
    public static let defaultLifetime: Duration = .seconds(600)
    /// The fewest bytes a configured key may have: HMAC-SHA256's own output size.
    public static let minimumKeyBytes = 32
    /// The environment variable holding the key, in hex or base64.
    public static let keyVariable = "TETHER_SIGNING_KEY"
    /// The environment variable naming a file that holds the key, in hex or base64.
    public static let keyFileVariable = "TETHER_SIGNING_KEY_FILE"

    /// A signer with `key`, or a random 32-byte key when nil (one per process, so a page
    /// prerendered by one process cannot start its circuit on another). Give every node the same
    /// key, from a secret store, to let them share pages.
    public init(key: [UInt8]? = nil, lifetime: Duration = defaultLifetime) {
        let keyBytes = key ?? (0..<32).map { _ in UInt8.random(in: 0...255) }
        self.keyBytes = keyBytes
        self.lifetime = lifetime
        let mac = HMAC<SHA256>.authenticationCode(for: Data("tether key id".utf8), using: SymmetricKey(data: keyBytes))
        keyFingerprint = mac.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// A signer with the key `environment` (usually `ProcessInfo.processInfo.environment`) gives:
    /// `TETHER_SIGNING_KEY` (hex or base64 of at least 32 bytes) or `TETHER_SIGNING_KEY_FILE` (a
    /// file holding it the same way; whitespace around it is ignored). With neither, a random key
    /// of this process's own, as `init(key: nil)`.
    /// Throws when both are set, or the key cannot be read or decoded, or is too short: a node
    /// that starts with a key the others do not have would refuse their pages.
    public init(environment: [String: String], lifetime: Duration = defaultLifetime) throws(KeyError) {
        let inline = environment[Self.keyVariable]
        let file = environment[Self.keyFileVariable]
        switch (inline, file) {
        case (nil, nil):
            self.init(key: nil, lifetime: lifetime)
        case (_?, _?):
            throw .twoSources
        case (let text?, nil):
            self.init(key: try Self.decodeKey(text, source: Self.keyVariable), lifetime: lifetime)
        case (nil, let path?):
            let contents: String
            do {
                contents = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw .unreadableFile(path: path, reason: (error as NSError).localizedDescription)
            }
            self.init(key: try Self.decodeKey(contents, source: "the file \(path) (\(Self.keyFileVariable))"), lifetime: lifetime)
        }
    }

    /// Why a signing key from configuration cannot be used, or does not match the other nodes'.
    public enum KeyError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Both `TETHER_SIGNING_KEY` and `TETHER_SIGNING_KEY_FILE` are set: which one counts would
        /// be a guess.
        case twoSources
        /// The key file cannot be read.
        case unreadableFile(path: String, reason: String)
        /// `source` is neither hex nor base64.
        case notHexOrBase64(source: String)
        /// `source` decodes to `bytes` bytes, fewer than ``DescriptorSigner/minimumKeyBytes``.
        case tooShort(source: String, bytes: Int)
        /// The nodes sharing a circuit store sign with different keys: `node`'s fingerprint is
        /// `fingerprint`, and `others` maps the other live nodes to theirs.
        case differsFromOtherNodes(node: String, fingerprint: String, others: [String: String])

        public var description: String {
            let advice = "give every node the same \(DescriptorSigner.keyVariable) (make one with `openssl rand -hex 32`)"
            switch self {
            case .twoSources:
                return "both \(DescriptorSigner.keyVariable) and \(DescriptorSigner.keyFileVariable) are set; set one"
            case .unreadableFile(let path, let reason):
                return "the signing key file \(path) (\(DescriptorSigner.keyFileVariable)) cannot be read: \(reason)"
            case .notHexOrBase64(let source):
                return "\(source) is neither hex nor base64; \(advice)"
            case .tooShort(let source, let bytes):
                return "\(source) decodes to \(bytes) bytes; a signing key needs at least \(DescriptorSigner.minimumKeyBytes); \(advice)"
            case .differsFromOtherNodes(let node, let fingerprint, let others):
                let listed = others.sorted { $0.key < $1.key }.map { "\($0.key) has \($0.value)" }.joined(separator: ", ")
                return "the nodes' signing keys differ: this node (\(node)) has key fingerprint \(fingerprint), but \(listed); "
                    + "pages rendered by one would be refused by the others: \(advice)"
            }
        }
    }

    /// Hex (an even number of hex digits) or base64 (standard or URL-safe, padding optional).
    static func decodeKey(_ text: String, source: String) throws(KeyError) -> [UInt8] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes: [UInt8]
        if let hex = Self.unhex(trimmed) {
            bytes = hex
        } else if let base64 = Self.unbase64url(trimmed.replacingOccurrences(of: "=", with: "")) {
            bytes = Array(base64)
        } else {
            throw .notHexOrBase64(source: source)
        }
        guard bytes.count >= minimumKeyBytes else { throw .tooShort(source: source, bytes: bytes.count) }
        return bytes
    }

    private static func unhex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[i]), let low = value(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// A descriptor for the page at `url` showing `markup`, whose circuit will be `circuit`.
    package func sign(
        url: String, markup: String, session: String = SessionBinding.anonymous.digest, circuit: String = makeCircuitID(), now: Date = Date()
    ) -> String {
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let descriptor = PrerenderDescriptor(
            url: url, markupDigest: Self.digest(markup), expires: Int(now.timeIntervalSince1970) + Int(lifetime.components.seconds),
            nonce: Self.base64url(Data(nonce)), session: session, circuit: circuit, keyFingerprint: keyFingerprint)
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
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key) else {
            throw Self.signatureFailure(payload: payload, thisNode: keyFingerprint)
        }
        guard let descriptor = try? JSONDecoder().decode(PrerenderDescriptor.self, from: payload) else { throw .malformed }
        guard descriptor.expires >= Int(now.timeIntervalSince1970) else { throw .expired }
        return descriptor
    }

    /// What an unverified payload says about its signer, believed only to explain the refusal: a
    /// well-formed fingerprint other than this node's means another key signed it; anything else
    /// (this node's fingerprint, none, or garbage) is a forgery or a corruption.
    private static func signatureFailure(payload: Data, thisNode: String) -> DescriptorError {
        struct Signer: Decodable { let keyFingerprint: String }
        guard let claimed = try? JSONDecoder().decode(Signer.self, from: payload).keyFingerprint, claimed != thisNode,
            claimed.utf8.count == thisNode.utf8.count, let bytes = unhex(claimed), bytes.count == 8, claimed == claimed.lowercased()
        else { return .badSignature }
        return .otherKey(signedWith: claimed, thisNode: thisNode)
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
