import TetherInterop

/// Files chosen in an `<input type="file">`, uploaded to Swift as streams with per-file progress,
/// the analog of LiveView's `allow_upload` and Blazor's `InputFile`.
///
/// ```swift
/// final class Photos: Page {
///     static let route = "/photos"
///     let uploads = FileUploads(maxFileSize: 20 << 20, maxFiles: 3)
///
///     var body: Content {
///         input(.type("file"), Attribute("multiple", "")).ref(uploads.input).onChange { _ in
///             self.startUploads(self.uploads) { entry, chunks in
///                 for try await chunk in chunks { _ = chunk }     // store it somewhere
///             }
///         }
///         for entry in uploads.entries {
///             p { entry.name; " "; "\(entry.percent) %" }
///             button { "Cancel" }.onClick { entry.cancel() }
///         }
///     }
/// }
/// ```
///
/// Each file is read in the background (`launch`), so the page stays live and any one upload can
/// be cancelled. A file the browser reports as larger than `maxFileSize` fails at once with a
/// message saying so; a browser that lies about the size is stopped when the bytes pass it.
public final class FileUploads {
    /// Capture the file input with `.ref(uploads.input)`.
    public let input = ElementReference()
    /// The largest file accepted, in bytes.
    public let maxFileSize: Int
    /// How many files one choice may hold.
    public let maxFiles: Int
    /// The bytes each round trip brings; progress moves in steps of this size.
    public let chunkBytes: Int
    /// The files of the latest choice, in the order the browser listed them.
    public private(set) var entries: [UploadEntry] = []
    /// Why the latest choice was refused as a whole (too many files, or a list the browser could
    /// not give), for showing beside the input; nil when it was taken.
    public private(set) var problem: String?
    private var nextID = 0

    /// - Parameters:
    ///   - maxFileSize: the largest file accepted, in bytes.
    ///   - maxFiles: how many files one choice may hold; a larger choice is refused whole.
    ///   - chunkBytes: the bytes each round trip brings (at most 256 KiB gives smooth progress).
    public init(maxFileSize: Int, maxFiles: Int = 10, chunkBytes: Int = 256 * 1024) {
        self.maxFileSize = max(0, maxFileSize)
        self.maxFiles = max(1, maxFiles)
        self.chunkBytes = min(max(1024, chunkBytes), 1 << 20)
    }

    /// Cancels every upload still running and forgets the entries.
    public func clear() {
        for entry in entries { entry.cancel() }
        entries = []
        problem = nil
    }

    /// Takes a new choice: the entries the files become, or the reason the choice was refused.
    /// The browser's list is input like any other, so a count or size it could not send honestly
    /// is refused here rather than trusted.
    func accept(_ chosen: [ChosenFile]) -> [UploadEntry] {
        for entry in entries { entry.cancel() }
        entries = []
        problem = nil
        guard chosen.count <= maxFiles else {
            problem = "You chose \(chosen.count) files; at most \(maxFiles) can be uploaded at a time."
            return []
        }
        for (index, file) in chosen.enumerated() {
            nextID += 1
            let entry = UploadEntry(id: nextID, index: index, name: file.name, size: file.size, contentType: file.type)
            if file.size > maxFileSize {
                entry.state = .failed(
                    "\(entry.name) is too large: \(ByteCount.describe(file.size)), over the limit of \(ByteCount.describe(maxFileSize)) per file.")
            }
            entries.append(entry)
        }
        return entries.filter { $0.state == .waiting }
    }

    func fail(choice error: any Error) {
        entries = []
        problem = "The browser did not list the chosen files: \(error)"
    }
}

/// One file of a `FileUploads` choice, with its progress.
public final class UploadEntry: Identifiable {
    /// Unique among the entries of one `FileUploads`, for keys and element ids.
    public let id: Int
    /// The file's name as the browser gave it; show it as text, never as markup.
    public let name: String
    /// The size the browser declared, in bytes.
    public let size: Int
    /// The MIME type the browser guessed from the name; empty when it had no guess.
    public let contentType: String
    /// The bytes read so far.
    public internal(set) var received = 0
    /// Where the upload stands.
    public internal(set) var state = UploadState.waiting
    let index: Int
    var task: Task<Void, Never>?

    init(id: Int, index: Int, name: String, size: Int, contentType: String) {
        self.id = id
        self.index = index
        self.name = name
        self.size = size
        self.contentType = contentType
    }

    /// How much has arrived, from 0 to 1; 1 for an empty file that is done.
    public var fraction: Double {
        guard size > 0 else { return state == .done ? 1 : 0 }
        return min(1, Double(received) / Double(size))
    }

    /// `fraction` in whole percent, for a label.
    public var percent: Int { Int(fraction * 100) }

