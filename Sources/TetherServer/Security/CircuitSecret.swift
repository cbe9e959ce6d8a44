import Crypto
import Foundation

/// The secret that lets a page resume its circuit after its socket dropped. 256 random bits,
/// handed only to the page that started the circuit, and compared in constant time; the circuit
/// id that appears in logs is not enough to resume. It is only accepted from the session that
/// started the circuit (`SessionBinding`).
struct CircuitSecret: Sendable {
    let value: String
    let binding: SessionBinding

    init(boundTo binding: SessionBinding = .anonymous) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        value = DescriptorSigner.base64url(Data(bytes))
        self.binding = binding
    }

    /// What a circuit store keeps instead of the secret: a digest of the secret and the session,
    /// so a stolen secret resumes nothing from another session, even after a restart.
    var hash: [UInt8] { Self.hash(of: value, boundTo: binding) }

    static func hash(of secret: String, boundTo binding: SessionBinding) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8) + [0] + Array(binding.digest.utf8)))
    }

    /// Compares in constant time: as long as `expected`, whatever `given` is.
    static func constantTimeEqual(_ expected: [UInt8], _ given: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: expected.count ^ given.count)
        for i in expected.indices {
            difference |= expected[i] ^ (i < given.count ? given[i] : 0)
        }
        return difference == 0
    }

    /// Constant time in the length of the expected secret, whatever the candidate; false from
    /// another session.
    func matches(_ candidate: String, from session: SessionBinding) -> Bool {
        let secretMatches = Self.constantTimeEqual(Array(value.utf8), Array(candidate.utf8))
        return binding.matches(session) && secretMatches
    }
}

/// A public circuit id: for logs, for naming the circuit on resume, and for routing its sockets.
/// A prerender picks it (``PrerenderDescriptor/circuit``).
package func makeCircuitID() -> String {
    var generator = SystemRandomNumberGenerator()
    let digits = String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 36)
    // Always 13 characters (UInt64.max in base 36): a page's length must not depend on its id.
    return String(repeating: "0", count: max(0, 13 - digits.count)) + digits
}
