import TetherServer
import TetherUI

extension TetherApp {
    /// Makes this app one node of a cluster whose nodes share the PostgreSQL database at
    /// `postgresURL`: circuits are saved there (``PostgresCircuitStore``), so a page whose node
    /// died resumes on another; `pubsub` runs over `LISTEN`/`NOTIFY` there (``PostgresPubSub``),
    /// so a message reaches subscribers on every node; and descriptors are signed with `signer`,
    /// whose key every node must share (a node with another key fails at start).
    ///
    /// ```swift
    /// var app = TetherApp(pages: [Chat.self])
    /// let environment = ProcessInfo.processInfo.environment
    /// try app.joinCluster(
    ///     postgresURL: environment["DATABASE_URL"] ?? "postgres://tether@127.0.0.1/app",
    ///     nodeName: environment["NODE_NAME"] ?? "node-1",
    ///     signer: try DescriptorSigner(environment: environment))   // TETHER_SIGNING_KEY
    /// ```
    ///
    /// `nodeName` must differ between nodes and stay the same across a node's restarts: the store
    /// records which node owns each circuit by it.
    public mutating func joinCluster(postgresURL: String, nodeName: String, signer: DescriptorSigner) throws {
        persistence.storage = .store(try PostgresCircuitStore(url: postgresURL))
        persistence.nodeName = nodeName
        pubsub = try PostgresPubSub(url: postgresURL)
        self.signer = signer
    }
}
