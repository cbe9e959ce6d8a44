@testable import TetherUI

extension Renderer {
    /// The mounted components of one type, in mount order, so a test can read their counters.
    func components<C: Component>(_ type: C.Type) -> [C] {
        byID.values.sorted { $0.id < $1.id }.compactMap { $0.instance as? C }
    }
}
