import Foundation
import TetherUI

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
            case .bool: Bool(value.lowercased()) != nil
            case .double: Double(value) != nil
            }
        }
    }

    let segments: [Segment]
    public let description: String

    public init(_ template: String) {
        description = template
        segments = template.split(separator: "/", omittingEmptySubsequences: true).map { part in
            guard part.hasPrefix("{"), part.hasSuffix("}") else { return .literal(String(part)) }
            let inner = part.dropFirst().dropLast()
            let pieces = inner.split(separator: ":", maxSplits: 1)
            let name = String(pieces[0])
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
            let decoded = String(part).removingPercentEncoding ?? String(part)
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

/// The app's pages by route.
public struct PageTable: Sendable {
    public struct Entry: Sendable {
        public let template: RouteTemplate
        public let page: any Page.Type
    }

    public private(set) var entries: [Entry] = []

    public init(_ pages: [any Page.Type]) {
        entries = pages.map { Entry(template: RouteTemplate($0.route), page: $0) }
            .sorted { $0.template.specificity > $1.template.specificity }
    }

    public func match(path: String) -> (page: any Page.Type, parameters: [String: String])? {
        for entry in entries {
            if let parameters = entry.template.match(path) { return (entry.page, parameters) }
        }
        return nil
    }
}
