import Dispatch
import NIOCore

/// Runs one circuit's jobs one at a time: the circuit actor's own, and those of the work it
/// starts on behalf of components (event handlers, `launch`, uploads, async content).
///
/// A component's closures are written in nonisolated classes, so Swift gives them no actor: an
/// async closure such as `launch { … }` or an `onClick` handler would run on the global pool, in
/// parallel with the circuit rendering the same component (a click's state change could land
/// between a render reading the component and clearing its dirty flag, and be lost). The circuit
/// starts that work with this executor as its task executor preference, and uses it as the actor's
/// serial executor too, so component code and the circuit's own interleave only where one of them
/// awaits, as Blazor's renderer dispatcher guarantees.
///
/// Jobs run on the event loop of the socket that opened the circuit, where its messages are read:
/// a click wakes no other thread on its way to the handler.
final class CircuitExecutor: SerialExecutor, TaskExecutor {
    private enum Backend {
        case eventLoop(any EventLoop)
        case queue(DispatchQueue)
    }

    private let backend: Backend

    /// - Parameter eventLoop: the loop to run on; nil for a serial queue of the circuit's own
    ///   (a circuit with no socket, in unit tests).
    init(eventLoop: (any EventLoop)?) {
        backend = eventLoop.map(Backend.eventLoop) ?? .queue(DispatchQueue(label: "tether.circuit"))
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let run: @Sendable () -> Void = {
            job.runSynchronously(isolatedTo: self.asUnownedSerialExecutor(), taskExecutor: self.asUnownedTaskExecutor())
        }
        switch backend {
        case .eventLoop(let loop): loop.execute(run)
        case .queue(let queue): queue.async(execute: run)
        }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
