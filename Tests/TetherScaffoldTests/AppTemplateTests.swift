import Foundation
import Testing

@testable import TetherScaffold

@Suite struct AppTemplateTests {
    let fromCheckout = AppTemplate(name: try! AppName("Shop"), tether: .checkout(path: "/work/main"))
    let fromRelease = AppTemplate(name: try! AppName("Shop"), tether: .published(url: "https://github.com/owner/tether.git", from: "1.2.0"))

    func file(_ path: String, of template: AppTemplate) throws -> String {
        try #require(template.files.first { $0.path == path }).contents
    }

    @Test func writesOnePackageWithTheAppsNameInItsPaths() {
        #expect(fromCheckout.files.map(\.path) == [
            "Package.swift", "README.md", ".gitignore", ".ci/run",
            "Sources/Shop/main.swift", "Sources/Shop/MainLayout.swift", "Sources/Shop/Counter.swift",
            "Tests/ShopTests/CounterTests.swift",
        ])
        #expect(fromCheckout.files.filter(\.isExecutable).map(\.path) == [".ci/run"])
    }

    @Test func dependsOnTheCheckoutByAbsolutePathUnderItsSwiftPMName() throws {
        let manifest = try file("Package.swift", of: fromCheckout)
        #expect(manifest.hasPrefix("// swift-tools-version:6.2\nimport PackageDescription\n"))
        #expect(manifest.contains("\n        .package(path: \"/work/main\"),\n"))
        #expect(manifest.contains("\nlet tether = \"main\"\n"))
        #expect(!manifest.contains("\n        .package(url:"))
        // The comment above the dependency keeps the indentation of the line it explains.
        #expect(manifest.contains("\n        // Tether is not published yet: this is the checkout `tether new` ran from. Once it is, write\n        // .package("))
    }

    @Test func dependsOnAPublishedReleaseByURL() throws {
        let manifest = try file("Package.swift", of: fromRelease)
        #expect(manifest.contains("\n        .package(url: \"https://github.com/owner/tether.git\", from: \"1.2.0\"),\n"))
        #expect(manifest.contains("\nlet tether = \"tether\"\n"))
        #expect(!manifest.contains("\n        .package(path:"))
        #expect(try file("README.md", of: fromRelease).contains("depends on Tether from `https://github.com/owner/tether.git`, release 1.2.0 or later"))
    }

    @Test func declaresTheTargetsSwift6AndTheProductsTheAppUses() throws {
        let manifest = try file("Package.swift", of: fromCheckout)
        #expect(manifest.contains(#"name: "Shop","#))
        #expect(manifest.contains(".executableTarget(\n            name: \"Shop\","))
        #expect(manifest.contains(".testTarget(\n            name: \"ShopTests\","))
        #expect(manifest.contains(".swiftLanguageMode(.v6)"))
        #expect(manifest.contains(#".enableUpcomingFeature("NonisolatedNonsendingByDefault")"#))
        for product in ["TetherServer", "TetherUI", "TetherTesting"] {
            #expect(manifest.contains(#".product(name: "\#(product)", package: tether)"#))
        }
    }

    @Test func servesTheCounterOnThePortFromTheEnvironment() throws {
        let main = try file("Sources/Shop/main.swift", of: fromCheckout)
        #expect(main.contains(#"ProcessInfo.processInfo.environment["PORT"]"#))
        #expect(main.contains("var app = TetherApp(pages: [Counter.self])"))
        #expect(main.contains(#"app.document.title = "Shop""#))
        #expect(main.contains(#"try await app.run(host: "127.0.0.1", port: port)"#))
        // Swift's own interpolations are kept as written in the app's code.
        #expect(main.contains(#"not '\(text)'\n"#))
        #expect(main.contains(#"http://127.0.0.1:\(port)"#))
    }

    @Test func thePageHasALayoutAnObservableCountAndAnEvent() throws {
        let page = try file("Sources/Shop/Counter.swift", of: fromCheckout)
        #expect(page.contains("@Observable\nfinal class Counter: Page {"))
        #expect(page.contains("static let layout: (any Layout.Type)? = MainLayout.self"))
        #expect(page.contains(".onClick { self.count += 1 }"))
        #expect(page.contains(#"static let persisted = Persisted(("count", \Counter.count))"#))
        let layout = try file("Sources/Shop/MainLayout.swift", of: fromCheckout)
        #expect(layout.contains("final class MainLayout: Layout {"))
        #expect(layout.contains(#"header { a(.href("/")) { "Shop" } }"#))
        #expect(layout.contains("main { pageBody }"))
    }

    @Test func theTestImportsTheAppAndClicksTheCounter() throws {
        let test = try file("Tests/ShopTests/CounterTests.swift", of: fromCheckout)
        #expect(test.contains("import TetherTesting\n\n@testable import Shop\n"))
        #expect(test.contains("ComponentTestHost(Counter())"))
        #expect(test.contains(##"try await host.click("#increment")"##))
        #expect(test.contains("ComponentTestHost(Counter(), restoring: before.savedState())"))
    }

    @Test func theReadmeGivesTheTwoCommandsAndWhereTetherComesFrom() throws {
        let readme = try file("README.md", of: fromCheckout)
        #expect(readme.hasPrefix("# Shop\n"))
        #expect(readme.contains("\nswift run "))
        #expect(readme.contains("\nswift test "))
        #expect(readme.contains("depends on the Tether checkout at `/work/main`, by path"))
        #expect(readme.contains("tether new Shop --tether-url URL --tether-version VERSION"))
    }

    @Test func ciRunsTheTestsAndIgnoresWhatBuildsAndRunsLeave() throws {
        let ci = try file(".ci/run", of: fromCheckout)
        #expect(ci.hasPrefix("#!/usr/bin/env bash\n"))
        #expect(ci.contains("\nexec swift test \"$@\"\n"))
        let ignored = try file(".gitignore", of: fromCheckout).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(ignored == [".build/", "Package.resolved", ".tether/"])
    }

    @Test(arguments: [true, false])
    func everyFileIsTidyText(fromCheckout useCheckout: Bool) {
        for file in (useCheckout ? fromCheckout : fromRelease).files {
            #expect(file.contents.hasSuffix("\n") && !file.contents.hasSuffix("\n\n"), "\(file.path) ends in one newline")
            #expect(!file.contents.contains("\t"), "\(file.path) has a tab")
            let trailing = file.contents.split(separator: "\n").filter { $0.last == " " }
            #expect(trailing.isEmpty, "\(file.path) has trailing spaces: \(trailing)")
            #expect(!file.contents.contains("\\#("), "\(file.path) has a template placeholder left")
        }
    }

    @Test func nothingOfAnotherNameLeaksIn() {
        let other = AppTemplate(name: try! AppName("Bakery"), tether: .checkout(path: "/work/main"))
        for file in other.files {
            #expect(!file.contents.contains("Shop") && !file.path.contains("Shop"))
        }
        #expect(other.files.contains { $0.path == "Sources/Bakery/main.swift" })
    }
}
