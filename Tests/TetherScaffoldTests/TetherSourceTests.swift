import Foundation
import Testing

@testable import TetherScaffold

@Suite struct TetherSourceTests {
    @Test func namesAPackageAsSwiftPMDoes() {
        #expect(TetherSource.checkout(path: "/work/main").packageIdentity == "main")
        #expect(TetherSource.checkout(path: "/home/ada/src/Tether").packageIdentity == "tether")
        #expect(TetherSource.published(url: "https://github.com/owner/tether.git", from: "1.0.0").packageIdentity == "tether")
        #expect(TetherSource.published(url: "https://example.com/x/Tether-Swift/", from: "1.0.0").packageIdentity == "tether-swift")
        #expect(TetherSource.published(url: "git@github.com:owner/tether.GIT", from: "1.0.0").packageIdentity == "tether")
        #expect(TetherSource.checkout(path: "/srv/a:b/tether").packageIdentity == "tether")
    }

    @Test func writesTheDependencyAsASwiftLiteralThatReadsBackExactly() {
        #expect(TetherSource.checkout(path: "/work/main").dependencyLine == #".package(path: "/work/main")"#)
        #expect(TetherSource.checkout(path: #"/odd "quoted" \ path"#).dependencyLine == #".package(path: "/odd \"quoted\" \\ path")"#)
        #expect(
            TetherSource.published(url: "https://github.com/owner/tether.git", from: "1.2.0").dependencyLine
                == #".package(url: "https://github.com/owner/tether.git", from: "1.2.0")"#)
    }

    @Test(arguments: ["1.0.0", "0.1.0", "10.20.30", "1.0.0-beta.2", "1.0.0-rc-1+build.5", "2.0.0+20250101"])
    func acceptsReleaseVersions(_ version: String) throws {
        #expect(try TetherSource.published(url: "https://github.com/o/tether.git", version: version) == .published(url: "https://github.com/o/tether.git", from: version))
    }

    @Test(arguments: ["", "1", "1.0", "v1.0.0", "1.0.0.0", "01.0.0", "1.0.0-", "1.0.0-beta..1", "1.0.0+", "1.x.0", "１.0.0", "1.0.0 "])
    func refusesWhatIsNotAReleaseVersion(_ version: String) {
        #expect(throws: TetherSource.Invalid.version(version)) { try TetherSource.published(url: "https://github.com/o/tether.git", version: version) }
    }

    @Test func explainsAVersionItRefuses() {
        #expect(TetherSource.Invalid.version("1.0").description == "'1.0' is not a release version; --tether-version takes MAJOR.MINOR.PATCH, such as 1.0.0")
    }

    @Test func refusesAURLThatCannotBeOne() throws {
        #expect(throws: TetherSource.Invalid.emptyURL) { try TetherSource.published(url: "", version: "1.0.0") }
        #expect(throws: TetherSource.Invalid.urlCharacter("https://x/a b.git", " ")) { try TetherSource.published(url: "https://x/a b.git", version: "1.0.0") }
        #expect(throws: TetherSource.Invalid.urlCharacter(#"https://x/a"b"#, "\"")) { try TetherSource.published(url: #"https://x/a"b"#, version: "1.0.0") }
        #expect(throws: TetherSource.Invalid.urlWithoutName("https://")) { try TetherSource.published(url: "https://", version: "1.0.0") }
        #expect(throws: TetherSource.Invalid.urlWithoutName("https://x/.git")) { try TetherSource.published(url: "https://x/.git", version: "1.0.0") }
        #expect(throws: TetherSource.Invalid.urlWithoutName("https://github.com")) { try TetherSource.published(url: "https://github.com", version: "1.0.0") }
        #expect(throws: TetherSource.Invalid.urlWithoutName("tether.git")) { try TetherSource.published(url: "tether.git", version: "1.0.0") }
        #expect(try TetherSource.published(url: "/srv/git/tether.git", version: "1.0.0").packageIdentity == "tether")
        #expect(try TetherSource.published(url: "git@github.com:owner/tether.git", version: "1.0.0").packageIdentity == "tether")
        #expect(
            TetherSource.Invalid.urlCharacter("https://x/a b.git", " ").description
                == "the Tether URL 'https://x/a b.git' has ' '; a repository URL has no spaces, quotes, backslashes or control characters")
    }

    @Test func acceptsATetherCheckoutByAbsoluteOrRelativePath() throws {
        let scratch = try Scratch()
        let checkout = try scratch.fakeCheckout(named: "tether")
        #expect(try TetherSource.checkout(at: checkout, relativeTo: "/") == .checkout(path: checkout))
        #expect(try TetherSource.checkout(at: "tether/../tether/.", relativeTo: scratch.path) == .checkout(path: checkout))
    }

    @Test func refusesAPathThatIsNotATetherCheckout() throws {
        let scratch = try Scratch()
        let missing = scratch.path + "/nowhere"
        #expect(throws: TetherSource.Invalid.noSuchFolder(missing)) { try TetherSource.checkout(at: missing, relativeTo: "/") }
        #expect(TetherSource.Invalid.noSuchFolder(missing).description == "there is no folder at \(missing) to take Tether from")

        let file = try scratch.write("file.txt", "")
        #expect(throws: TetherSource.Invalid.notAFolder(file)) { try TetherSource.checkout(at: file, relativeTo: "/") }

        let empty = try scratch.folder("empty")
        #expect(throws: TetherSource.Invalid.notATetherCheckout(empty, missing: "Package.swift")) { try TetherSource.checkout(at: empty, relativeTo: "/") }
        #expect(TetherSource.Invalid.notATetherCheckout(empty, missing: "Package.swift").description == "\(empty) is not a Tether checkout: it has no Package.swift")

        let other = try scratch.folder("other")
        _ = try scratch.write("other/Package.swift", #"let package = Package(name: "other", products: [.library(name: "Other", targets: ["Other"])])"#)
        #expect(throws: TetherSource.Invalid.notATetherCheckout(other, missing: "the TetherServer product in Package.swift")) {
            try TetherSource.checkout(at: other, relativeTo: "/")
        }

        #expect(throws: TetherSource.Invalid.controlCharacter("/a\nb", "A")) { try TetherSource.checkout(at: "/a\nb", relativeTo: "/") }
    }
}

/// A temporary folder, removed when the test's value goes away.
final class Scratch {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tether-scaffold-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func folder(_ relative: String) throws -> String {
        let folder = path + "/" + relative
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let file = path + "/" + relative
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// A folder that passes for a Tether checkout: a Package.swift with the TetherServer product.
    func fakeCheckout(named name: String) throws -> String {
        let folder = try self.folder(name)
        try write(name + "/Package.swift", #".library(name: "TetherServer", targets: ["TetherServer"]),"#)
        return folder
    }
}
