import CompressNIO
import Crypto
import NIOCore
import TetherUI

/// What a hibernated circuit keeps of its page: the URL, the durable snapshot of its components'
/// persisted state (the bytes a circuit store holds, ``ComponentStates``) with each component's
/// id by its place, deflated when that makes them smaller, a digest of the HTML the browser
/// shows, and the last batch number.
///
/// The components, the render tree and the handler tables are gone; the revive rebuilds them
/// from the URL and the snapshot, as a resume from a store does, under the same component ids
/// (the page's handler ids name them), and the digest tells whether the rebuilt render is the
/// one the page shows.
struct HibernatedPage: Sendable {
    let url: String
    /// The last batch the page was sent; the revived circuit numbers on from it.
    let lastBatch: Int
    /// The snapshot's bytes, then the ids (`place NUL id NUL`, repeated); deflated (raw DEFLATE,
    /// no header) when `inflatedCount` is set.
    private let bytes: [UInt8]
    private let inflatedCount: Int?
    /// How many of the (inflated) bytes are the snapshot; the ids follow.
    private let statesCount: Int
    private let shownDigest: [UInt8]

    init(url: String, states: ComponentStates, componentIDs: [String: Int] = [:], shownHTML: String, lastBatch: Int) {
        self.url = url
        self.lastBatch = lastBatch
        shownDigest = Array(SHA256.hash(data: Array(shownHTML.utf8)))
        var payload = states.serialized()
        statesCount = payload.count
        // A place with a NUL in it (a key that holds one) is left out: that component then
        // gets a new id, the trial render differs, and the circuit stays awake.
        for (place, id) in componentIDs.sorted(by: { $0.value < $1.value }) where !place.utf8.contains(0) {
            payload += Array(place.utf8) + [0] + Array(String(id).utf8) + [0]
        }
        // A snapshot of a few short values comes out of DEFLATE no smaller: it is kept as is.
        if let deflated = Self.deflate(payload), deflated.count < payload.count {
            bytes = deflated
            inflatedCount = payload.count
        } else {
            bytes = payload
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
        try contents().states
    }

    /// The snapshot and the component ids, as a rebuilt renderer takes them.
    func contents() throws -> (states: ComponentStates, componentIDs: [String: Int]) {
        var payload = bytes
        if let inflatedCount {
            var buffer = ByteBuffer(bytes: bytes)
            let inflated = try buffer.decompress(with: .deflate, maxSize: inflatedCount)
            payload = Array(inflated.readableBytesView)
            guard payload.count == inflatedCount else { throw Failure.truncated(inflatedCount, payload.count) }
        }
        let states = try ComponentStates(bytes: Array(payload[..<statesCount]), formatVersion: ComponentStates.formatVersion)
        var componentIDs: [String: Int] = [:]
        let fields = payload[statesCount...].split(separator: 0, omittingEmptySubsequences: false)
        var index = fields.startIndex
        while index + 1 < fields.endIndex {
            guard let id = Int(String(decoding: fields[index + 1], as: UTF8.self)) else { throw Failure.malformedIDs }
            componentIDs[String(decoding: fields[index], as: UTF8.self)] = id
            index += 2
        }
        return (states, componentIDs)
    }

    private static func deflate(_ bytes: [UInt8]) -> [UInt8]? {
        var buffer = ByteBuffer(bytes: bytes)
        guard let deflated = try? buffer.compress(with: .deflate) else { return nil }
        return Array(deflated.readableBytesView)
    }

    enum Failure: Error, CustomStringConvertible {
        case truncated(Int, Int)
        case malformedIDs

        var description: String {
            switch self {
            case .truncated(let expected, let got): "the hibernated snapshot inflated to \(got) bytes, not \(expected)"
            case .malformedIDs: "the hibernated snapshot's component ids are malformed"
            }
        }
    }
}
