import TetherUI

/// A page only a test harness turns on (`TETHER_TEST_TRAPS=1`): its button traps the process,
/// so the end-to-end harness can prove it notices a server that dies during a test.
final class TrapPage: Page {
    static let route = "/test/trap"

    var body: Content {
        h1 { "Trap" }
        button(.id("trap")) { "Trap the server" }.onClick { fatalError("a test asked the server to trap") }
    }
}
