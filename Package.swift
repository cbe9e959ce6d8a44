// swift-tools-version:6.2
import PackageDescription

// One set of settings for every target, as Hummingbird does.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // Non-isolated async functions run on the caller's actor, so component code awaited from a
    // circuit stays on that circuit's executor and component state needs no locks.
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "tether",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TetherInterop", targets: ["TetherInterop"]),
        .library(name: "TetherUI", targets: ["TetherUI"]),
        .library(name: "TetherServer", targets: ["TetherServer"]),
        .library(name: "TetherTesting", targets: ["TetherTesting"]),
        .library(name: "TetherPostgres", targets: ["TetherPostgres"]),
        .executable(name: "tether-demo", targets: ["Demo"]),
        .executable(name: "tether-bench", targets: ["TetherBench"]),
        .executable(name: "tether-fuzz", targets: ["TetherFuzz"]),
        .executable(name: "tether", targets: ["TetherCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        // `swift package generate-documentation` (scripts/docs): the DocC catalogs of the library modules.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // The wire vocabulary shared with the runtime's protocol.js: message kinds, edit codes,
        // result modes, markers, event names, close codes. No Foundation, no dependencies.
        .target(name: "TetherProtocol", swiftSettings: swiftSettings),
        // Transport-agnostic interop core: Swift→JS calls, JS→Swift methods, the wire codec.
        .target(
            name: "TetherInterop",
            dependencies: [
                "TetherProtocol", .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // Components, the HTML DSL, the render tree and its diff.
        .target(
            name: "TetherUI",
            dependencies: ["TetherProtocol", "TetherInterop", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Hummingbird hosting: pages, circuits over WebSocket, the runtime script.
        .target(
            name: "TetherServer",
            dependencies: [
                "TetherProtocol", "TetherInterop", "TetherUI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            // package.json only tells node (Tests/js) that the runtime's .js files are ES modules.
            exclude: ["Resources/package.json"],
            // The browser runtime: every .js file in the folder is served at /_tether/<name>.
            resources: [.copy("Resources/runtime")],
            swiftSettings: swiftSettings
        ),
        // A CircuitStore on PostgreSQL, for apps that run on several nodes: its own product, so an
        // app on one node does not build postgres-nio.
        .target(
            name: "TetherPostgres",
            dependencies: ["TetherServer", .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: swiftSettings
        ),
        // Render and drive components without a browser.
        .target(
            name: "TetherTesting",
            dependencies: ["TetherInterop", "TetherUI"],
            swiftSettings: swiftSettings
        ),
        // The demo app's pages and exposed methods, shared by the executable and the tests.
        .target(
            name: "DemoApp",
            dependencies: [
                "TetherServer", "TetherUI", "TetherInterop", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // Wasm/ holds the demo's WebAssembly entry, built by scripts/build-wasm, not by SwiftPM.
            exclude: ["Wasm"],
            resources: [.copy("wwwroot"), .copy("Pages/ScriptsPage.js")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Demo",
            dependencies: [
                "DemoApp", "TetherServer", "TetherInterop", "TetherPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // malloc's bytes in use, for the benchmark's memory figures: glibc's mallinfo2 is not in
        // Swift's Glibc module.
        .target(name: "CHeapStats"),
        // The benchmark server: the demo app plus a raw WebSocket echo (the floor) and bench pages.
        .executableTarget(
            name: "TetherBench",
            dependencies: [
                "DemoApp", "TetherServer", "TetherUI", "TetherInterop", "CHeapStats",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                // The lean floor (LeanFloor.swift): a WebSocket served by a plain NIO handler.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The libFuzzer target over inbound messages (scripts/fuzz); without FUZZING it replays a
        // corpus.
        .executableTarget(
            name: "TetherFuzz",
            dependencies: ["TetherInterop", "TetherUI", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // What `tether new` writes, and the checks on what it is given: no I/O beyond writing the
        // files, no dependencies, so its tests build in seconds.
        .target(name: "TetherScaffold", swiftSettings: swiftSettings),
        // The `tether` command-line tool: `tether new NAME` makes an app package that depends on Tether.
        .executableTarget(
            name: "TetherCLI",
            dependencies: ["TetherScaffold", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TetherInteropTests",
            dependencies: [
                "TetherProtocol", "TetherInterop", .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "MetricsTestKit", package: "swift-metrics"), .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TetherUITests",
            dependencies: [
                "TetherProtocol", "TetherUI", "TetherTesting",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TetherServerTests",
            dependencies: [
                "TetherProtocol", "TetherServer", "DemoApp",
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdWSCompression", package: "hummingbird-websocket"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TetherScaffoldTests",
            dependencies: ["TetherScaffold"],
            swiftSettings: swiftSettings
        ),
        // One contract, every CircuitStore: memory, SQLite, PostgreSQL.
        .testTarget(
            name: "TetherStoreTests",
            dependencies: ["TetherServer", "TetherPostgres"],
            swiftSettings: swiftSettings
        ),
    ]
)
