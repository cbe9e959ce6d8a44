import Foundation
import Testing

@testable import TetherScaffold

@Suite struct AppWriterTests {
    let template = AppTemplate(name: try! AppName("Shop"), tether: .checkout(path: "/work/main"))

    @Test func writesEveryFileIntoANewFolderAndItsParents() throws {
        let scratch = try Scratch()
        let folder = scratch.path + "/apps/Shop"
        try AppWriter.write(template, to: folder)
        for file in template.files {
            let path = folder + "/" + file.path
            #expect(try String(contentsOfFile: path, encoding: .utf8) == file.contents)
            let permissions = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect((permissions & 0o111 != 0) == file.isExecutable, "\(file.path): \(String(permissions, radix: 8))")
        }
    }

    @Test func writesIntoAnEmptyFolder() throws {
        let scratch = try Scratch()
        let folder = try scratch.folder("Shop")
        try AppWriter.write(template, to: folder)
        #expect(FileManager.default.fileExists(atPath: folder + "/Package.swift"))
    }

    @Test func refusesAFolderWithAnythingInItAndWritesNothing() throws {
        let scratch = try Scratch()
        let folder = try scratch.folder("Shop")
        try scratch.write("Shop/.git", "")
        #expect(throws: AppWriter.Failure.notEmpty(folder, entries: [".git"])) { try AppWriter.write(template, to: folder) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [".git"])
        for name in ["b", "a", "d", "c"] { try scratch.write("Shop/" + name, "") }
        #expect(
            AppWriter.Failure.notEmpty(folder, entries: [".git", "a", "b", "c", "d"]).description
                == "\(folder) is not empty (it holds '.git', 'a', 'b', …); the app goes into a new or empty folder, so nothing of yours is overwritten")
        #expect(throws: AppWriter.Failure.notEmpty(folder, entries: [".git", "a", "b", "c", "d"])) { try AppWriter.write(template, to: folder) }
    }

    @Test func refusesAFile() throws {
        let scratch = try Scratch()
        let file = try scratch.write("Shop", "mine")
        #expect(throws: AppWriter.Failure.notAFolder(file)) { try AppWriter.write(template, to: file) }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "mine")
    }

    @Test func refusesAFolderNamedAsTetherIsBecauseSwiftPMWouldConfuseThem() throws {
        let scratch = try Scratch()
        let folder = scratch.path + "/Main"
        #expect(throws: AppWriter.Failure.sameIdentityAsTether(folder: folder, identity: "main")) { try AppWriter.write(template, to: folder) }
        #expect(!FileManager.default.fileExists(atPath: folder))
        #expect(
            AppWriter.Failure.sameIdentityAsTether(folder: folder, identity: "main").description
                == "\(folder) would make a package SwiftPM calls 'main', as it calls the Tether it depends on; put the app in a folder with another name")
    }

    #if os(Linux)
    @Test func namesTheFileItCouldNotWrite() throws {
        // Not even root can make a folder in /proc.
        let folder = "/proc/tether-scaffold-test/Shop"
        do throws(AppWriter.Failure) {
            try AppWriter.write(template, to: folder)
            Issue.record("wrote into /proc")
        } catch .cannotWrite(let path, let reason) {
            #expect(path == folder + "/Package.swift")
            #expect(!reason.isEmpty)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
    #endif
}
