import Crypto
import TetherInterop
import TetherUI

/// A file input streamed to Swift, the analog of Blazor's `InputFile`: Swift reads the chosen
/// file chunk by chunk and shows its size and SHA-256, never holding the whole file.
public final class Upload: Page {
    public static let route = "/upload"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    @Inject(\.js) var js
    private let fileInput = ElementReference()
    private var status = "Choose a file."
    private var byteCount = ""
    private var digest = ""
    private var fileName = ""

    public var body: Content {
        h1 { "Upload" }
        p { input(.id("file"), .type("file")).ref(fileInput).onChange { _ in try await self.upload() } }
        p(.id("upload-status")) { status }
        p { "Name: "; span(.id("upload-name")) { fileName } }
        p { "Bytes: "; span(.id("upload-size")) { byteCount } }
        p { "SHA-256: "; code(.id("upload-sha256")) { digest } }
    }

    private struct FileInfo: Decodable {
        let name: String
        let size: Int
    }

    private func upload() async throws {
        let files: [FileInfo] = try await js.invoke("Tether.files.list", fileInput)
        guard let file = files.first else { return }
        fileName = file.name
        status = "Reading…"
        let stream: JSStreamReference = try await js.invoke("Tether.files.open", fileInput, 0)
        var hasher = SHA256()
        var count = 0
        for try await chunk in stream.openReadStream(maxAllowedSize: 200 << 20) {
            hasher.update(data: chunk)
            count += chunk.count
        }
        byteCount = String(count)
        digest = hexDigest(hasher.finalize())
        status = "Done."
    }
}
