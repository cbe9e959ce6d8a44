import Crypto
import TetherInterop
import TetherUI

/// Several files uploaded at once with per-file progress, each streamed to Swift chunk by chunk
/// (never held whole) and shown with its SHA-256; any one can be cancelled, and a file over the
/// limit is refused with a message.
public final class Upload: Page {
    public static let route = "/upload"
    public static let layout: (any Layout.Type)? = DemoLayout.self
    static let maxFiles = 3
    static let maxFileSize = 8_000_000

    private let uploads = FileUploads(maxFileSize: Upload.maxFileSize, maxFiles: Upload.maxFiles)
    private var digests: [Int: String] = [:]

    public var body: Content {
        h1 { "Upload" }
        p { "Up to \(Self.maxFiles) files at a time, \(Self.maxFileSize / 1_000_000) MB each." }
        p {
            input(.id("file"), .type("file"), Attribute("multiple", ""))
                .ref(uploads.input)
                .onChange { _ in self.start() }
        }
        if let problem = uploads.problem {
            p(.id("upload-problem"), .class("error")) { problem }
        }
        ul(.id("uploads")) {
            for entry in uploads.entries {
                row(entry)
            }
        }
    }

    private func row(_ entry: UploadEntry) -> Element {
        li(.class("upload"), .id("upload-\(entry.id)"), .data("name", entry.name), .data("state", Self.stateName(entry.state))) {
            span(.class("upload-name")) { entry.name }
            " "
            element("progress", [.class("upload-progress"), Attribute("max", String(max(entry.size, 1))), Attribute("value", String(entry.received))])
            " "
            span(.class("upload-received")) { String(entry.received) }
            " / "
            span(.class("upload-size")) { String(entry.size) }
            " "
            span(.class("upload-status")) { Self.status(of: entry) }
            " "
            code(.class("upload-sha256")) { digests[entry.id] ?? "" }
            if entry.state == .waiting || entry.state == .uploading {
                button(.class("upload-cancel")) { "Cancel" }.onClick { entry.cancel() }
            }
        }.key(String(entry.id))
    }

    private func start() {
        digests = [:]
        startUploads(uploads) { entry, chunks in
            var hasher = SHA256()
            for try await chunk in chunks { hasher.update(data: chunk) }
            self.digests[entry.id] = hexDigest(hasher.finalize())
        }
    }

    static func stateName(_ state: UploadState) -> String {
        switch state {
        case .waiting: "waiting"
        case .uploading: "uploading"
        case .done: "done"
        case .cancelled: "cancelled"
        case .failed: "failed"
        }
    }

    static func status(of entry: UploadEntry) -> String {
        switch entry.state {
        case .waiting: "Waiting."
        case .uploading: "\(entry.percent) %"
        case .done: "Done."
        case .cancelled: "Cancelled."
        case .failed(let message): message
        }
    }
}
