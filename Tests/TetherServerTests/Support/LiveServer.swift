import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle

/// An application that reports the port it bound, so a test can serve on port 0.
private struct PortReportingApplication<Base: ApplicationProtocol>: ApplicationProtocol {
    let base: Base
    let port = OneShot<Int>()

    var responder: Base.Responder { get async throws { try await base.responder } }
    var server: HTTPServerBuilder { base.server }
    var eventLoopGroup: any EventLoopGroup { base.eventLoopGroup }
    var configuration: ApplicationConfiguration { base.configuration }
    var logger: Logger { base.logger }
    var services: [any Service] { base.services }
    var processesRunBeforeServerStart: [@Sendable () async throws -> Void] { base.processesRunBeforeServerStart }

    @Sendable func onServerRunning(_ channel: any Channel) async {
        await base.onServerRunning(channel)
        port.fulfill(channel.localAddress?.port.map { .success($0) } ?? .failure(ConnectionEnded(description: "the server has no port")))
    }
}

/// Serves `app` for the length of `body`, like HummingbirdTesting's `.live`, except that stopping
/// is bounded: a connection that a peer leaves half-open cannot keep the test process alive, because
/// graceful shutdown turns into cancellation after `shutdownGrace`.
func withLiveServer(
    _ app: some ApplicationProtocol, shutdownGrace: Duration = .seconds(3),
    _ body: @Sendable (_ http: TestClient, _ port: Int) async throws -> Void
) async throws {
    let reporting = PortReportingApplication(base: app)
    var configuration = ServiceGroupConfiguration(services: [reporting], logger: app.logger)
    configuration.maximumGracefulShutdownDuration = shutdownGrace
    let group = ServiceGroup(configuration: configuration)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let port = try await reporting.port.value(timeout: .seconds(30), "the server to start")
        let http = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(20)))
        http.connect()
        do {
            try await body(http, port)
        } catch {
            try? await http.shutdown()
            await group.triggerGracefulShutdown()
            throw error
        }
        try await http.shutdown()
        let stopping = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        if ContinuousClock.now - stopping >= shutdownGrace {
            // Not a failure of the test at hand, but worth seeing: some connection outlived it.
            print("note: the test server on port \(port) needed cancelling to stop")
        }
    }
}
