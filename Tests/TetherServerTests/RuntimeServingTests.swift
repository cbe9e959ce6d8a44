import CompressNIO
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import TetherServer

/// The runtime's modules over HTTP: versioned immutable URLs, HEAD, ETag and 304, gzip.
@Suite("Serving the runtime")
struct RuntimeServingTests {
    static let immutable = "public, max-age=31536000, immutable"

    /// The versioned folder the page references, read from its script tag.
    static func versionedEntry(_ html: String) throws -> String {
        let match = try #require(html.firstMatch(of: /<script type="module" src="(\/_tether\/v\/[0-9a-f]{16}\/tether\.js)"><\/script>/))
        return String(match.1)
    }

    @Test("a page loads the runtime from /_tether/v/<hash of all modules>/, and preloads every module from the same folder")
    func pageReferencesVersionedURLs() async throws {
        try await withDemoServer { server in
            let html = try await server.get("/counter").body
            let entry = try Self.versionedEntry(html)
            #expect(entry == RuntimeAsset.path(for: "tether.js"))
            let folder = String(entry.dropLast("tether.js".count))
            let preloads = html.matches(of: /<link rel="modulepreload" href="([^"]+)">/).map { String($0.1) }
            #expect(preloads.count == RuntimeAsset.imported.count)
            #expect(preloads.allSatisfy { $0.hasPrefix(folder) }, "\(preloads)")
            #expect(!html.contains(#"src="/_tether/tether.js""#), "pages no longer load the unversioned entry")
        }
    }

    @Test("a versioned module is immutable for a year; every module of the folder is there, and relative imports stay in it")
    func versionedModuleIsImmutable() async throws {
        try await withDemoServer { server in
            let folder = String(RuntimeAsset.path(for: "tether.js").dropLast("tether.js".count))
            for name in ["tether.js"] + RuntimeAsset.imported {
                let response = try await server.fetch(folder + name)
                #expect(response.status == .ok, "\(name)")
                #expect(response.headers[.cacheControl] == Self.immutable, "\(name)")
                #expect(response.headers[.contentType] == "text/javascript; charset=utf-8", "\(name)")
                #expect(response.headers[.eTag]?.hasPrefix("\"") == true, "\(name)")
            }
            let entry = try await server.fetch(folder + "tether.js")
            #expect(entry.body.map { String(buffer: $0) }?.contains("from './circuit.js'") == true)
        }
    }

    @Test("a version this server does not have is 404, and so is an unknown module in the right folder")
    func unknownVersionIsNotFound() async throws {
        try await withDemoServer { server in
            let other = String(repeating: "0", count: 16)
            #expect(other != RuntimeAsset.version)
            for path in ["/_tether/v/\(other)/tether.js", "/_tether/v/\(RuntimeAsset.version)/nope.js", "/_tether/v/\(RuntimeAsset.version)/package.json"] {
                let status = try await server.fetch(path).status
                #expect(status == .notFound, "\(path)")
            }
        }
    }

    @Test("the version is a hash of every module's name and bytes")
    func versionFollowsContent() {
        let one = RuntimeAsset.module(Data("export const a = 1;".utf8))
        let two = RuntimeAsset.module(Data("export const a = 2;".utf8))
        #expect(one.identityTag != two.identityTag)
        #expect(RuntimeAsset.version.count == 16)
        #expect(RuntimeAsset.version.allSatisfy { $0.isHexDigit })
    }

    @Test("/_tether/<name>.js still serves each module, revalidated on every load (no-cache, with an ETag)")
    func unversionedModuleRevalidates() async throws {
        try await withDemoServer { server in
            let response = try await server.fetch("/_tether/tether.js")
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-cache")
            let tag = try #require(response.headers[.eTag])
            let again = try await server.fetch("/_tether/tether.js", headers: [.ifNoneMatch: tag])
            #expect(again.status == .notModified)
            #expect(again.headers[.cacheControl] == "no-cache")
        }
    }

    @Test("If-None-Match with the module's ETag is 304 with no body; weak, listed and * match too; another tag is 200")
    func conditionalGet() async throws {
        try await withDemoServer { server in
            let path = RuntimeAsset.path(for: "protocol.js")
            let full = try await server.fetch(path)
            let tag = try #require(full.headers[.eTag])
            let length = try #require(full.body?.readableBytes)
            for header in [tag, "W/\(tag)", "\"nope\", \(tag)", "*"] {
                let response = try await server.fetch(path, headers: [.ifNoneMatch: header])
                #expect(response.status == .notModified, "\(header)")
                #expect(response.body?.readableBytes ?? 0 == 0, "\(header)")
                #expect(response.headers[.eTag] == tag, "\(header)")
                #expect(response.headers[.cacheControl] == Self.immutable, "\(header)")
                #expect(response.headers[.vary] == "Accept-Encoding", "\(header)")
            }
            for header in ["\"nope\"", "", "\(tag.dropLast())", "W/"] {
                let response = try await server.fetch(path, headers: [.ifNoneMatch: header])
                #expect(response.status == .ok, "\(header)")
                #expect(response.body?.readableBytes == length, "\(header)")
            }
            // The gzip variant has a tag of its own: the identity tag does not stand for it.
            let gzip = try await server.fetch(path, headers: [.acceptEncoding: "gzip", .ifNoneMatch: tag])
            #expect(gzip.status == .ok)
            let gzipTag = try #require(gzip.headers[.eTag])
            #expect(gzipTag != tag)
            #expect(try await server.fetch(path, headers: [.acceptEncoding: "gzip", .ifNoneMatch: gzipTag]).status == .notModified)
            #expect(try await server.fetch(path, headers: [.ifNoneMatch: gzipTag]).status == .ok)
        }
    }

    @Test("HEAD answers with GET's headers and length, and sends no body", arguments: ["versioned", "unversioned"])
    func head(url: String) async throws {
        try await withDemoServer { server in
            let path = url == "versioned" ? RuntimeAsset.path(for: "tether.js") : "/_tether/tether.js"
            for encoding in ["gzip", "identity"] {
                let get = try await server.raw("GET", path, headers: ["Accept-Encoding: \(encoding)"])
                let head = try await server.raw("HEAD", path, headers: ["Accept-Encoding: \(encoding)"])
                #expect(head.head.first == "HTTP/1.1 200 OK", "\(head.head)")
                #expect(head.body.isEmpty, "HEAD sent \(head.body.count) body bytes")
                #expect(!get.body.isEmpty)
                let fields = { (lines: [String]) in
                    Dictionary(
                        lines.dropFirst().map { line in
                            let parts = line.split(separator: ":", maxSplits: 1)
                            return (parts[0].lowercased(), parts[1].trimmingCharacters(in: .whitespaces))
                        }, uniquingKeysWith: { $1 })
                }
                let getFields = fields(get.head)
                let headFields = fields(head.head)
                for name in ["etag", "cache-control", "content-type", "vary", "content-length"] {
                    #expect(headFields[name] == getFields[name], "\(encoding) \(name)")
                }
                #expect(headFields["content-encoding"] == getFields["content-encoding"], "\(encoding)")
                #expect(headFields["content-length"] == String(get.body.count), "\(encoding)")
            }
            // A conditional HEAD is a 304 like a conditional GET.
            let tag = try #require(try await server.fetch(path).headers[.eTag])
            let notModified = try await server.raw("HEAD", path, headers: ["If-None-Match: \(tag)"])
            #expect(notModified.head.first == "HTTP/1.1 304 Not Modified", "\(notModified.head)")
            #expect(notModified.body.isEmpty)
        }
    }

    @Test(
        "gzip is sent when Accept-Encoding allows it, with Vary and a distinct ETag; q=0, no header or a malformed weight get the bytes as they are",
        arguments: [
            ("gzip, deflate, br, zstd", true), ("gzip", true), ("GZIP;Q=1", true), ("x-gzip", true), ("br, *", true),
            ("gzip;q=0.5, identity;q=0.4", true), ("gzip;q=0", false), ("gzip;q=0.000", false), ("*;q=0, identity", false),
            ("identity;q=1, gzip;q=0.5", false), ("br", false), ("gzip;q=abc", false), ("gzip;q=2", false), (nil, false),
            ("", false), ("identity;q=0, gzip;q=0", false),
        ] as [(String?, Bool)])
    func gzipNegotiation(acceptEncoding: String?, gzipped: Bool) async throws {
        try await withDemoServer { server in
            let path = RuntimeAsset.path(for: "circuit.js")
            let plain = try await server.fetch(path)
            let plainBytes = try #require(plain.body)
            let response = try await server.fetch(path, headers: acceptEncoding.map { [.acceptEncoding: $0] } ?? [:])
            #expect(response.status == .ok)
            #expect(response.headers[.vary] == "Accept-Encoding")
            var body = try #require(response.body)
            if gzipped {
                #expect(response.headers[.contentEncoding] == "gzip")
                #expect(response.headers[.eTag] != plain.headers[.eTag])
                #expect(body.readableBytes < plainBytes.readableBytes / 2, "\(body.readableBytes) of \(plainBytes.readableBytes)")
                #expect(body.getBytes(at: body.readerIndex, length: 2) == [0x1f, 0x8b], "the gzip magic number")
                let inflated = try body.decompress(with: .gzip)
                #expect(inflated == plainBytes)
            } else {
                #expect(response.headers[.contentEncoding] == nil)
                #expect(response.headers[.eTag] == plain.headers[.eTag])
                #expect(body == plainBytes)
            }
        }
    }
}

