/// One file of a new app: its path inside the package and its text.
package struct GeneratedFile: Sendable, Equatable {
    package let path: String
    package let contents: String
    /// Written with the executable bit, as a script is.
    package let isExecutable: Bool

    init(_ path: String, executable: Bool = false, _ contents: String) {
        self.path = path
        self.contents = contents
        self.isExecutable = executable
    }
}

/// The package `tether new` writes: a page with a counter in a layout, the `main.swift` that
/// serves it, a component test, a README, a CI script and a .gitignore.
///
/// The templates are raw string literals, so the Swift they hold is written as is (`\(port)` stays
/// `\(port)`) and only `\#(…)` is filled in here.
package struct AppTemplate: Sendable {
    package let name: AppName
    package let tether: TetherSource

    package init(name: AppName, tether: TetherSource) {
        self.name = name
        self.tether = tether
    }

    /// Types the generated sources declare: an app named like one would hide it behind its module.
    static let declaredTypes = ["Counter", "MainLayout"]

    package var files: [GeneratedFile] {
        [
            GeneratedFile("Package.swift", manifest),
            GeneratedFile("README.md", readme),
            GeneratedFile(".gitignore", gitignore),
            GeneratedFile(".ci/run", executable: true, ciScript),
            GeneratedFile("Sources/\(name)/main.swift", mainFile),
            GeneratedFile("Sources/\(name)/MainLayout.swift", layoutFile),
            GeneratedFile("Sources/\(name)/Counter.swift", counterFile),
            GeneratedFile("Tests/\(name.testTarget)/CounterTests.swift", counterTestsFile),
        ]
    }

    private var whereTetherComesFrom: String {
        switch tether {
        case .checkout:
            return """
                // Tether is not published yet: this is the checkout `tether new` ran from. Once it is, write
                // .package(url: "…", from: "…") instead, and set `tether` to the last part of that URL.
                """
        case .published(_, let version):
            return "// Tether \(version) or any later release before the next major version."
        }
    }

    var manifest: String {
        #"""
        // swift-tools-version:6.2
        import PackageDescription

        // Swift 6 language mode, and nonisolated async functions run on their caller's executor: a
        // component's async handlers, and what they await, stay on its circuit, so its state needs
        // no locks. Without the second, `onClick { try await self.save() }` is refused with
        // "sending 'self' risks causing data races".
        let settings: [SwiftSetting] = [
            .swiftLanguageMode(.v6),
            .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
        ]

        // SwiftPM names a dependency after the last part of its path or URL.
        let tether = \#(swiftStringLiteral(tether.packageIdentity))

        let package = Package(
            name: "\#(name)",
            platforms: [.macOS(.v15)],
            dependencies: [
                \#(whereTetherComesFrom.replacingNewlines(indentedBy: 8))
                \#(tether.dependencyLine),
            ],
            targets: [
                .executableTarget(
                    name: "\#(name)",
                    dependencies: [
                        .product(name: "TetherServer", package: tether),
                        .product(name: "TetherUI", package: tether),
                    ],
                    swiftSettings: settings
                ),
                .testTarget(
                    name: "\#(name.testTarget)",
                    dependencies: ["\#(name)", .product(name: "TetherTesting", package: tether)],
                    swiftSettings: settings
                ),
            ]
        )

        """#
    }

    var mainFile: String {
        #"""
        import Foundation
        import TetherServer

        // PORT picks the port, as most hosts expect; 8080 when it is not set.
        let port: Int
        switch ProcessInfo.processInfo.environment["PORT"] {
        case nil, "":
            port = 8080
        case let text?:
            guard let number = Int(text), (1...65_535).contains(number) else {
                FileHandle.standardError.write(Data("\#(name): PORT must be a port number from 1 to 65535, not '\(text)'\n".utf8))
                exit(1)
            }
            port = number
        }

        var app = TetherApp(pages: [Counter.self])
        app.document.title = "\#(name)"
        print("\#(name) serving on http://127.0.0.1:\(port)")
        // Serves until SIGTERM or SIGINT (Ctrl-C), then closes every circuit and exits. Circuits are
        // saved in .tether/ in the working folder, so open pages resume after a restart.
        try await app.run(host: "127.0.0.1", port: port)

        """#
    }

    var layoutFile: String {
        #"""
        import TetherUI

        /// The frame around every page: the app's name, a link home, above the page itself.
        final class MainLayout: Layout {
            var body: Content {
                header { a(.href("/")) { "\#(name)" } }
                main { pageBody }
            }
        }

        """#
    }

    var counterFile: String {
        #"""
        import Observation
        import TetherUI

        /// The home page: a number, and a button that adds one to it. `@Observable`, so a change to
        /// `count` from anywhere (this handler, background work, another component) re-renders it.
        @Observable
        final class Counter: Page {
            static let route = "/"
            static let layout: (any Layout.Type)? = MainLayout.self
            /// Saved with the circuit, so an open page keeps its count across a restart of the server.
            static let persisted = Persisted(("count", \Counter.count))

            private(set) var count = 0

            var body: Content {
                h1 { "Counter" }
                p { "Current count: "; span(.id("count")) { count } }
                button(.id("increment"), .type("button")) { "Click me" }.onClick { self.count += 1 }
            }
        }

        """#
    }

    var counterTestsFile: String {
        #"""
        import Testing
        import TetherTesting

        @testable import \#(name)

        // The page, rendered and clicked without a browser or a server.
        @Test func clickingTheButtonAddsOne() async throws {
            let host = try await ComponentTestHost(Counter())
            #expect(host.find("#count")?.text == "0")
            try await host.click("#increment")
            #expect(host.find("#count")?.text == "1")
            #expect(host.component.count == 1)
        }

        // What a restart of the server keeps: the circuit's saved state brings the count back.
        @Test func theCountSurvivesARestart() async throws {
            let before = try await ComponentTestHost(Counter())
            try await before.click("#increment")
            let after = try await ComponentTestHost(Counter(), restoring: before.savedState())
            #expect(after.find("#count")?.text == "1")
            #expect(after.restoreProblems.isEmpty)
        }

        """#
    }

    var readme: String {
        let source: String
        switch tether {
        case .checkout(let path):
            source = """
                `Package.swift` depends on the Tether checkout at `\(path)`, by path: Tether is not
                published anywhere yet. Once it is, replace that line with
                `.package(url: "<repository URL>", from: "<version>")` and set `tether` to the last part of
                the URL, or make the app with `tether new \(name) --tether-url URL --tether-version VERSION`.
                Tether's README, in that folder, explains pages, components, events, layouts and tests.
                """
        case .published(let url, let version):
            source = """
                `Package.swift` depends on Tether from `\(url)`, release \(version) or later. Tether's
                README explains pages, components, events, layouts and tests.
                """
        }
        return #"""
            # \#(name)

            A web app in Swift on Tether: its pages are components that live on the server, and the
            browser talks to them over one WebSocket.

            ```sh
            swift run     # serves the app on http://127.0.0.1:8080 (PORT=... to change)
            swift test    # runs its tests; .ci/run does the same for CI
            ```

            The first build compiles Tether and what it depends on (Hummingbird, SwiftNIO, …) and takes
            several minutes; later builds only compile what changed.

            | file | what it holds |
            | --- | --- |
            | `Sources/\#(name)/main.swift` | the server: `TetherApp(pages:)` and `run(host:port:)` |
            | `Sources/\#(name)/Counter.swift` | the page at `/`: a count and a button |
            | `Sources/\#(name)/MainLayout.swift` | the frame around every page |
            | `Tests/\#(name.testTarget)/CounterTests.swift` | the page, rendered, clicked and restored without a browser (`TetherTesting`) |

            A new page is a class like `Counter` with its own `route`, added to `TetherApp(pages:)`.
            Circuits are saved in `.tether/`: an open page resumes after a restart of the server with
            what its components list in `persisted`, as the counter does with its count.

            \#(source)

            """#
    }

    var ciScript: String {
        #"""
        #!/usr/bin/env bash
        # What CI runs: the app's tests. Arguments go on to `swift test` (e.g. --scratch-path DIR).
        set -euo pipefail
        cd "$(dirname "$0")/.."
        exec swift test "$@"

        """#
    }

    var gitignore: String {
        """
        .build/
        Package.resolved
        # The circuits `swift run` saves, so open pages resume after a restart.
        .tether/

        """
    }
}

extension String {
    /// The lines after the first indented by `spaces`, so a block fits where a template places it.
    fileprivate func replacingNewlines(indentedBy spaces: Int) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + String(repeating: " ", count: spaces))
    }
}
