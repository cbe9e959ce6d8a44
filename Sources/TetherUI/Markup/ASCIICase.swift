// HTML folds the case of ASCII letters only, and its whitespace is ASCII: tag and attribute
// names, event names, URL schemes and class lists follow these rules, not Unicode's. They also
// keep Unicode's property tables out of the WebAssembly module.

extension StringProtocol {
    /// With `A`–`Z` lowered and every other character as it is.
    var asciiLowercased: String {
        guard utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return String(self) }
        return String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}

extension UInt8 {
    /// Space, tab, line feed, form feed or carriage return: HTML's whitespace.
    var isASCIIWhitespace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0C || self == 0x0D }
}
