import Testing
import TetherInterop

@Suite("Duration in nanoseconds: exact in range, clamped outside it")
struct DurationNanosecondsTests {
    @Test func exactWithinRange() {
        #expect(Duration.milliseconds(1_500).clampedNanoseconds == 1_500_000_000)
        #expect(Duration.nanoseconds(7).clampedNanoseconds == 7)
        #expect(Duration.milliseconds(-250).clampedNanoseconds == -250_000_000)
        #expect(Duration.zero.clampedNanoseconds == 0)
    }

    @Test("a duration of centuries is the largest count, not a wrapped negative one")
    func clampedOutsideRange() {
        #expect(Duration.seconds(Int64.max).clampedNanoseconds == .max)
        #expect(Duration.seconds(Int64.min).clampedNanoseconds == .min)
        // 292 years is just past Int64 nanoseconds.
        #expect(Duration.seconds(9_223_372_037).clampedNanoseconds == .max)
        #expect(Duration.seconds(9_223_372_036).clampedNanoseconds > 0)
    }
}
