import Foundation
import Hummingbird

/// A folder of static files served under a URL prefix: the app's public folder at `/`, and each
/// library's content at `/_content/{Name}/`, the analog of Blazor's `_content/{Package}/`.
///
/// Files get a content type from their extension, an `ETag`, conditional GET (`304 Not
/// Modified`), and `Cache-Control: no-cache`, so browsers revalidate cheaply. Paths with `..`, in
/// any encoding, are refused.
public struct StaticContent: Sendable {
    /// The folder whose files are served.
    public let directory: String
    /// The URL path the folder is served under: `/` for the public folder.
    public let urlPrefix: String

    /// A folder served under `urlPrefix`; ``library(_:directory:)`` makes a library's.
    public init(directory: String, urlPrefix: String) {
        self.directory = directory
        self.urlPrefix = urlPrefix
    }

    /// A library's content, at `/_content/{name}/`.
    public static func library(_ name: String, directory: String) -> StaticContent {
        StaticContent(directory: directory, urlPrefix: "/_content/\(name)")
    }

    /// The JS initializers in these folders: every `*.lib.module.js`, by URL. A file reachable
    /// through two folders (one inside the other) is listed once, under the innermost.
    static func initializerURLs(in contents: [StaticContent]) -> [String] {
        var byFile: [String: (url: String, depth: Int)] = [:]
        for content in contents {
            let root = URL(fileURLWithPath: content.directory).standardizedFileURL.path
            guard let enumerator = FileManager.default.enumerator(atPath: root) else { continue }
            while let path = enumerator.nextObject() as? String {
                guard path.hasSuffix(".lib.module.js") else { continue }
                let file = root + "/" + path
                let url = (content.urlPrefix == "/" ? "" : content.urlPrefix) + "/" + path
                if let existing = byFile[file], existing.depth >= root.count { continue }
                byFile[file] = (url, root.count)
            }
        }
        return byFile.values.map(\.url).sorted()
    }

    /// Serves the folder at `mount`'s prefix plus `urlPrefix`.
    func middleware<Context: RequestContext>(under mount: MountPath) -> PrefixedFileMiddleware<Context> {
        let prefix = mount.prefix + (urlPrefix == "/" ? "" : urlPrefix)
        return PrefixedFileMiddleware(
            files: FileMiddleware(
                directory, urlBasePath: prefix.isEmpty ? nil : prefix,
                cacheControl: CacheControl([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: false),
            urlPrefix: prefix)
    }
}

/// Hummingbird's file middleware answers a folder without its trailing slash with a redirect to
/// the path under the folder it serves, losing the URL prefix it was mounted at
/// (`/_content/Lib/css` → `/css/`). This puts the prefix back.
struct PrefixedFileMiddleware<Context: RequestContext>: RouterMiddleware {
    let files: FileMiddleware<Context, LocalFileSystem>
    let urlPrefix: String

    @concurrent func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await files.handle(request, context: context, next: next)
        // Only a redirect the file middleware made for a path under its prefix: a page's own
        // redirect (to sign in, say) passes through this middleware too.
        if !urlPrefix.isEmpty, request.uri.path.hasPrefix(urlPrefix + "/"), (300..<400).contains(response.status.code),
            let location = response.headers[.location],
            location.hasPrefix("/"), !location.hasPrefix(urlPrefix + "/")
        {
            response.headers[.location] = urlPrefix + location
        }
        return response
    }
}