@Suite("Accept-Encoding and If-None-Match parsing")
struct ContentNegotiationTests {
    @Test(
        "prefersGzip",
        arguments: [
            ("gzip", true), (" gzip ; q=1 ", true), ("deflate, gzip;q=0.001", true), ("*", true), ("*;q=0.1", true),
            ("gzip;q=1.000", true), ("gzip;q=0", false), ("gzip;q=1.0001", false), ("gzip;q=-1", false), ("gzip;q=", false),
            ("gzip;q", true), ("identity", false), ("*, gzip;q=0", false), ("gzip;level=9", true), (",,;,", false),
            (String(repeating: "gzip;q=0,", count: 1000), false),
        ] as [(String, Bool)])
    func acceptEncoding(header: String, expected: Bool) {
        #expect(AcceptEncoding(header).prefersGzip == expected)
    }

    @Test("no Accept-Encoding means the bytes as they are")
    func noHeader() {
        #expect(!AcceptEncoding(nil).prefersGzip)
    }

    @Test("If-None-Match compares weakly and never matches a malformed list")
    func ifNoneMatch() {
        let tag = EntityTag("abc")
        #expect(tag.header == "\"abc\"")
        #expect(tag.matches(ifNoneMatch: "\"abc\""))
        #expect(tag.matches(ifNoneMatch: "W/\"abc\""))
        #expect(tag.matches(ifNoneMatch: "\"x\",\"abc\""))
        #expect(tag.matches(ifNoneMatch: " * "))
        #expect(!tag.matches(ifNoneMatch: "abc"))
        #expect(!tag.matches(ifNoneMatch: "\"abcd\""))
        #expect(!tag.matches(ifNoneMatch: nil))
        #expect(!tag.matches(ifNoneMatch: "W/"))
    }
}
