/// The name of an app `tether new` makes. It names the package, the executable, the module and,
/// with `Tests` after it, the test target, so it must be a name every one of them accepts: a Swift
/// identifier that no module of the app's build already has.
package struct AppName: Sendable, Equatable, CustomStringConvertible {
    package let value: String

    /// More than a folder or a module name needs; past it the name is surely not meant.
    package static let maximumLength = 64

    /// `taken` is the modules the name must not clash with, and who brings each.
    package init(_ candidate: String, taken: [String: String] = AppName.takenModules) throws(Invalid) {
        guard let first = candidate.first else { throw .empty }
        guard candidate.count <= Self.maximumLength else { throw .tooLong(candidate, length: candidate.count) }
        guard first.isASCIILetter else { throw .firstCharacter(candidate, first) }
        for (offset, character) in candidate.enumerated() where !(character.isASCIILetter || character.isASCIIDigit || character == "_") {
            throw .character(candidate, character, position: offset + 1)
        }
        if Self.keywords.contains(candidate) { throw .keyword(candidate) }
        // Module names are compared without case too: a case-insensitive file system (macOS's, by
        // default) cannot hold `Logging.swiftmodule` and `logging.swiftmodule` side by side.
        for module in [candidate, candidate + "Tests"] {
            if let (clash, owner) = taken.first(where: { $0.key.lowercased() == module.lowercased() }) {
                throw .moduleTaken(candidate, module: clash, owner: owner)
            }
        }
        if let type = AppTemplate.declaredTypes.first(where: { $0.lowercased() == candidate.lowercased() }) {
            throw .typeTaken(candidate, type: type)
        }
        value = candidate
    }

    package var description: String { value }

    /// The test target's name, which is also a module.
    package var testTarget: String { value + "Tests" }

    /// Swift's reserved words (The Swift Programming Language, "Keywords and Punctuation"): a module
    /// named after one cannot be imported (`import class` does not parse).
    static let keywords: Set<String> = [
        "associatedtype", "borrowing", "class", "consuming", "deinit", "enum", "extension", "fileprivate", "func",
        "import", "init", "inout", "internal", "let", "nonisolated", "open", "operator", "private", "precedencegroup",
        "protocol", "public", "rethrows", "static", "struct", "subscript", "typealias", "var",
        "break", "case", "catch", "continue", "default", "defer", "do", "else", "fallthrough", "for", "guard", "if",
        "in", "repeat", "return", "throw", "switch", "where", "while",
        "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try",
    ]

    /// Modules every app `tether new` makes already has, and who brings each. SwiftPM refuses a
    /// target named like any target of the package graph, used or not ("multiple packages declare
    /// targets with a conflicting name"), and a module named like one of the toolchain's hides it.
    /// Only names that start with a letter are listed; an app name cannot start with anything else.
    /// Tests/newapp/test_new_app.py checks that every module a generated app's build plans is here,
    /// so a new dependency of Tether cannot slip past.
    package static let takenModules: [String: String] = {
        var taken: [String: String] = [:]
        for (owner, modules) in moduleOwners {
            for module in modules { taken[module] = owner }
        }
        return taken
    }()

    private static let moduleOwners: [(String, [String])] = [
        ("the Swift toolchain", [
            "Swift", "SwiftOnoneSupport", "Foundation", "FoundationEssentials", "FoundationInternationalization",
            "FoundationNetworking", "FoundationXML", "CoreFoundation", "Dispatch", "Distributed", "Observation",
            "RegexBuilder", "Runtime", "Synchronization", "Testing", "XCTest", "Cxx", "CxxStdlib", "Glibc", "SwiftGlibc",
            "Musl", "Darwin", "WinSDK", "Android", "Bionic", "SwiftShims", "Block", "PackageDescription", "PackagePlugin",
        ]),
        ("Tether", [
            "CHeapStats", "Demo", "DemoApp", "TetherBench", "TetherCLI", "TetherFuzz", "TetherInterop",
            "TetherPostgres", "TetherProtocol", "TetherScaffold", "TetherServer", "TetherTesting", "TetherUI",
        ]),
        ("async-http-client", [
            "AsyncHTTPClient", "CAsyncHTTPClient",
        ]),
        ("compress-nio", [
            "CCompressZlib", "CompressNIO",
        ]),
        ("hummingbird", [
            "Hummingbird", "HummingbirdCore", "HummingbirdHTTP2", "HummingbirdRouter", "HummingbirdTLS",
            "HummingbirdTesting", "PerformanceTest",
        ]),
        ("hummingbird-auth", [
            "CBcrypt", "HummingbirdAuth", "HummingbirdAuthTesting", "HummingbirdBasicAuth", "HummingbirdBcrypt", "HummingbirdOTP",
        ]),
        ("hummingbird-websocket", [
            "HummingbirdWSClient", "HummingbirdWSCompression", "HummingbirdWSTesting", "HummingbirdWebSocket",
        ]),
        ("postgres-nio", [
            "PostgresNIO",
        ]),
        ("sqlite-nio", [
            "SQLiteNIO", "VaporCSQLite",
        ]),
        ("swift-algorithms", [
            "Algorithms",
        ]),
        ("swift-argument-parser", [
            "ArgumentParser", "ArgumentParserToolInfo", "GenerateDoccReference", "GenerateManual",
        ]),
        ("swift-asn1", [
            "SwiftASN1",
        ]),
        ("swift-async-algorithms", [
            "AsyncAlgorithms", "AsyncStreaming",
        ]),
        ("swift-atomics", [
            "Atomics",
        ]),
        ("swift-certificates", [
            "X509",
        ]),
        ("swift-collections", [
            "BasicContainers", "BitCollections", "Collections", "ContainersPreview", "DequeModule",
            "HashTreeCollections", "HeapModule", "InternalCollectionsUtilities", "OrderedCollections",
            "SortedCollections", "TrailingElementsModule", "generate",
        ]),
        ("swift-configuration", [
            "Configuration", "ConfigurationTesting", "ConfigurationTestingInternal",
        ]),
        ("swift-crypto", [
            "CCryptoBoringSSL", "CCryptoBoringSSLShims", "Crypto", "CryptoBoringWrapper",
        ]),
        ("swift-distributed-tracing", [
            "InMemoryTracing", "Instrumentation", "ServiceContextModule", "Tracing",
        ]),
        ("swift-extras-base64", [
            "ExtrasBase64",
        ]),
        ("swift-http-structured-headers", [
            "RawStructuredFieldValues", "StructuredFieldValues",
        ]),
        ("swift-http-types", [
            "HTTPTypes", "HTTPTypesFoundation",
        ]),
        ("swift-log", [
            "InMemoryLogging", "Logging",
        ]),
        ("swift-metrics", [
            "CoreMetrics", "Metrics", "MetricsTestKit",
        ]),
        ("swift-prometheus", [
            "Prometheus",
        ]),
        ("swift-nio", [
            "CNIOAtomics", "CNIODarwin", "CNIOFreeBSD", "CNIOLLHTTP", "CNIOLinux", "CNIOOpenBSD", "CNIOPosix",
            "CNIOSHA1", "CNIOWASI", "CNIOWindows", "NIO", "NIOConcurrencyHelpers", "NIOCore", "NIOEmbedded",
            "NIOFileSystem", "NIOFoundationCompat", "NIOFoundationEssentialsCompat", "NIOHTTP1", "NIOPosix",
            "NIOTLS", "NIOTestUtils", "NIOWebSocket",
        ]),
        ("swift-nio-extras", [
            "CNIOExtrasZlib", "NIOCertificateHelpers", "NIOCertificateReloading", "NIOExtras", "NIOHTTPCompression",
            "NIOHTTPResponsiveness", "NIOHTTPTypes", "NIOHTTPTypesHTTP1", "NIOHTTPTypesHTTP2", "NIOResumableUpload",
            "NIOSOCKS",
        ]),
        ("swift-nio-http2", [
            "NIOHPACK", "NIOHTTP2",
        ]),
        ("swift-nio-ssl", [
            "CNIOBoringSSL", "CNIOBoringSSLShims", "NIOSSL", "NIOSSLHTTP1Client", "NIOTLSServer",
        ]),
        ("swift-nio-transport-services", [
            "NIOTransportServices",
        ]),
        ("swift-numerics", [
            "ComplexModule", "Numerics", "RealModule",
        ]),
        ("swift-service-context", [
            "InstrumentationBaggage", "ServiceContextModuleCompatibility",
        ]),
        ("swift-service-lifecycle", [
            "ConcurrencyHelpers", "ServiceLifecycle", "ServiceLifecycleTestKit", "UnixSignals",
        ]),
        ("swift-system", [
            "CSystem", "SystemPackage",
        ]),
        ("swift-websocket", [
            "WSClient", "WSCompression", "WSCore",
        ]),
    ]

    /// A name that is refused, and why.
    package enum Invalid: Error, Equatable, CustomStringConvertible {
        case empty
        case tooLong(String, length: Int)
        case firstCharacter(String, Character)
        case character(String, Character, position: Int)
        case keyword(String)
        case moduleTaken(String, module: String, owner: String)
        case typeTaken(String, type: String)

        package var description: String {
            switch self {
            case .empty:
                return "the app name is empty; give one such as MyApp"
            case .tooLong(let name, let length):
                return "\(quoted(String(name.prefix(20))))… is \(length) characters long; an app name has at most \(AppName.maximumLength)"
            case .firstCharacter(let name, let character):
                return "\(quoted(name)) starts with \(shown(character)); an app name starts with a letter, A-Z or a-z"
            case .character(let name, let character, let position):
                return "\(quoted(name)) has \(shown(character)) at position \(position); an app name has only letters A-Z and a-z, digits and '_', because it names a Swift module"
            case .keyword(let name):
                return "\(quoted(name)) is a Swift keyword, and a module named after one cannot be imported; pick another name"
            case .moduleTaken(let name, let module, let owner):
                let clash =
                    module == name ? "is the name of" : module.lowercased() == name.lowercased() ? "differs only in case from \(module)," : "makes the test module \(module),"
                return "\(quoted(name)) \(clash) a module every Tether app already has (from \(owner)); pick another name, such as \(name)App"
            case .typeTaken(let name, let type):
                return "\(quoted(name)) is the name of the type \(type) the new app declares, and a module named like a type it holds hides that type; pick another name, such as \(name)App"
            }
        }
    }
}

extension Character {
    fileprivate var isASCIILetter: Bool { isASCII && isLetter }
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Text from the command line, quoted for an error message with anything unprintable spelled as
/// its code point, so a stray control character shows instead of moving the cursor.
func quoted(_ text: String) -> String {
    var out = "'"
    for scalar in text.unicodeScalars {
        if scalar.properties.generalCategory == .control || scalar == "'" {
            out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out + "'"
}

/// One character for an error message: itself, and its code point when it is not plain ASCII.
private func shown(_ character: Character) -> String {
    let points = character.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true).leftPadded(to: 4) }.joined(separator: " ")
    if character.isASCII, let scalar = character.unicodeScalars.first, scalar.properties.generalCategory != .control {
        return "'\(character)'"
    }
    return quoted(String(character)) + " (\(points))"
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
