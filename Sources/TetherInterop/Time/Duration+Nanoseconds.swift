extension Duration {
    /// The duration in whole nanoseconds, clamped to `Int64`'s range: a timeout configured as
    /// years comes out as the largest count, never as a wrapped-around negative one.
    package var clampedNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflowed) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflowed else { return seconds < 0 ? .min : .max }
        let (total, overflowedAgain) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        guard !overflowedAgain else { return attoseconds < 0 ? .min : .max }
        return total
    }
}
