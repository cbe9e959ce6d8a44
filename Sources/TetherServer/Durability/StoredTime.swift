import Foundation

/// How stores keep ``CircuitRecord/expiresAt``: whole milliseconds since 1970, so an integer
/// column compares and indexes it. Every store rounds the same way (to the nearest), so a record is
/// expired at the same instant whichever store holds it.
package enum StoredTime {
    package static func milliseconds(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 * 1_000).rounded())
    }

    package static func date(milliseconds: Int) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1_000)
    }
}
