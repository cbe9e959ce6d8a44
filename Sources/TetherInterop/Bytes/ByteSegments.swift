import Foundation
import Synchronization

/// Byte arrays travel beside the JSON, never inside it: each is sent in binary WebSocket frames,
/// `[segment id: UInt32 little-endian][bytes]`, before the JSON message that refers to it as
/// `{"__tetherBytes": id}`. A large array may come in several frames with the same id, which are
/// joined in order. No Base64, no number arrays.
package enum ByteSegment {
    package static func frame(id: Int, bytes: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4 + bytes.count)
        let id32 = UInt32(truncatingIfNeeded: id)
        out.append(UInt8(id32 & 0xFF))
        out.append(UInt8((id32 >> 8) & 0xFF))
        out.append(UInt8((id32 >> 16) & 0xFF))
        out.append(UInt8(id32 >> 24))
        out.append(contentsOf: bytes)
        return out
    }

    package static func parse(_ frame: [UInt8]) -> (id: Int, bytes: ArraySlice<UInt8>)? {
        guard frame.count >= 4 else { return nil }
        let id = Int(frame[0]) | Int(frame[1]) << 8 | Int(frame[2]) << 16 | Int(frame[3]) << 24
        return (id, frame[4...])
    }
}

/// Byte segments the browser sent that no message has claimed yet. Bounded: a browser cannot
/// make the server hold more than `limit` bytes this way.
final class InboundByteSegments: Sendable {
    private struct State {
        var segments: [Int: [UInt8]] = [:]
        var total = 0
    }

    private let state = Mutex(State())
    let limit: Int
    private let account: BudgetAccount
    private let instruments: TetherInstruments

    init(limit: Int, account: BudgetAccount = .unlimited(), instruments: TetherInstruments = .disabled) {
        self.limit = limit
        self.account = account
        self.instruments = instruments
    }

    var heldBytes: Int { state.withLock { $0.total } }

    func store(_ frame: [UInt8]) throws(ProtocolViolation) {
        guard let (id, bytes) = ByteSegment.parse(frame) else {
            throw ProtocolViolation("binary frame too short: a byte segment needs a 4-byte id")
        }
        let cost = bytes.count + MemoryCost.byteSegmentOverhead
        try state.withLock { (state: inout State) throws(ProtocolViolation) in
            guard state.total + bytes.count <= limit else {
                instruments.refused(.maxPendingBytes)
                throw ProtocolViolation("byte arrays in flight exceed the limit of \(limit) bytes")
            }
            guard account.tryReserve(cost) else {
                throw ProtocolViolation("byte arrays in flight exceed this client's memory budget of \(account.budget.limit) bytes")
            }
            state.segments[id, default: []].append(contentsOf: bytes)
            state.total += cost
        }
    }

    func take(_ id: Int) -> [UInt8]? {
        let bytes = state.withLock { state -> [UInt8]? in
            guard let bytes = state.segments.removeValue(forKey: id) else { return nil }
            return bytes
        }
        guard let bytes else { return nil }
        // Each frame of a segment was charged its overhead; one is returned here, the rest stay
        // counted until the circuit ends, which only over-counts.
        let cost = bytes.count + MemoryCost.byteSegmentOverhead
        state.withLock { $0.total = max(0, $0.total - cost) }
        account.release(cost)
        return bytes
    }

    /// Frees every unclaimed segment: the circuit ended, or its socket dropped and with it any
    /// call that could have claimed them.
    func removeAll() {
        let total = state.withLock { state in
            defer { state = State() }
            return state.total
        }
        account.release(total)
    }
}

/// Raised while decoding when a `{"__tetherBytes": id}` marker names no segment.
struct MissingByteSegment: Error, CustomStringConvertible {
    let id: Int
    var description: String { "no byte segment with id \(id) was received" }
}
