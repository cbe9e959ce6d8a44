/// What a request's `Accept-Encoding` allows (RFC 9110 §12.5.3), for a server that has each
/// resource as is and gzipped.
///
/// A header the parser cannot make sense of never fails the request: an entry with a malformed
/// weight is skipped, and a request that accepts neither form gets the identity one, as if it had
/// sent no header.
struct AcceptEncoding: Equatable, Sendable {
    /// The weight of gzip (or `x-gzip`), of `identity`, and of `*`, when the header names them.
    private(set) var gzip: Double?
    private(set) var identity: Double?
    private(set) var any: Double?

    init(_ header: String?) {
        guard let header else { return }
        for entry in header.split(separator: ",") {
            let parts = entry.split(separator: ";")
            guard let name = parts.first?.trimmed.lowercased(), !name.isEmpty else { continue }
            var weight = 1.0
            var malformed = false
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2, pair[0].trimmed.lowercased() == "q" else { continue }
                guard let value = Self.weight(pair[1].trimmed) else {
                    malformed = true
                    break
                }
                weight = value
            }
            if malformed { continue }
            switch name {
            case "gzip", "x-gzip": gzip = weight
            case "identity": identity = weight
            case "*": any = weight
            default: continue
            }
        }
    }

    /// A qvalue: `0`, `1`, or `0.` / `1.` with up to three digits; nothing else.
    private static func weight(_ text: Substring) -> Double? {
        guard (1...5).contains(text.count), text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let value = Double(text), (0...1).contains(value)
        else { return nil }
        return value
    }

    /// True when gzip is acceptable (weight above 0, by name or through `*`), unless the client
    /// names identity with a higher weight. With no `Accept-Encoding` at all the answer is no:
    /// RFC 9110 allows any coding then, but a client that says nothing (a script, a probe) is
    /// better served the plain bytes.
    var prefersGzip: Bool {
        let gzipWeight = gzip ?? any ?? 0
        return gzipWeight > 0 && gzipWeight >= (identity ?? 0)
    }
}

/// An `ETag` and the `If-None-Match` test against it (RFC 9110 §13.1.2), which compares tags
/// weakly: `W/"x"` matches `"x"`.
struct EntityTag: Equatable, Sendable {
    /// The opaque tag, quotes included: `"abc"`.
    let opaque: String

    init(_ value: String) { opaque = "\"\(value)\"" }

    /// The header value.
    var header: String { opaque }

    /// True when `If-None-Match` is `*` or lists this tag. A malformed list never matches, so the
    /// client gets the full response.
    func matches(ifNoneMatch header: String?) -> Bool {
        guard let header else { return false }
        if Substring(header).trimmed == "*" { return true }
        for candidate in header.split(separator: ",") {
            var tag = candidate.trimmed
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == opaque { return true }
        }
        return false
    }
}

extension Substring {
    fileprivate var trimmed: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
