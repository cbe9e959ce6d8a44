import ArgumentParser
import Foundation
import TetherScaffold

@main
struct TetherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tether",
        abstract: "Tether's command-line tool.",
        subcommands: [NewApp.self]
    )
}

/// `tether new NAME`: a package with a page, a layout, a test, a README and a CI script, that
/// depends on Tether.
struct NewApp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Make a Swift package for a new Tether app.",
        discussion: """
            The package has a counter page in a layout, the main.swift that serves it (PORT from the \
            environment), a component test, a README, a .ci/run script and a .gitignore. Tether is not \
            published yet, so by default the package depends on the Tether checkout this tool was built \
            from, by absolute path; --tether-url and --tether-version depend on a published release instead.
            """
    )

    @Argument(help: "The app's name, which names its package, executable and module: letters, digits and '_', starting with a letter.")
    var name: String

    @Option(name: .long, help: ArgumentHelp("The folder to write the package into, new or empty. (default: ./NAME)", valueName: "dir"))
    var output: String?

    @Option(name: .customLong("tether-path"), help: ArgumentHelp("The Tether checkout to depend on, with .package(path:). (default: the checkout this tool was built from)", valueName: "path"))
    var tetherPath: String?

    @Option(name: .customLong("tether-url"), help: ArgumentHelp("Depend on Tether from this repository, with .package(url:from:).", valueName: "url"))
    var tetherURL: String?

    @Option(name: .customLong("tether-version"), help: ArgumentHelp("The oldest Tether release to accept, with --tether-url.", valueName: "version"))
    var tetherVersion: String?

    func validate() throws {
        do {
            _ = try AppName(name)
        } catch {
            throw ValidationError(error.description)
        }
        if tetherPath != nil && tetherURL != nil {
            throw ValidationError("--tether-path and --tether-url exclude each other: the app depends on a checkout or on a published release")
        }
        if tetherURL != nil && tetherVersion == nil {
            throw ValidationError("--tether-url needs --tether-version, the oldest release to accept (such as 1.0.0)")
        }
        if tetherVersion != nil && tetherURL == nil {
            throw ValidationError("--tether-version goes with --tether-url; a checkout (the default, or --tether-path) has no version")
        }
        // A Tether the command line names is a usage error when it is wrong, as the name is.
        if tetherURL != nil || tetherPath != nil {
            do {
                _ = try namedSource()
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    /// The Tether the options name, if they name one.
    private func namedSource() throws(TetherSource.Invalid) -> TetherSource? {
        if let tetherURL, let tetherVersion {
            return try TetherSource.published(url: tetherURL, version: tetherVersion)
        }
        if let tetherPath {
            return try TetherSource.checkout(at: tetherPath, relativeTo: FileManager.default.currentDirectoryPath)
        }
        return nil
    }

    func run() throws {
        let appName = try AppName(name)
        let workingFolder = FileManager.default.currentDirectoryPath
        let source: TetherSource
        if let named = try namedSource() {
            source = named
        } else {
            do {
                source = try TetherSource.checkout(at: Self.builtFromCheckout, relativeTo: workingFolder)
            } catch {
                throw NewAppError.builtFromCheckoutGone(Self.builtFromCheckout, error)
            }
        }
        let folder = URL(fileURLWithPath: output ?? appName.value, relativeTo: URL(fileURLWithPath: workingFolder, isDirectory: true))
            .standardizedFileURL.path
        try AppWriter.write(AppTemplate(name: appName, tether: source), to: folder)

        let dependsOn: String
        switch source {
        case .checkout(let path): dependsOn = "the Tether checkout at \(path)"
        case .published(let url, let version): dependsOn = "Tether \(version) or later from \(url)"
        }
        print("""
            Made \(appName) in \(folder), depending on \(dependsOn).

              cd \(folder)
              swift run     # serves it on http://127.0.0.1:8080; the first build takes several minutes
              swift test    # runs its tests
            """)
    }

    /// The checkout this tool was compiled from: this file is Sources/TetherCLI/TetherCommand.swift in it.
    static var builtFromCheckout: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}

enum NewAppError: Error, CustomStringConvertible {
    case builtFromCheckoutGone(String, TetherSource.Invalid)

    var description: String {
        switch self {
        case .builtFromCheckoutGone(let path, let problem):
            "this tether was built from the checkout at \(path), which it cannot use now (\(problem)); pass --tether-path or --tether-url"
        }
    }
}
