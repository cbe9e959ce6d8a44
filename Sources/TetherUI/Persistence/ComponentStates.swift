import TetherInterop

/// The persisted state of every component of one page: for each component's place in the tree,
/// its saved properties by name. This is the snapshot a circuit store holds, as JSON:
///
/// ```json
/// {"components": {"Counter": {"count": 3}, "Todos/TodoRow#42": {"done": true}}}
/// ```
///
/// A place is the component's type name for the page and its layout, and below them its parent's
/// place, a `/`, its type name, then `#key` for a keyed child or `@n` for the n-th child
/// component its parent's body writes. The same page rendered again has the same places.
package struct ComponentStates: Sendable, Equatable {
    /// The format this process writes and reads; a store row of any other is not restored.
    package static let formatVersion = 1

    package var components: [String: [String: JSONValue]]

    package init(components: [String: [String: JSONValue]] = [:]) {
        self.components = components
    }

    package var isEmpty: Bool { components.isEmpty }

    /// The snapshot as JSON bytes, places and names in order, so equal states give equal bytes.
    package func serialized() -> [UInt8] {
        Array(Self.document(components.keys.sorted().map { ($0, components[$0]!) }).utf8)
    }

    /// How many bytes each place's state takes, largest first: what a log names when a snapshot
    /// is too large.
    package func sizesByPlace() -> [(place: String, bytes: Int)] {
        components.map { place, values in (place, Self.document([(place, values)]).utf8.count) }.sorted { $0.bytes > $1.bytes }
    }

    private static func document(_ entries: [(String, [String: JSONValue])]) -> String {
        let places = entries.map { place, values in
            (key: place, value: JSONValue.object(values.keys.sorted().map { (key: $0, value: values[$0]!) }))
        }
        return JSONValue.object([(key: "components", value: .object(places))]).serialized()
    }

    /// Why saved bytes are not a snapshot this process can restore.
    package enum ReadError: Error, CustomStringConvertible {
        case unknownFormat(Int)
        case malformed(String)

        package var description: String {
            switch self {
            case .unknownFormat(let version):
                "the snapshot's format version is \(version); this server reads version \(ComponentStates.formatVersion)"
            case .malformed(let reason): "the snapshot is not valid: \(reason)"
            }
        }
    }

    /// Reads a snapshot written by `serialized()` in format `version`.
    package init(bytes: [UInt8], formatVersion version: Int) throws(ReadError) {
        guard version == Self.formatVersion else { throw .unknownFormat(version) }
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw .malformed("\(error)")
        }
        guard case .object(let places)? = root["components"] else { throw .malformed("no 'components' object") }
        var components: [String: [String: JSONValue]] = [:]
        for (place, state) in places {
            guard case .object(let values) = state else { throw .malformed("the state of '\(LogSafe.clip(place))' is not an object") }
            components[place] = Dictionary(values.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        }
        self.components = components
    }
}

/// Something about persisted state that a log should say: a value that did not decode or encode.
package struct PersistenceProblem: Sendable, Equatable, CustomStringConvertible {
    /// `place.name`, the key the problem concerns.
    package let key: String
    package let reason: String

    package var description: String { "\(key): \(reason)" }
}
