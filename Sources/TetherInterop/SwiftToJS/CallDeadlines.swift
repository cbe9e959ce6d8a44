/// The timeouts of a channel's calls in flight, kept as one min-heap so that a channel needs a
/// single sleeping task for all of its calls rather than a task (and a timer) per call.
///
/// A call that completes is not searched for and removed: its deadline stays in the heap until it
/// reaches the top or the heap is compacted. `isPending` tells live deadlines from dead ones. This
/// keeps a completion free of heap work, which is what a round trip in a row needs.
package struct CallDeadlines {
    package struct Deadline: Equatable {
        package let instant: ContinuousClock.Instant
        package let callID: Int
        package let limit: Duration
    }

    private var heap: [Deadline] = []

    package init() {}

    /// Deadlines held, dead ones included.
    package var count: Int { heap.count }

    /// Adds a call's deadline; true when it is now the earliest, so a sleeper must wake sooner.
    @discardableResult
    package mutating func add(callID: Int, limit: Duration, now: ContinuousClock.Instant) -> Bool {
        let deadline = Deadline(instant: now.advanced(by: limit), callID: callID, limit: limit)
        heap.append(deadline)
        siftUp(heap.count - 1)
        return heap[0] == deadline
    }

    /// Removes and returns every deadline at or before `now`, earliest first, dead ones included.
    package mutating func removeExpired(now: ContinuousClock.Instant) -> [Deadline] {
        var expired: [Deadline] = []
        while let top = heap.first, top.instant <= now {
            expired.append(top)
            removeTop()
        }
        return expired
    }

    /// The earliest deadline of a call still pending; dead deadlines above it are dropped.
    package mutating func earliest(isPending: (Int) -> Bool) -> ContinuousClock.Instant? {
        while let top = heap.first {
            if isPending(top.callID) { return top.instant }
            removeTop()
        }
        return nil
    }

    /// Drops dead deadlines once they outnumber the live ones, so completed calls cannot grow the
    /// heap without bound while a long default timeout keeps them from reaching the top.
    package mutating func compactIfSparse(liveCount: Int, isPending: (Int) -> Bool) {
        guard heap.count > 2 * liveCount + 64 else { return }
        heap.removeAll { !isPending($0.callID) }
        guard heap.count > 1 else { return }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    package mutating func removeAll() {
        heap.removeAll()
    }

    private mutating func removeTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].instant < heap[parent].instant else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            let right = left + 1
            var smallest = left
            if right < heap.count, heap[right].instant < heap[left].instant { smallest = right }
            guard heap[smallest].instant < heap[parent].instant else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
