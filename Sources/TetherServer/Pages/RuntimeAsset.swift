import Foundation
import Hummingbird
import NIOCore

/// The browser runtime: the ES modules in `Resources/runtime`, read once and served at
/// `/_tether/<name>`. The folder is the list, so a module added to it is served and preloaded
/// with no change here, and no other name under `/_tether/` reaches a file.
enum RuntimeAsset {
    /// The module a page loads; it imports the others.
    static let entry = "tether.js"

    /// Each module's file name and source; empty only when the bundle lacks the folder.
    static let modules: [String: ByteBuffer] = {
        guard let folder = Bundle.module.url(forResource: "runtime", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [:] }
        var modules: [String: ByteBuffer] = [:]
        for name in names where name.hasSuffix(".js") {
            guard let source = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) else { continue }
            modules[name] = ByteBuffer(string: source)
        }
        return modules
    }()

    /// Every module but the entry, which loads them all through its imports, in a fixed order:
    /// the modulepreload links of each page.
    static let imported: [String] = modules.keys.filter { $0 != entry }.sorted()

    static func response(module name: String) throws -> Response {
        guard let source = modules[name] else {
            guard modules[entry] != nil else {
                throw HTTPError(.internalServerError, message: "the runtime is missing from the bundle")
            }
            throw HTTPError(.notFound)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
            body: .init(byteBuffer: source))
    }
}
