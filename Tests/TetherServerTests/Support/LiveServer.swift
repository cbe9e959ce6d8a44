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
/// is bounded: a connection that a peer leaves half-open cannot keep the test process alive.
/// Graceful shutdown turns into cancellation after `shutdownGrace`, and a server that still has
/// not stopped some seconds later is left behind with a note rather than hanging the run.
func withLiveServer(
    _ app: some ApplicationProtocol, shutdownGrace: Duration = .seconds(3),
    _ body: @Sendable (_ http: TestClient, _ port: Int) async throws -> Void
) async throws {
    let reporting = PortReportingApplication(base: app)
    var configuration = ServiceGroupConfiguration(services: [reporting], logger: app.logger)
    configuration.maximumGracefulShutdownDuration = shutdownGrace
    let group = ServiceGroup(configuration: configuration)
    let stopped = OneShot<Void>()
    let running = Task {
        do {
            try await group.run()
            stopped.fulfill(.success(()))
        } catch {
            stopped.fulfill(.failure(error))
        }
    }
    let port: Int
    do {
        port = try await reporting.port.value(timeout: .seconds(30), "the server to start")
    } catch {
        running.cancel()
        throw error
    }
    let http = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(20)))
    http.connect()
    let outcome: Result<Void, any Error>
    do {
        try await body(http, port)
        outcome = .success(())
    } catch {
        outcome = .failure(error)
    }
    try? await http.shutdown()
    await group.triggerGracefulShutdown()
    do {
        try await stopped.value(timeout: shutdownGrace + .seconds(5), "the test server on port \(port) to stop")
    } catch is WaitTimeout {
        // Not a failure of the test at hand, but worth seeing: some connection outlived it.
        print("note: the test server on port \(port) did not stop within \(shutdownGrace + .seconds(5)); left behind")
    }
    try outcome.get()
}
