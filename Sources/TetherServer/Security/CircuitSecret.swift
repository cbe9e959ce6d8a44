import Crypto
import Foundation

/// The secret that lets a page resume its circuit after its socket dropped. 256 random bits,
/// handed only to the page that started the circuit, and compared in constant time; the circuit
/// id that appears in logs is not enough to resume.
struct CircuitSecret: Sendable {
    let value: String

    init() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        value = DescriptorSigner.base64url(Data(bytes))
    }

    /// What a circuit store keeps instead of the secret.
    var hash: [UInt8] { Self.hash(of: value) }

    static func hash(of secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    /// Compares in constant time: as long as `expected`, whatever `given` is.
    static func constantTimeEqual(_ expected: [UInt8], _ given: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: expected.count ^ given.count)
        for i in expected.indices {
            difference |= expected[i] ^ (i < given.count ? given[i] : 0)
        }
        return difference == 0
    }

    /// Constant time in the length of the expected secret, whatever the candidate.
    func matches(_ candidate: String) -> Bool {
        Self.constantTimeEqual(Array(value.utf8), Array(candidate.utf8))
    }
}

/// A public circuit id for logs and for naming the circuit on resume.
func makeCircuitID() -> String {
    var generator = SystemRandomNumberGenerator()
    return String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 36)
}
