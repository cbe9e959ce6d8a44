import Observation
import TetherUI

/// State shared without `stateHasChanged()`. `#shared-count` is the app's `SharedCounter`: a click
/// in one tab updates every tab showing it. Below, two sibling components each read one half of a
/// `Tally` the page owns; a click changes one half, and only the component that read it renders
/// again (each shows how many times it rendered).
public final class SharedPage: Page {
    public static let route = "/shared"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    @Inject(\.sharedCounter) var counter
    private let tally = Tally()

    public var body: Content {
        h1 { "Shared state" }
        p { "Clicks by everyone: "; span(.id("shared-count")) { counter.count } }
        p { button(.id("shared-increment"), .type("button")) { "Add one for everyone" }.onClick { self.counter.increment() } }
        TallyHalf(tally: tally, side: .left)
        TallyHalf(tally: tally, side: .right)
        p {
            button(.id("left-add"), .type("button")) { "Left + 1" }.onClick { self.tally.left += 1 }
            button(.id("right-add"), .type("button")) { "Right + 1" }.onClick { self.tally.right += 1 }
        }
    }
}

/// Two counts in one model.
@Observable
final class Tally {
    var left = 0
    var right = 0
}

/// One half of a `Tally`, and how many times its body ran.
final class TallyHalf: Component {
    enum Side: String { case left, right }

    var tally: Tally
    var side: Side
    static let parameters = Parameters(\TallyHalf.tally, \.side)
    private var renders = 0

    init(tally: Tally, side: Side) {
        self.tally = tally
        self.side = side
    }

    var body: Content {
        let _ = renders += 1
        p(.id("\(side.rawValue)-half")) {
            "\(side.rawValue): "
            span(.id("\(side.rawValue)-value")) { side == .left ? tally.left : tally.right }
            " (rendered "
            span(.id("\(side.rawValue)-renders")) { renders }
            " times)"
        }
    }
}
