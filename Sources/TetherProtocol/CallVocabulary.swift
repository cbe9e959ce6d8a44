/// How the browser treats the value a JS function returns: send it back as JSON; send back only
/// completion, never serializing it; keep it and send back a handle (`objectReference`); or keep a
/// Blob, buffer or stream and send back a handle Swift reads from (`stream`).
package enum ResultMode: Int, CaseIterable, Sendable {
    case json = 0, void = 1, objectReference = 2, stream = 3
}

/// What a Swift→JS call asks the browser to do with its identifier: call the function there, read
/// or assign (the first argument) the property there, `new` the constructor there, or `import()`
/// the ES module whose URL the identifier is.
package enum ObjectOperation: Int, CaseIterable, Sendable {
    case call = 0, get = 1, set = 2, construct = 3, importModule = 4
}

/// Where a Swift→JS call starts from: `window`, or (any other number) a JS object the page holds
/// for Swift.
package enum CallTarget: Int, CaseIterable, Sendable {
    case window = 0
}

/// The key of the one-member JSON object that stands for a handle inside any value:
/// `{"__tetherObject": 3}` is the Swift object JS holds as 3. A user's own object with one of these
/// keys is read as the handle, so the keys carry a prefix no ordinary property has. In order: a
/// Swift object handed to JS, a JS object held by Swift, a byte array sent in a binary frame of
/// its own, a stream Swift offers, a Blob, buffer or stream JS offers, a rendered DOM element.
package enum Marker: String, CaseIterable, Sendable {
    case swiftObject = "__tetherObject", jsObject = "__tetherJSObject", bytes = "__tetherBytes"
    case swiftStream = "__tetherStream", jsStream = "__tetherJSStream", element = "__tetherElement"
}
