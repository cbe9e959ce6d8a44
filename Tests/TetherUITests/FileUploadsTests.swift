import Testing
import TetherInterop
import TetherTesting
@testable import TetherUI

private final class UploadHost: Component {
    let uploads: FileUploads
    var opened: [Int] = []

    init(uploads: FileUploads) { self.uploads = uploads }

    var body: Content {
        input(.id("file"), .type("file")).ref(uploads.input).onChange { _ in
            self.startUploads(self.uploads) { entry, _ in self.opened.append(entry.id) }
        }
        if let problem = uploads.problem { p(.id("problem")) { problem } }
        for entry in uploads.entries {
            p(.class("entry"), .data("state", "\(entry.state)")) { entry.name }
        }
    }
}

private func listing(_ files: [(String, Int)]) -> JSONValue {
    .array(files.map { file in .object([("name", .string(file.0)), ("size", .number(String(file.1))), ("type", .string(""))]) })
}

@Suite struct FileUploadsTests {
    @Test func oversizeFilesFailAtOnceWithTheLimitInTheMessage() {
        let uploads = FileUploads(maxFileSize: 1_000_000, maxFiles: 3)
        let started = uploads.accept([
            try! ChosenFile(json: #"{"name":"small.txt","size":10,"type":"text/plain"}"#),
            try! ChosenFile(json: #"{"name":"big.bin","size":2500000,"type":""}"#),
        ])
        #expect(started.map(\.name) == ["small.txt"])
        #expect(uploads.entries.count == 2)
        #expect(uploads.entries[1].state == .failed("big.bin is too large: 2.5 MB, over the limit of 1 MB per file."))
        #expect(uploads.problem == nil)
    }

    @Test func aChoiceOfTooManyFilesIsRefusedWhole() {
        let uploads = FileUploads(maxFileSize: 100, maxFiles: 2)
        let files = (0..<3).map { try! ChosenFile(json: #"{"name":"f\#($0)","size":1,"type":""}"#) }
        #expect(uploads.accept(files).isEmpty)
        #expect(uploads.entries.isEmpty)
        #expect(uploads.problem == "You chose 3 files; at most 2 can be uploaded at a time.")
    }

    @Test func aNewChoiceCancelsTheLastOne() {
        let uploads = FileUploads(maxFileSize: 100)
        let first = uploads.accept([try! ChosenFile(json: #"{"name":"a","size":1,"type":""}"#)])
        _ = uploads.accept([try! ChosenFile(json: #"{"name":"b","size":1,"type":""}"#)])
        #expect(first[0].state == .cancelled)
        #expect(uploads.entries.map(\.name) == ["b"])
    }

    @Test func theBrowsersListIsCheckedNotTrusted() {
        #expect(throws: (any Error).self) { try ChosenFile(json: #"{"name":"x","size":-1,"type":""}"#) }
        #expect(throws: (any Error).self) { try ChosenFile(json: #"{"name":"x","size":1e400,"type":""}"#) }
        #expect(throws: (any Error).self) { try ChosenFile(json: #"{"name":"x","size":1.5,"type":""}"#) }
        #expect(throws: (any Error).self) { try ChosenFile(json: #"{"size":1}"#) }
        let long = try! ChosenFile(json: #"{"name":"\#(String(repeating: "é", count: 1000))","size":1}"#)
        #expect(long.name.count == 255)
        #expect(long.type == "")
    }

    @Test func cancellingEndsOnlyARunningUpload() {
        let entry = UploadEntry(id: 1, index: 0, name: "a", size: 10, contentType: "")
        entry.state = .done
        entry.cancel()
        #expect(entry.state == .done)
        let running = UploadEntry(id: 2, index: 0, name: "b", size: 10, contentType: "")
        running.state = .uploading
        running.received = 5
        #expect(running.percent == 50)
        running.cancel()
        #expect(running.state == .cancelled)
    }

    @Test("a cancelled upload's loop throws, so the reader never takes a part of the file for all of it")
    func cancelledChunksThrow() async throws {
        let reader = Task {
            let entry = UploadEntry(id: 1, index: 0, name: "a", size: 1_000, contentType: "")
            let chunks = UploadChunks(stream: AsyncThrowingStream(unfolding: { [1, 2, 3] }), entry: entry, progressed: {})
            var received = 0
            for try await chunk in chunks {
                received += chunk.count
                // Cancelled between two chunks, as the cancel button does.
                withUnsafeCurrentTask { $0?.cancel() }
            }
            return received
        }
        await #expect(throws: CancellationError.self) { _ = try await reader.value }
    }

    @Test func progressOfAnEmptyFile() {
        let entry = UploadEntry(id: 1, index: 0, name: "empty", size: 0, contentType: "")
        #expect(entry.fraction == 0)
        entry.state = .done
        #expect(entry.fraction == 1)
    }

    @Test func sizesForPeople() {
        #expect(ByteCount.describe(0) == "0 B")
        #expect(ByteCount.describe(999) == "999 B")
        #expect(ByteCount.describe(1000) == "1 KB")
        #expect(ByteCount.describe(12_345_678) == "12.3 MB")
        #expect(ByteCount.describe(Int.max) == "9223372 TB")
    }

    @Test func tooManyFilesThroughTheBrowserOpenNone() async throws {
        let js = ScriptedJS()
        js.reply("Tether.files.list", value: listing([("a", 1), ("b", 1), ("c", 1)]))
        let host = try await ComponentTestHost(UploadHost(uploads: FileUploads(maxFileSize: 10, maxFiles: 2)), js: js)
        try await host.fire("change", at: "#file")
        // The listing waits its turn on the test host's one executor, shared by every test running
        // at once: on a machine at load 16 it once took more than the default 5 s.
        try await host.nextRender(timeout: .seconds(30))
        #expect(host.find("#problem")?.text == "You chose 3 files; at most 2 can be uploaded at a time.")
        #expect(!js.calls.contains { $0.identifier == "Tether.files.open" })
    }

    @Test func anOversizeFileIsNeverOpened() async throws {
        let js = ScriptedJS()
        js.reply("Tether.files.list", value: listing([("big", 11)]))
        let host = try await ComponentTestHost(UploadHost(uploads: FileUploads(maxFileSize: 10)), js: js)
        try await host.fire("change", at: "#file")
        try await host.nextRender(timeout: .seconds(30))
        #expect(host.findAll(".entry").count == 1)
        #expect(host.component.opened.isEmpty)
        #expect(!js.calls.contains { $0.identifier == "Tether.files.open" })
    }
}

extension ChosenFile {
    init(json: String) throws {
        self = try WireDecoder().decode(ChosenFile.self, from: try JSONParser.parse(json))
    }
}
