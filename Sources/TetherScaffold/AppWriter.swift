import Foundation

/// Writes a new app's files into a folder that is new or empty, and nowhere else: nothing of the
/// user's is ever overwritten.
package enum AppWriter {
    /// Writes `template`'s files under `folder` (an absolute path), making the folder and its
    /// parents when missing.
    package static func write(_ template: AppTemplate, to folder: String) throws(Failure) {
        let manager = FileManager.default
        // SwiftPM names the app's package after its folder and Tether after its own: the same name
        // twice is a conflict the app's first build would report far from its cause.
        let folderIdentity = TetherSource.packageIdentity(ofPath: folder)
        if folderIdentity == template.tether.packageIdentity {
            throw .sameIdentityAsTether(folder: folder, identity: folderIdentity)
        }
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: folder, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw .notAFolder(folder) }
            let entries: [String]
            do {
                entries = try manager.contentsOfDirectory(atPath: folder)
            } catch {
                throw .unreadable(folder, reason: Self.reason(error))
            }
            if !entries.isEmpty { throw .notEmpty(folder, entries: entries.sorted()) }
        }
        for file in template.files {
            let url = URL(fileURLWithPath: folder, isDirectory: true).appendingPathComponent(file.path)
            do {
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: url, options: .withoutOverwriting)
                if file.isExecutable {
                    try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
                }
            } catch {
                throw .cannotWrite(url.path, reason: Self.reason(error))
            }
        }
    }

    /// The operating system's words for a failure, without Foundation's wrapping around them.
    private static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        return (underlying ?? error as NSError).localizedDescription
    }

    /// Why nothing (or not everything) was written.
    package enum Failure: Error, Equatable, CustomStringConvertible {
        case sameIdentityAsTether(folder: String, identity: String)
        case notAFolder(String)
        case notEmpty(String, entries: [String])
        case unreadable(String, reason: String)
        case cannotWrite(String, reason: String)

        package var description: String {
            switch self {
            case .sameIdentityAsTether(let folder, let identity):
                return "\(folder) would make a package SwiftPM calls '\(identity)', as it calls the Tether it depends on; put the app in a folder with another name"
            case .notAFolder(let path):
                return "\(path) is a file; the app goes into a new or empty folder"
            case .notEmpty(let path, let entries):
                let shownEntries = entries.prefix(3).map { quoted($0) }.joined(separator: ", ") + (entries.count > 3 ? ", …" : "")
                return "\(path) is not empty (it holds \(shownEntries)); the app goes into a new or empty folder, so nothing of yours is overwritten"
            case .unreadable(let path, let reason):
                return "cannot list \(path) to check that it is empty: \(reason)"
            case .cannotWrite(let path, let reason):
                return "cannot write \(path): \(reason)"
            }
        }
    }
}
