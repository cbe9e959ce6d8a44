import Testing
import TetherInterop

@Suite("FIFOQueue: first in, first out, across its compactions")
struct FIFOQueueTests {
    @Test("a queue that never empties keeps order while its taken prefix is dropped")
    func orderAcrossCompaction() {
        var queue = FIFOQueue<Int>()
        var taken: [Int] = []
        for value in 0..<1_000 {
            queue.append(value)
            // Two in, one out: the queue grows and compacts many times, never empty.
            if value % 2 == 1, let first = queue.popFirst() { taken.append(first) }
        }
        #expect(taken == Array(0..<500))
        #expect(queue.count == 500)
        #expect(queue.first == 500)
        #expect(queue.removeAll() == Array(500..<1_000))
        #expect(queue.isEmpty)
        #expect(queue.popFirst() == nil)
    }

    @Test("emptied and refilled, it starts again from the new first element")
    func refill() {
        var queue = FIFOQueue<String>()
        queue.append("a")
        #expect(queue.popFirst() == "a")
        #expect(queue.first == nil)
        queue.append("b")
        queue.append("c")
        #expect(queue.popFirst() == "b")
        #expect(queue.count == 1)
    }
}
