import ServiceLifecycle

/// Waits for graceful shutdown, then tells every browser and closes the circuits.
struct CircuitShutdown: Service {
    let registry: CircuitRegistry

    func run() async throws {
        try? await gracefulShutdown()
        await registry.shutdown(reason: "The server is shutting down.")
    }
}
