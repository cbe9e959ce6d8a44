#if !hasFeature(Embedded)
import Foundation
#endif

/// A route such as `/items/{id:int}`: literal segments and typed parameters.
public struct RouteTemplate: Sendable, Equatable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(name: String, constraint: Constraint)
    }

    enum Constraint: String, Sendable, Equatable {
        case string, int, bool, double

        func accepts(_ value: String) -> Bool {
            switch self {
            case .string: !value.isEmpty
            case .int: Int(value) != nil
            case .bool: Bool(value.asciiLowercased) != nil
            // Swift reads "nan", "inf" and "1e400" as doubles; a route value must be a finite number.
            case .double: RouteValues.finiteDouble(value) != nil
            }
        }
    }

    let segments: [Segment]
    public let description: String

    /// Parses a template such as `/items/{id:int}`: literal segments, and parameters in braces
    /// with an optional constraint (`int`, `bool`, `double`).
    public init(_ template: String) {
        description = template
        segments = template.split(separator: "/", omittingEmptySubsequences: true).map { part in
            guard part.hasPrefix("{"), part.hasSuffix("}") else { return .literal(String(part)) }
            let inner = part.dropFirst().dropLast()
            let pieces = inner.split(separator: ":", maxSplits: 1)
            // "{}" has no name: it names the empty parameter rather than trapping.
            let name = pieces.first.map(String.init) ?? ""
            let constraint = pieces.count > 1 ? Constraint(rawValue: String(pieces[1])) ?? .string : .string
            return .parameter(name: name, constraint: constraint)
        }
    }

    /// The parameters if `path` matches, percent-decoded.
    public func match(_ path: String) -> [String: String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            // A segment that does not decode (`%ff`) names no page.
            guard let decoded = PercentDecoding.decode(part) else { return nil }
            switch segment {
            case .literal(let literal):
                guard literal == decoded else { return nil }
            case .parameter(let name, let constraint):
                guard constraint.accepts(decoded) else { return nil }
                parameters[name] = decoded
            }
        }
        return parameters
    }

    /// Literal segments outrank parameters when two templates match the same path.
    var specificity: Int { segments.filter { if case .literal = $0 { true } else { false } }.count }
}

/// The values a route matched: typed parameters from the path, and the query string.
public struct RouteValues: Sendable, Equatable {
    /// The path that matched, percent-decoded.
    public let path: String
    /// The route's parameters by name, as text; the typed accessors read them.
    public let parameters: [String: String]
    /// Query items in order; a name may repeat.
    public let query: [(name: String, value: String)]

    /// Route values as a match would make them; a test passes them to a page it renders.
    public init(path: String, parameters: [String: String] = [:], query: [(name: String, value: String)] = []) {
        self.path = path
        self.parameters = parameters
        self.query = query
    }

    public static func == (lhs: RouteValues, rhs: RouteValues) -> Bool {
        lhs.path == rhs.path && lhs.parameters == rhs.parameters
            && lhs.query.map { "\($0.name)=\($0.value)" } == rhs.query.map { "\($0.name)=\($0.value)" }
    }

    /// A parameter as text.
    public func string(_ name: String) -> String? { parameters[name] }
    /// A parameter as an `Int`; nil when it is missing or no `Int` holds it.
    public func int(_ name: String) -> Int? { parameters[name].flatMap { Int($0) } }
    /// Finite only: "nan", "inf" and "1e400" are not numbers a route can mean.
    public func double(_ name: String) -> Double? { parameters[name].flatMap(Self.finiteDouble) }
    /// A parameter as a `Bool`: `true` or `false`, in any case.
    public func bool(_ name: String) -> Bool? { parameters[name].flatMap { Bool($0.asciiLowercased) } }
    static func finiteDouble(_ text: String) -> Double? {
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// The first value of a query item.
    public func query(_ name: String) -> String? { query.first { $0.name == name }?.value }
}

/// Percent-decoding of a URL path segment, without Foundation so the WebAssembly render mode routes
/// the same way.
enum PercentDecoding {
    /// The text `segment` encodes, or nil when a `%` is not followed by two hex digits or the
    /// bytes are not UTF-8.
    static func decode(_ segment: some StringProtocol) -> String? {
        guard segment.utf8.contains(UInt8(ascii: "%")) else { return String(segment) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(segment.utf8.count)
        var iterator = segment.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

#if !hasFeature(Embedded)
/// The app's pages by route.
public struct PageRouter: Sendable {
    /// A page and its parsed route.
    public struct Entry: Sendable {
        /// The page's route, parsed.
        public let template: RouteTemplate
        /// The page.
        public let page: any Page.Type
    }

    /// The pages in the order they are tried: routes with more literal segments first.
    public private(set) var entries: [Entry] = []

    /// A router for `pages`, each at its `route`.
    public init(_ pages: [any Page.Type]) {
        self.init(routes: pages.map { ($0.route, $0) })
    }

    /// A router for pages at routes of their own rather than at each page's `route`: the same
    /// page class served at a second URL, as a WebAssembly page is.
    public init(routes: [(route: String, page: any Page.Type)]) {
        entries = routes.map { Entry(template: RouteTemplate($0.route), page: $0.page) }
            .sorted { $0.template.specificity > $1.template.specificity }
    }

    /// The page for a URL (a path with an optional query), with its route values.
    public func match(url: String) -> (page: any Page.Type, route: RouteValues)? {
        let components = URLComponents(string: url)
        let path = components?.path ?? url
        // Matched on the path as sent, so each segment is decoded exactly once: `%2F` stays
        // inside its segment and `%2541` stays `%41`.
        let encodedPath = components?.percentEncodedPath ?? url
        for entry in entries {
            if let parameters = entry.template.match(encodedPath) {
                let query = (components?.queryItems ?? []).map { (name: $0.name, value: $0.value ?? "") }
                return (entry.page, RouteValues(path: path, parameters: parameters, query: query))
            }
        }
        return nil
    }
}
#endif
