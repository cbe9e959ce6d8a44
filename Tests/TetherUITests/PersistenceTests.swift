import Observation
import Testing
import TetherInterop
import TetherTesting
@testable import TetherUI

/// A plain component with persisted properties of several types, and one that is not persisted.
final class Notebook: Component {
    static let persisted = Persisted(("count", \Notebook.count), ("title", \Notebook.title), ("tags", \Notebook.tags))
    var count = 0
    var title = "untitled"
    var tags: [String] = []
    var scratch = "not saved"
    /// What `onInitialized` saw: the restored values must already be there.
    var countSeenAtInit: Int?
    var restoredAtInit: Bool?

    override func onInitialized() async throws {
        countSeenAtInit = count
        restoredAtInit = isRestored
    }

    var body: Content {
        span(.id("count")) { count }
        button(.id("add")) { "+" }.onClick { self.count += 1 }
    }
}

@Observable
final class ObservedNotebook: Component {
    static let persisted = Persisted(("draft", \ObservedNotebook.draft))
    var draft = ""
    var body: Content { input(.id("draft")).bind(binding(\.draft), on: .input) }
}

/// Children at positions and under keys, each with its own persisted state.
final class Shelf: Component {
    static let persisted = Persisted(("label", \Shelf.label))
    var label = "shelf"
    var keys = ["a", "b"]
    var body: Content {
        Book()
        for key in keys { Book().key(key) }
    }
}

final class Book: Component {
    static let persisted = Persisted(("pages", \Book.pages))
    var pages = 0
    var body: Content { button(.class("turn")) { pages }.onClick { self.pages += 1 } }
}

/// State that is not a plain property: saved and checked through its own snapshot.
final class Board: Component, PersistsSnapshot {
    var cells: [Int] = []
    var restoredFrom: [Int]?
    var snapshot: [Int] { cells }
    func restore(from snapshot: [Int]) {
        restoredFrom = snapshot
        cells = snapshot.filter { $0 >= 0 }
    }
    var body: Content { p { cells.count } }
}

@Suite struct PersistenceTests {
    @Test func persistedPropertiesSurviveARestartAndOnInitializedSeesThem() async throws {
        let first = try await ComponentTestHost(Notebook())
        try await first.click("#add")
        try await first.click("#add")
        first.component.title = "Plans"
        first.component.tags = ["x", "y"]
        first.component.scratch = "changed"
        let saved = first.savedState()
        #expect(saved.problems.isEmpty)

        // A new process reads the row's JSON back.
        let row = try #require(SavedState(json: saved.json))
        let second = try await ComponentTestHost(Notebook(), restoring: row)
        #expect(second.component.count == 2)
        #expect(second.component.title == "Plans")
        #expect(second.component.tags == ["x", "y"])
        #expect(second.component.scratch == "not saved", "a property not in the list must not be restored")
        #expect(second.component.countSeenAtInit == 2, "onInitialized must see the restored values")
        #expect(second.component.restoredAtInit == true)
        #expect(second.component.isRestored)
        #expect(second.find("#count")?.text == "2")
    }

    @Test func aFreshStartIsNotRestored() async throws {
        let host = try await ComponentTestHost(Notebook())
        #expect(host.component.isRestored == false)
        #expect(host.component.restoredAtInit == false)
        #expect(host.component.countSeenAtInit == 0)
    }

    @Test func observableComponentsPersistThroughTheDeclaredList() async throws {
        let first = try await ComponentTestHost(ObservedNotebook())
        try await first.input("#draft", value: "half a sentence")
        let second = try await ComponentTestHost(ObservedNotebook(), restoring: first.savedState())
        #expect(second.component.draft == "half a sentence")
        #expect(second.find("#draft")?.attribute("value") == "half a sentence")
    }

    @Test func theSnapshotIsKeyedByPlaceAndPropertyName() async throws {
        let host = try await ComponentTestHost(Shelf())
        let json = host.savedState().json
        #expect(json == #"{"components":{"Shelf":{"label":"shelf"},"Shelf/Book#a":{"pages":0},"Shelf/Book#b":{"pages":0},"Shelf/Book@0":{"pages":0}}}"#)
    }

    @Test func childrenFindTheirOwnStateByKeyAndPosition() async throws {
        let first = try await ComponentTestHost(Shelf())
        let buttons = first.findAll(".turn")
        #expect(buttons.count == 3)
        // Turn the unkeyed book once and the book keyed "b" three times.
        try await first.fire("click", at: ".turn")
        let keyedB = try #require(first.renderer.components(Book.self).last)
        keyedB.pages = 3
        let saved = first.savedState()

        // The same page rendered again, with the keyed children in another order.
        let shelf = Shelf()
        shelf.keys = ["b", "a"]
        let second = try await ComponentTestHost(shelf, restoring: saved)
        let books = second.renderer.components(Book.self)
        #expect(books.map(\.pages) == [1, 3, 0], "position 0 keeps 1, key b keeps 3, key a keeps 0")
        #expect(books.allSatisfy { $0.isRestored })
    }

