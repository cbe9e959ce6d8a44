import TetherProtocol

/// A key of the JSON object that stands for a handle: its marker (`{"__tetherJSObject": 3}`) and,
/// for a stream, its length. The marker strings live in `Marker`, shared with the runtime.
package struct HandleKey: CodingKey {
    package let stringValue: String
    package var intValue: Int? { nil }

    package init(_ marker: Marker) { stringValue = marker.rawValue }
    package init?(stringValue: String) { self.stringValue = stringValue }
    package init?(intValue: Int) { nil }

    /// A stream's byte count, or null when unknown.
    package static let length = HandleKey(stringValue: "length")!
}
