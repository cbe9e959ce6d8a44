import Observation
import Synchronization
import TetherUI

/// One count for the whole app, shown by every circuit that reads it: a service registered once
/// on the app (`app.services.sharedCounter`) and injected with `@Inject(\.sharedCounter)`.
///
/// Circuits run on different threads, so the count lives behind a lock, and the class writes its
/// observation by hand rather than let `@Observable` generate stored properties.
@Observable
public final class SharedCounter: Sendable {
    private let value = Mutex(0)

    public init() {}

    public var count: Int {
        access(keyPath: \.count)
        return value.withLock { $0 }
    }

    public func increment() {
        value.withLock { $0 += 1 }
        // Announced after the change, not around it: a circuit on another thread may re-render as
        // soon as it hears, and must then read the new count.
        withMutation(keyPath: \.count) {}
    }
}

extension ServiceValues {
    public var sharedCounter: SharedCounter {
        get { self[SharedCounterKey.self] }
        set { self[SharedCounterKey.self] = newValue }
    }
}

private enum SharedCounterKey: ServiceKey {
    static let defaultValue = SharedCounter()
}
