/// How the browser treats the value a JS function returns.
package enum ResultMode: Int, CaseIterable, Sendable {
    /// Send the value back as JSON.
    case json = 0
    /// Send back only completion; the value is never serialized.
    case void = 1
    /// Keep the value in the browser and send back a handle to it.
    case objectReference = 2
    /// Keep a Blob, buffer or stream in the browser and send back a handle Swift reads from.
    case stream = 3
}

/// What a Swift→JS call asks the browser to do with its identifier.
package enum ObjectOperation: Int, CaseIterable, Sendable {
    /// Call the function at the identifier.
    case call = 0
    /// Read the property at the identifier.
    case get = 1
    /// Assign the first argument to the property at the identifier.
    case set = 2
    /// `new` the constructor at the identifier.
    case construct = 3
    /// `import()` the ES module whose URL is the identifier.
    case importModule = 4
}

/// The key of the one-member JSON object that stands for a handle inside any value:
/// `{"__tetherObject": 3}` is the Swift object JS holds as 3. A user's own object with one of these
/// keys is read as the handle, so the keys carry a prefix no ordinary property has.
package enum Marker: String, CaseIterable, Sendable {
    /// A Swift object handed to JS.
    case swiftObject = "__tetherObject"
    /// A JS object held by Swift.
    case jsObject = "__tetherJSObject"
    /// A byte array sent in a binary frame of its own.
    case bytes = "__tetherBytes"
    /// A stream Swift offers and JS reads.
    case swiftStream = "__tetherStream"
    /// A Blob, buffer or stream JS offers and Swift reads.
    case jsStream = "__tetherJSStream"
    /// A rendered DOM element.
    case element = "__tetherElement"
}
