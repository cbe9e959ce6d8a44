import TetherUI

extension ServiceValues {
    /// The node serving this circuit, which /chat shows: `DemoApp.make` copies
    /// `TetherApp.persistence.nodeName` here, and the demo's main copies it again once the
    /// environment (`TETHER_NODE_NAME`) has set it.
    public var nodeName: String {
        get { self[NodeNameKey.self] }
        set { self[NodeNameKey.self] = newValue }
    }
}

private enum NodeNameKey: ServiceKey {
    static let defaultValue = "unnamed"
}
