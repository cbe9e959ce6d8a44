import CompressNIO
import Crypto
import NIOCore
import TetherUI

/// What a hibernated circuit keeps of its page: the URL, the durable snapshot of its components'
/// persisted state (the bytes a circuit store holds, ``ComponentStates``), deflated when that
/// makes them smaller, a digest of the HTML the browser shows, and the last batch number.
///
/// The components, the render tree and the handler tables are gone; the revive rebuilds them
/// from the URL and the snapshot, as a resume from a store does, and the digest tells whether
/// the rebuilt render is the one the page shows.
struct HibernatedPage: Sendable {
    let url: String
    /// The last batch the page was sent; the revived circuit numbers on from it.
    let lastBatch: Int
    /// The snapshot's bytes, deflated (raw DEFLATE, no header) when `inflatedCount` is set.
    private let bytes: [UInt8]
    private let inflatedCount: Int?
    private let shownDigest: [UInt8]

    init(url: String, states: ComponentStates, shownHTML: String, lastBatch: Int) {
        self.url = url
        self.lastBatch = lastBatch
        shownDigest = Array(SHA256.hash(data: Array(shownHTML.utf8)))
        let serialized = states.serialized()
        // A snapshot of a few short values comes out of DEFLATE no smaller: it is kept as is.
        if let deflated = Self.deflate(serialized), deflated.count < serialized.count {
            bytes = deflated
            inflatedCount = serialized.count
        } else {
            bytes = serialized
            inflatedCount = nil
        }
    }

    /// What the snapshot holds in memory: its bytes, whether deflated or not.
    var storedBytes: Int { bytes.count }
    var isDeflated: Bool { inflatedCount != nil }

    /// Whether `html` is what the page showed when the circuit hibernated.
    func shows(_ html: String) -> Bool {
        Array(SHA256.hash(data: Array(html.utf8))) == shownDigest
    }

    /// The snapshot as the renderer restores it.
    func states() throws -> ComponentStates {
        var serialized = bytes
        if let inflatedCount {
            var buffer = ByteBuffer(bytes: bytes)
            let inflated = try buffer.decompress(with: .deflate, maxSize: inflatedCount)
            serialized = Array(inflated.readableBytesView)
            guard serialized.count == inflatedCount else { throw Failure.truncated(inflatedCount, serialized.count) }
        }
        return try ComponentStates(bytes: serialized, formatVersion: ComponentStates.formatVersion)
    }

    private static func deflate(_ bytes: [UInt8]) -> [UInt8]? {
        var buffer = ByteBuffer(bytes: bytes)
        guard let deflated = try? buffer.compress(with: .deflate) else { return nil }
        return Array(deflated.readableBytesView)
    }

    enum Failure: Error, CustomStringConvertible {
        case truncated(Int, Int)

        var description: String {
            switch self {
            case .truncated(let expected, let got): "the hibernated snapshot inflated to \(got) bytes, not \(expected)"
            }
        }
    }
}
