import Testing
import TetherPostgres
import TetherServer
import TetherUI

@Suite("joinCluster: one call makes an app a node of a PostgreSQL cluster")
struct JoinClusterTests {
    @Test func joinClusterSetsTheStoreThePubSubTheNodeAndTheKey() async throws {
        var app = TetherApp(pages: [])
        let signer = DescriptorSigner(key: Array(repeating: 7, count: 32))
        try app.joinCluster(postgresURL: "postgres://tether@127.0.0.1:1/tether_test", nodeName: "node-7", signer: signer)
        guard case .store(let store) = app.persistence.storage else {
            Issue.record("the storage is \(app.persistence.storage), not a store")
            return
        }
        let postgresStore = try #require(store as? PostgresCircuitStore)
        let pubsub = try #require(app.pubsub as? PostgresPubSub)
        #expect(app.persistence.nodeName == "node-7")
        #expect(app.signer.keyFingerprint == signer.keyFingerprint)
        await pubsub.close()
        await postgresStore.close()
    }

    @Test func aURLThatIsNoURLIsRefusedBeforeAnythingChanges() {
        var app = TetherApp(pages: [])
        #expect(throws: (any Error).self) {
            try app.joinCluster(postgresURL: "not a url", nodeName: "node-1", signer: DescriptorSigner())
        }
        if case .store = app.persistence.storage { Issue.record("a failed join changed the storage") }
    }
}
