import Logging

extension ComponentBase {
    /// Receives the messages published to `topic` on the app's pub/sub (`@Inject(\.pubsub)`) for
    /// as long as this component lives: the subscription ends when it is disposed. `receive` runs
    /// on the circuit's executor, one message at a time, so it may change component state; the
    /// component re-renders after each message.
    ///
    /// ```swift
    /// override func onInitialized() async throws {
    ///     try subscribe(to: "news") { [weak self] message in self?.latest = message.payload.count }
    /// }
    /// ```
    ///
    /// Call it from `onInitialized` or later. While prerendering there is no circuit to deliver to,
    /// so nothing is subscribed. Throws ``PubSubError`` for a topic the pub/sub refuses.
    public func subscribe(to topic: String, _ receive: @escaping (PubSubMessage) async -> Void) throws {
        guard let context, !context.isPrerendering else { return }
        // Subscribed now, not when the launched work first runs: nothing published in between is missed.
        let subscription = try context.services.pubsub.subscribe(to: topic)
        launch { [weak self] in
            for await message in subscription {
                await receive(message)
                self?.stateHasChanged()
            }
            subscription.end()
        }
    }

    /// Receives the values published as JSON to `topic` (``PubSub/publish(_:to:)``) for as long as
    /// this component lives, like ``subscribe(to:_:)``. A message that is not the JSON of a `Value`
    /// (anyone who can publish to the topic chose its bytes) is skipped and logged.
    public func subscribe<Value: Decodable>(to topic: String, as type: Value.Type, _ receive: @escaping (Value) async -> Void) throws {
        try subscribe(to: topic) { message in
            do {
                try await receive(message.decode(Value.self))
            } catch {
                PubSubLog.logger.warning("skipped a pub/sub message", metadata: ["error": "\(error)"])
            }
        }
    }
}

enum PubSubLog {
    static let logger = Logger(label: "tether.pubsub")
}
