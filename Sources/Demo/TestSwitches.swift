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

/// A page whose markup goes wrong after a click (also under `TETHER_TEST_TRAPS=1`): a debug build
/// must end the circuit with a message naming the element, not drop the handler silently.
final class MarkupProblemPage: Page {
    static let route = "/test/markup-problem"
    private var broken = false

    var body: Content {
        h1 { "Markup problem" }
        button(.id("break")) { "Break the markup" }.onClick { self.broken = true }
        if broken {
            button(.id("misspelled")) { "Misspelled event" }.on("clik") {}
        }
    }
}
