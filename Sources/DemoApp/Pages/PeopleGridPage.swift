import TetherUI

/// A `DataGrid` over 10,000 generated people: sortable by name, city and age, paged; and the same
/// data in a virtualized grid below.
public final class PeopleGridPage: Page {
    public static let route = "/grid"
    public static let layout: (any Layout.Type)? = DemoLayout.self

    public struct Person: Sendable {
        public let number: Int
        public let name: String
        public let city: String
        public let age: Int
        var email: String { "person\(number)@example.com" }
    }

    static let first = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Niklaus"]
    static let last = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Hamilton", "Wirth", "Ritchie"]
    static let cities = ["Oslo", "Lima", "Kyoto", "Accra", "Quito", "Perth", "Turin", "Dakar", "Hanoi", "Bern", "Cork", "Riga", "Nice"]

    /// Generated once: person n's fields are fixed functions of n, so a test can predict them.
    static let people: [Person] = (0..<10_000).map { n in
        Person(
            number: n, name: "\(first[n % first.count]) \(last[(n / first.count) % last.count]) \(n)",
            city: cities[(n * 7) % cities.count], age: 18 + (n * 37) % 70)
    }

    // Computed: columns hold closures, which are not Sendable, so they cannot be a shared constant.
    static var columns: [DataGrid<Person>.Column] {
        [
            DataGrid<Person>.Column("#", \.number, id: "number"),
            DataGrid<Person>.Column("Name", \.name),
            DataGrid<Person>.Column("City", \.city),
            DataGrid<Person>.Column("Age", \.age),
            DataGrid<Person>.Column("Email") { person in a(.href("mailto:\(person.email)")) { person.email } },
        ]
    }

    /// The data source, async as a database query would be.
    static func query(_ request: GridRequest) async throws -> ItemsPage<Person> {
        try await DataGrid<Person>.inMemory(people, columns: columns)(request)
    }

    public var body: Content {
        h1 { "Grid" }
        section {
            h2 { "Paged" }
            DataGrid(columns: Self.columns, mode: .paged(pageSize: 10), id: "people", source: Self.query)
        }
        section {
            h2 { "Virtualized" }
            DataGrid(
                columns: Self.columns, mode: .virtualized(rowHeight: 32, viewportHeight: 360), id: "people-virtual",
                rowID: { "person-\($0.number)" }, source: Self.query)
        }
    }
}