    @Test func aValueThatNoLongerDecodesStartsThatComponentFreshAndNamesTheKey() async throws {
        // "count" changed type between deploys; "title" still decodes but must not be applied alone.
        let row = try #require(SavedState(json: #"{"components":{"Notebook":{"count":"three","title":"kept?"}}}"#))
        let host = try await ComponentTestHost(Notebook(), restoring: row)
        #expect(host.component.count == 0)
        #expect(host.component.title == "untitled", "a component restores all of its values or none")
        #expect(!host.component.isRestored)
        #expect(host.restoreProblems.count == 1)
        #expect(host.restoreProblems.first?.hasPrefix("Notebook.count: ") == true, "\(host.restoreProblems)")
    }

    @Test func oneBrokenComponentLeavesTheOthersRestored() async throws {
        let row = try #require(
            SavedState(json: #"{"components":{"Shelf":{"label":"kept"},"Shelf/Book@0":{"pages":[]},"Shelf/Book#a":{"pages":7}}}"#))
        let host = try await ComponentTestHost(Shelf(), restoring: row)
        #expect(host.component.label == "kept")
        #expect(host.renderer.components(Book.self).map(\.pages) == [0, 7, 0])
        #expect(host.restoreProblems.map { $0.split(separator: ":").first ?? "" } == ["Shelf/Book@0.pages"])
    }

    @Test func unknownNamesAndMissingNamesAreHarmless() async throws {
        // A property removed since the save is ignored; one added since keeps its default.
        let row = try #require(SavedState(json: #"{"components":{"Notebook":{"count":5,"removedLongAgo":true}}}"#))
        let host = try await ComponentTestHost(Notebook(), restoring: row)
        #expect(host.component.count == 5)
        #expect(host.component.title == "untitled")
        #expect(host.restoreProblems.isEmpty)
    }

    @Test func aComponentCanSaveAndCheckItsOwnSnapshot() async throws {
        let board = Board()
        board.cells = [1, 2, 3]
        let first = try await ComponentTestHost(board)
        #expect(first.savedState().json == #"{"components":{"Board":{"$snapshot":[1,2,3]}}}"#)

        let row = try #require(SavedState(json: #"{"components":{"Board":{"$snapshot":[4,-1,5]}}}"#))
        let second = try await ComponentTestHost(Board(), restoring: row)
        #expect(second.component.restoredFrom == [4, -1, 5])
        #expect(second.component.cells == [4, 5])
        #expect(second.component.isRestored)
    }

    @Test func stateOnlyAppliesToTheFirstSettledRender() async throws {
        let shelf = Shelf()
        shelf.keys = []
        let saved = try #require(SavedState(json: #"{"components":{"Shelf/Book#late":{"pages":9}}}"#))
        let host = try await ComponentTestHost(shelf, restoring: saved)
        // A child mounted after the restore starts fresh, even at a saved place.
        shelf.keys = ["late"]
        shelf.stateHasChanged()
        try host.render()
        #expect(host.renderer.components(Book.self).map(\.pages) == [0, 0])
    }

    @Test func snapshotsOfOtherFormatsOrShapesAreRefused() {
        #expect(throws: ComponentStates.ReadError.self) { try ComponentStates(bytes: Array("{}".utf8), formatVersion: 2) }
        #expect(throws: ComponentStates.ReadError.self) { try ComponentStates(bytes: Array("not json".utf8), formatVersion: 1) }
        #expect(throws: ComponentStates.ReadError.self) { try ComponentStates(bytes: Array(#"{"components":[]}"#.utf8), formatVersion: 1) }
        #expect(throws: ComponentStates.ReadError.self) {
            try ComponentStates(bytes: Array(#"{"components":{"A":1}}"#.utf8), formatVersion: 1)
        }
    }

    @Test func equalStatesSerializeToEqualBytes() throws {
        let a = try ComponentStates(bytes: Array(#"{"components":{"B":{"y":1,"x":2},"A":{"z":[1]}}}"#.utf8), formatVersion: 1)
        let b = try ComponentStates(bytes: Array(#"{"components":{"A":{"z":[1]},"B":{"x":2,"y":1}}}"#.utf8), formatVersion: 1)
        #expect(a.serialized() == b.serialized())
        #expect(a.sizesByPlace().first?.place == "B")
    }
}
