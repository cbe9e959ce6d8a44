import Foundation
import Testing
import TetherServer

/// The descriptor signing key from configuration (`TETHER_SIGNING_KEY` or
/// `TETHER_SIGNING_KEY_FILE`), and its fingerprint, which tells nodes with different keys apart.
@Suite("Signing key from configuration")
struct SigningKeyTests {
    private static let bytes: [UInt8] = Array(0..<32)
    private static let hex = bytes.map { String(format: "%02x", $0) }.joined()

    @Test("hex, base64 and URL-safe base64 of the same 32 bytes give the same key")
    func encodings() throws {
        let reference = DescriptorSigner(key: Self.bytes).keyFingerprint
        let base64 = Data(Self.bytes).base64EncodedString()
        let urlSafe = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        for text in [Self.hex, Self.hex.uppercased(), base64, urlSafe, "  \(Self.hex)\n"] {
            #expect(try DescriptorSigner(environment: ["TETHER_SIGNING_KEY": text]).keyFingerprint == reference, "\(text)")
        }
    }

    @Test("the fingerprint is 16 hex digits, the same for the same key and different for another")
    func fingerprint() throws {
        let one = DescriptorSigner(key: Self.bytes).keyFingerprint
        #expect(one.count == 16 && one.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(DescriptorSigner(key: Self.bytes, lifetime: .seconds(5)).keyFingerprint == one)
        #expect(DescriptorSigner(key: Array(1..<33)).keyFingerprint != one)
        // Without configuration, a random key of the process's own.
        #expect(DescriptorSigner().keyFingerprint != DescriptorSigner().keyFingerprint)
        #expect(try DescriptorSigner(environment: [:]).keyFingerprint != (try DescriptorSigner(environment: [:])).keyFingerprint)
    }

    @Test("the key file holds the key the same way; whitespace around it is ignored")
    func keyFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tether-key-\(UUID().uuidString)").path
        try (Self.hex + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let signer = try DescriptorSigner(environment: ["TETHER_SIGNING_KEY_FILE": path])
        #expect(signer.keyFingerprint == DescriptorSigner(key: Self.bytes).keyFingerprint)
    }

    @Test("unusable configuration is refused with an error that says what to fix, never the key")
    func refusals() throws {
        let missing = "/nonexistent/tether-key-\(UUID().uuidString)"
        #expect(throws: DescriptorSigner.KeyError.twoSources) {
            try DescriptorSigner(environment: ["TETHER_SIGNING_KEY": Self.hex, "TETHER_SIGNING_KEY_FILE": "/tmp/k"])
        }
        #expect(throws: DescriptorSigner.KeyError.tooShort(source: "TETHER_SIGNING_KEY", bytes: 16)) {
            try DescriptorSigner(environment: ["TETHER_SIGNING_KEY": String(Self.hex.prefix(32))])
        }
        #expect(throws: DescriptorSigner.KeyError.tooShort(source: "TETHER_SIGNING_KEY", bytes: 0)) {
            try DescriptorSigner(environment: ["TETHER_SIGNING_KEY": ""])
        }
        #expect(throws: DescriptorSigner.KeyError.notHexOrBase64(source: "TETHER_SIGNING_KEY")) {
            try DescriptorSigner(environment: ["TETHER_SIGNING_KEY": "not a key, just words!"])
        }
        do {
            _ = try DescriptorSigner(environment: ["TETHER_SIGNING_KEY_FILE": missing])
            Issue.record("a missing key file was accepted")
        } catch {
            guard case .unreadableFile(let path, _) = error else { throw error }
            #expect(path == missing)
            #expect(error.description.hasPrefix("the signing key file \(missing) (TETHER_SIGNING_KEY_FILE) cannot be read: "))
        }
        let short = DescriptorSigner.KeyError.tooShort(source: "TETHER_SIGNING_KEY", bytes: 16)
        #expect(
            short.description
                == "TETHER_SIGNING_KEY decodes to 16 bytes; a signing key needs at least 32; give every node the same TETHER_SIGNING_KEY (make one with `openssl rand -hex 32`)")
    }

    @Test("nodes with different keys are named with their fingerprints")
    func mismatchMessage() {
        let error = DescriptorSigner.KeyError.differsFromOtherNodes(node: "c", fingerprint: "cccc", others: ["b": "bbbb", "a": "aaaa"])
        #expect(
            error.description
                == "the nodes' signing keys differ: this node (c) has key fingerprint cccc, but a has aaaa, b has bbbb; pages rendered by one would be refused by the others: give every node the same TETHER_SIGNING_KEY (make one with `openssl rand -hex 32`)")
    }
}
