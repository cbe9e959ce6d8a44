import Foundation

/// Where a new app's Package.swift finds Tether.
package enum TetherSource: Sendable, Equatable {
    /// A checkout on this machine, by absolute path: `.package(path:)`. Tether is not published
    /// anywhere yet, so this is the default.
    case checkout(path: String)
    /// A published repository: `.package(url:from:)`.
    case published(url: String, from: String)

    /// A checkout, checked to be one: an absolute path (made absolute against `directory` when it
    /// is relative) to a folder with Tether's Package.swift and `Sources/TetherServer`.
    package static func checkout(at path: String, relativeTo directory: String) throws(Invalid) -> TetherSource {
        if let problem = path.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw .controlCharacter(path, String(problem.value, radix: 16, uppercase: true))
        }
        let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: directory, isDirectory: true))
            .standardizedFileURL.path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isFolder) else { throw .noSuchFolder(absolute) }
        guard isFolder.boolValue else { throw .notAFolder(absolute) }
        let manifest = URL(fileURLWithPath: absolute).appendingPathComponent("Package.swift")
        guard let text = try? String(contentsOf: manifest, encoding: .utf8) else { throw .notATetherCheckout(absolute, missing: "Package.swift") }
        guard text.contains(#".library(name: "TetherServer""#) else {
            throw .notATetherCheckout(absolute, missing: "the TetherServer product in Package.swift")
        }
        return .checkout(path: absolute)
    }

    /// A published release: `url` as SwiftPM would clone it, `version` the oldest to accept.
    package static func published(url: String, version: String) throws(Invalid) -> TetherSource {
        if url.isEmpty { throw .emptyURL }
        if let problem = url.first(where: { $0.isWhitespace || $0 == "\"" || $0 == "\\" || !$0.unicodeScalars.allSatisfy({ $0.properties.generalCategory != .control }) }) {
            throw .urlCharacter(url, problem)
        }
        // A repository's name follows its host (`https://host/owner/name`, `git@host:owner/name`)
        // or, for a local repository, a slash (`/srv/git/name`).
        let afterScheme = url.range(of: "://").map { url[$0.upperBound...] } ?? Substring(url)
        let parts = afterScheme.split(whereSeparator: { $0 == "/" || $0 == ":" })
        if parts.count < (afterScheme.hasPrefix("/") ? 1 : 2) || packageIdentity(ofURL: url).isEmpty { throw .urlWithoutName(url) }
        guard isSemanticVersion(version) else { throw .version(version) }
        return .published(url: url, from: version)
    }

    /// How SwiftPM names this package in `.product(name:package:)`: the last part of its path or
    /// URL, without `.git`, in lower case (`/work/main` is `main`, `…/tether.git` is `tether`).
    package var packageIdentity: String {
        switch self {
        case .checkout(let path): Self.packageIdentity(ofPath: path)
        case .published(let url, _): Self.packageIdentity(ofURL: url)
        }
    }

    /// The line of the app's `dependencies:`.
    package var dependencyLine: String {
        switch self {
        case .checkout(let path): ".package(path: \(swiftStringLiteral(path)))"
        case .published(let url, let version): ".package(url: \(swiftStringLiteral(url)), from: \(swiftStringLiteral(version)))"
        }
    }

    static func packageIdentity(ofPath path: String) -> String {
        (path.split(separator: "/").last.map(String.init) ?? "").lowercased()
    }

    static func packageIdentity(ofURL url: String) -> String {
        var last = url.split(whereSeparator: { $0 == "/" || $0 == ":" }).last.map(String.init) ?? ""
        if last.lowercased().hasSuffix(".git") { last.removeLast(4) }
        return last.lowercased()
    }

    /// MAJOR.MINOR.PATCH with optional `-prerelease` and `+build`, as semver.org spells it and
    /// SwiftPM's `from:` reads it.
    static func isSemanticVersion(_ text: String) -> Bool {
        var rest = Substring(text)
        var build: Substring?
        if let plus = rest.firstIndex(of: "+") {
            build = rest[rest.index(after: plus)...]
            rest = rest[..<plus]
        }
        var prerelease: Substring?
        if let dash = rest.firstIndex(of: "-") {
            prerelease = rest[rest.index(after: dash)...]
            rest = rest[..<dash]
        }
        let core = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard core.count == 3, core.allSatisfy(isNumericIdentifier) else { return false }
        for identifiers in [prerelease, build].compactMap({ $0 }) {
            let parts = identifiers.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } }) else {
                return false
            }
        }
        return true
    }

    private static func isNumericIdentifier(_ part: Substring) -> Bool {
        !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } && (part == "0" || part.first != "0")
    }

    /// A source of Tether that is refused, and why.
    package enum Invalid: Error, Equatable, CustomStringConvertible {
        case controlCharacter(String, String)
        case noSuchFolder(String)
        case notAFolder(String)
        case notATetherCheckout(String, missing: String)
        case emptyURL
        case urlCharacter(String, Character)
        case urlWithoutName(String)
        case version(String)

        package var description: String {
            switch self {
            case .controlCharacter(let path, let codePoint):
                return "the Tether path \(quoted(path)) has the control character U+\(codePoint)"
            case .noSuchFolder(let path):
                return "there is no folder at \(path) to take Tether from"
            case .notAFolder(let path):
                return "\(path) is a file; Tether's path is the folder of a Tether checkout"
            case .notATetherCheckout(let path, let missing):
                return "\(path) is not a Tether checkout: it has no \(missing)"
            case .emptyURL:
                return "--tether-url is empty; give the repository's URL, such as https://github.com/OWNER/tether.git"
            case .urlCharacter(let url, let character):
                return "the Tether URL \(quoted(url)) has \(quoted(String(character))); a repository URL has no spaces, quotes, backslashes or control characters"
            case .urlWithoutName(let url):
                return "the Tether URL \(quoted(url)) does not end in a repository name, such as …/tether.git"
            case .version(let version):
                return "\(quoted(version)) is not a release version; --tether-version takes MAJOR.MINOR.PATCH, such as 1.0.0"
            }
        }
    }
}

/// `text` as a Swift string literal that reads back as exactly `text`.
func swiftStringLiteral(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.properties.generalCategory == .control:
            out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
