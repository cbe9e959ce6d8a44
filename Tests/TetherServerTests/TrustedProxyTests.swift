import HTTPTypes
import Testing
import TetherInterop
@testable import TetherServer

/// Behind nginx every socket comes from the proxy: per-client limits must count the users it
/// forwards, and only when the proxy is one the app trusts.
@Suite("Trusted proxies: the client address behind nginx")
struct TrustedProxyTests {
    let proxies: Set<String> = ["127.0.0.1", "10.0.0.2"]

    @Test func anUntrustedPeerIsItselfWhateverItsHeaderSays() {
        #expect(ForwardedFor.client(peer: "203.0.113.9", forwardedFor: ["198.51.100.1"], trustedProxies: proxies) == "203.0.113.9")
        #expect(ForwardedFor.client(peer: "127.0.0.1", forwardedFor: ["198.51.100.1"], trustedProxies: []) == "127.0.0.1")
        #expect(ForwardedFor.client(peer: nil, forwardedFor: ["198.51.100.1"], trustedProxies: proxies) == nil)
    }

    @Test func theRightmostUntrustedHopIsTheClient() {
        // The client made up the first entry; the proxies appended the rest.
        let header = ["6.6.6.6, 198.51.100.7", "10.0.0.2"]
        #expect(ForwardedFor.client(peer: "127.0.0.1", forwardedFor: header, trustedProxies: proxies) == "198.51.100.7")
        #expect(ForwardedFor.client(peer: "127.0.0.1", forwardedFor: ["2001:db8::1"], trustedProxies: proxies) == "2001:db8::1")
    }

    @Test func aProxyWithoutAHeaderOrOnlyTrustedHopsIsTheLastTrustedAddress() {
        #expect(ForwardedFor.client(peer: "127.0.0.1", forwardedFor: [], trustedProxies: proxies) == "127.0.0.1")
        #expect(ForwardedFor.client(peer: "127.0.0.1", forwardedFor: ["10.0.0.2"], trustedProxies: proxies) == "10.0.0.2")
    }

    @Test func aHopThatIsNoAddressEndsTheWalk() {
        let forged = ["198.51.100.7, evil\u{0A}line", String(repeating: "1", count: 500), ""]
        for header in forged {
            #expect(ForwardedFor.client(peer: "127.0.0.1", forwardedFor: [header], trustedProxies: proxies) == "127.0.0.1", "\(header.prefix(20))")
        }
    }

    @Test("per-client limits count the users a trusted proxy forwards, one by one")
    func limitsCountForwardedClients() async throws {
        let forwarded: @Sendable (String) -> HTTPFields = { [HTTPField.Name("X-Forwarded-For")!: $0] }
        try await withDemoServer(configure: { app in
            app.limits.maxCircuitsPerClient = 1
            app.limits.trustedProxies = ["127.0.0.1"]
        }) { server in
            let page = try await server.fetchPage("/counter")
            let first = try await server.connect(dom: page.dom, headers: forwarded("198.51.100.1"))
            _ = try await first.start(descriptor: page.descriptor, url: server.origin + "/counter")
            let second = try await server.fetchPage("/counter")
            let other = try await server.connect(dom: second.dom, headers: forwarded("198.51.100.2"))
            _ = try await other.start(descriptor: second.descriptor, url: server.origin + "/counter")
            // The first user's second circuit is over its limit; the other user was not.
            let third = try await server.fetchPage("/counter")
            let again = try await server.connect(dom: third.dom, headers: forwarded("198.51.100.1"))
            try await again.send(["start", .string(third.descriptor), .string(server.origin + "/counter")])
            #expect(try await again.closeFrame().code == 1008)
        }
    }

    @Test("without trusted proxies the header is ignored: one address, one budget")
    func headerIgnoredWithoutTrust() async throws {
        try await withDemoServer(configure: { app in app.limits.maxCircuitsPerClient = 1 }) { server in
            let page = try await server.fetchPage("/counter")
            let first = try await server.connect(dom: page.dom, headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.1"])
            _ = try await first.start(descriptor: page.descriptor, url: server.origin + "/counter")
            let second = try await server.fetchPage("/counter")
            let other = try await server.connect(dom: second.dom, headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.2"])
            try await other.send(["start", .string(second.descriptor), .string(server.origin + "/counter")])
            #expect(try await other.closeFrame().code == 1008)
        }
    }
}