    /// Stops this upload: the browser stops sending, and the entry becomes `.cancelled`. Does
    /// nothing once the upload has ended.
    public func cancel() {
        guard state == .waiting || state == .uploading else { return }
        state = .cancelled
        task?.cancel()
    }
}

/// The stages of one upload.
public enum UploadState: Sendable, Equatable {
    /// Chosen, not yet reading.
    case waiting
    /// Bytes are arriving.
    case uploading
    /// Every byte arrived and the reader returned.
    case done
    /// `cancel()` stopped it.
    case cancelled
    /// It was refused or failed, with a message for the user: over the size limit, the reader
    /// threw, or the browser stopped sending.
    case failed(String)
}

/// A file as the browser lists it (`Tether.files.list`).
struct ChosenFile: Decodable {
    let name: String
    let size: Int
    let type: String

    private enum CodingKeys: String, CodingKey { case name, size, type }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // A name is shown on the page: keep it to what a file system allows.
        name = String(try container.decode(String.self, forKey: .name).prefix(255))
        size = try container.decode(Int.self, forKey: .size)
        guard size >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .size, in: container, debugDescription: "a file's size must be a byte count, got \(size)")
        }
        type = String((try container.decodeIfPresent(String.self, forKey: .type) ?? "").prefix(255))
    }
}

/// The bytes of one upload, chunk by chunk. Reading it is what moves the entry's progress, so
/// progress shows what the reader has taken, not only what the network brought. A cancelled
/// upload throws `CancellationError` from the loop, so code after the loop runs only for a whole
/// file.
public struct UploadChunks: AsyncSequence {
    public typealias Element = [UInt8]
    let stream: AsyncThrowingStream<[UInt8], any Error>
    let entry: UploadEntry
    let progressed: () -> Void

    public struct AsyncIterator: AsyncIteratorProtocol {
        var inner: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
        let entry: UploadEntry
        let progressed: () -> Void

        public mutating func next() async throws -> [UInt8]? {
            try await next(isolation: nil)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            guard let chunk = try await inner.next(isolation: actor) else {
                // A stream ends quietly when its reader's task is cancelled (the user cancelled
                // the upload, or a new choice replaced it): throw instead, or the reader would
                // take the part it read for the whole file.
                try Task.checkCancellation()
                return nil
            }
            entry.received += chunk.count
            progressed()
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: stream.makeAsyncIterator(), entry: entry, progressed: progressed)
    }
}

@available(*, unavailable)
extension UploadChunks: Sendable {}

extension ComponentBase {
    /// Uploads the files chosen in `uploads.input`: call it from the input's `onChange`. Each
    /// accepted file is read in the background by `read`, which gets the entry and its chunks;
    /// the component re-renders as each chunk arrives, so progress shows. A file `read` fails on
    /// becomes `.failed` with the error's text.
    public func startUploads(_ uploads: FileUploads, read: @escaping (UploadEntry, UploadChunks) async throws -> Void) {
        guard let context, !context.isPrerendering else { return }
        let js = context.services.js
        let input = uploads.input
        let started = context.schedule { [weak self] in
            let chosen: [ChosenFile]
            do {
                chosen = try await js.invoke("Tether.files.list", input)
            } catch {
                uploads.fail(choice: error)
                self?.stateHasChanged()
                return
            }
            for entry in uploads.accept(chosen) {
                entry.task = self?.upload(entry, of: uploads, js: js, read: read)
            }
            self?.stateHasChanged()
        }
        launched.append(started)
    }

    private func upload(
        _ entry: UploadEntry, of uploads: FileUploads, js: JSRuntime, read: @escaping (UploadEntry, UploadChunks) async throws -> Void
    ) -> Task<Void, Never>? {
        guard let context else { return nil }
        let task = context.schedule { [weak self] in
            guard entry.state == .waiting else { return }
            entry.state = .uploading
            do {
                let stream: JSStreamReference = try await js.invoke("Tether.files.open", uploads.input, entry.index)
                let chunks = UploadChunks(
                    stream: stream.openReadStream(maxAllowedSize: uploads.maxFileSize, chunkBytes: uploads.chunkBytes),
                    entry: entry, progressed: { self?.stateHasChanged() })
                try await read(entry, chunks)
                try Task.checkCancellation()
                if entry.state == .uploading { entry.state = .done }
            } catch is CancellationError {
                entry.state = .cancelled
            } catch let error as JSStreamTooLargeError {
                entry.state = .failed(
                    "\(entry.name) is too large: more than \(ByteCount.describe(error.maxAllowedSize)) arrived, over the limit per file.")
            } catch {
                if entry.state != .cancelled { entry.state = .failed("\(error)") }
            }
            self?.stateHasChanged()
        }
        launched.append(task)
        return task
    }
}

/// Sizes for people: "812 B", "4.2 KB", "12.5 MB" (powers of 1,000, as file managers show them).
package enum ByteCount {
    package static func describe(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10) \(units[unit])" : "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
