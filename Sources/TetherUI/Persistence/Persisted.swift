import TetherInterop

/// The stored properties of a component that survive a restart, a deploy, a crash or a paused
/// tab, each under a name of its own:
///
/// ```swift
/// @Observable final class Counter: Page {
///     static let route = "/counter"
///     static let persisted = Persisted(("count", \Counter.count))
///     var count = 0
///     var body: Content { button { "Clicked \(count) times" }.onClick { self.count += 1 } }
/// }
/// ```
///
/// Any `Codable` value works. The list is a static declaration rather than a property wrapper
/// because `@Observable` refuses wrappers on the properties it tracks, and a list works the same
/// for plain and observable components. Each property is named by a string, not derived from its
/// key path, because a key path into an `@Observable` class has no readable name at run time;
/// the name is the saved key, so renaming the Swift property keeps its saved values as long as the
/// name stays.
///
/// State that is not a plain property (a cache to rebuild, a value to validate) goes through
/// ``PersistsSnapshot`` instead, or as well.
public struct Persisted: @unchecked Sendable {
    // Unchecked: the closures only read and write the component handed to them, on the circuit
    // that owns it.
    struct Property {
        let name: String
        let capture: (AnyObject) throws -> JSONValue?
        /// Decodes a saved value; the returned closure assigns it. Split in two so that a component
        /// whose values do not all decode is left untouched.
        let decode: (JSONValue) throws -> (AnyObject) -> Void
    }

    let properties: [Property]

    /// Nothing persisted.
    public init() {
        properties = []
    }

    /// Each property as a pair of its saved name and its key path:
    /// `Persisted(("count", \Counter.count), ("draft", \Counter.draft))`. Names must be unique
    /// within the component; a repeated name keeps its first property.
    public init<Owner: AnyObject, each Value: Codable>(_ property: repeat (String, ReferenceWritableKeyPath<Owner, each Value>)) {
        var list: [Property] = []
        for entry in repeat each property {
            let next = Self.property(entry.0, entry.1)
            if !list.contains(where: { $0.name == next.name }) { list.append(next) }
        }
        properties = list
    }

    private static func property<Owner: AnyObject, Value: Codable>(_ name: String, _ keyPath: ReferenceWritableKeyPath<Owner, Value>) -> Property {
        Property(
            name: name,
            capture: { object in
                guard let owner = object as? Owner else { return nil }
                return try WireEncoder().encode(owner[keyPath: keyPath])
            },
            decode: { json in
                let value = try WireDecoder().decode(Value.self, from: json)
                return { object in (object as? Owner)?[keyPath: keyPath] = value }
            })
    }

    var isEmpty: Bool { properties.isEmpty }
}

/// A component that saves and restores state of its own making, for what a list of properties
/// cannot say: derived data, a value to check before use, a cache to rebuild.
///
/// ```swift
/// final class Board: Component, PersistsSnapshot {
///     var cells: [[Int]] = []
///     var snapshot: [[Int]] { cells }
///     func restore(from snapshot: [[Int]]) { cells = snapshot.filter { $0.count == 8 } }
///     var body: Content { p { "\(cells.count) rows" } }
/// }
/// ```
///
/// `restore(from:)` runs before `onInitialized`, like the properties in ``Persisted``, and only on
/// a restored start. Its snapshot is saved under the key `$snapshot`.
public protocol PersistsSnapshot: AnyObject {
    /// The type of what is saved: any `Codable` value.
    associatedtype Snapshot: Codable
    /// What to save; read after every change the circuit persists, at most once per
    /// `persistInterval`.
    var snapshot: Snapshot { get }
    /// Takes back what `snapshot` gave, on a new process or after a pause.
    func restore(from snapshot: Snapshot)
}

extension PersistsSnapshot {
    /// The saved name of a component's own snapshot; `$` keeps it apart from property names.
    static var snapshotKey: String { "$snapshot" }

    func captureSnapshot() throws -> JSONValue {
        try WireEncoder().encode(snapshot)
    }

    func decodeSnapshot(_ json: JSONValue) throws -> () -> Void {
        let value = try WireDecoder().decode(Snapshot.self, from: json)
        return { self.restore(from: value) }
    }
}
