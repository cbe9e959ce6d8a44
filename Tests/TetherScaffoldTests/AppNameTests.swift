import Testing

@testable import TetherScaffold

@Suite struct AppNameTests {
    @Test(arguments: ["MyApp", "a", "Shop2", "my_app", "ToDo_List_9", String(repeating: "x", count: AppName.maximumLength)])
    func acceptsSwiftIdentifiers(_ name: String) throws {
        #expect(try AppName(name).value == name)
        #expect(try AppName(name).testTarget == name + "Tests")
    }

    @Test func refusesAnEmptyName() {
        #expect(throws: AppName.Invalid.empty) { try AppName("") }
        #expect(AppName.Invalid.empty.description == "the app name is empty; give one such as MyApp")
    }

    @Test func refusesANameThatDoesNotStartWithALetter() {
        #expect(throws: AppName.Invalid.firstCharacter("9lives", "9")) { try AppName("9lives") }
        #expect(throws: AppName.Invalid.firstCharacter("_App", "_")) { try AppName("_App") }
        #expect(AppName.Invalid.firstCharacter("9lives", "9").description == "'9lives' starts with '9'; an app name starts with a letter, A-Z or a-z")
    }

    @Test func namesTheFirstCharacterAModuleCannotHaveAndWhereItIs() {
        #expect(throws: AppName.Invalid.character("my-app", "-", position: 3)) { try AppName("my-app") }
        #expect(throws: AppName.Invalid.character("My App", " ", position: 3)) { try AppName("My App") }
        #expect(throws: AppName.Invalid.character("a.b", ".", position: 2)) { try AppName("a.b") }
        #expect(
            AppName.Invalid.character("my-app", "-", position: 3).description
                == "'my-app' has '-' at position 3; an app name has only letters A-Z and a-z, digits and '_', because it names a Swift module")
    }

    @Test func spellsOutLettersBeyondASCIIAndControlCharacters() {
        #expect(throws: AppName.Invalid.character("Café", "é", position: 4)) { try AppName("Café") }
        #expect(AppName.Invalid.character("Café", "é", position: 4).description.hasPrefix("'Café' has 'é' (U+00E9) at position 4;"))
        #expect(throws: AppName.Invalid.firstCharacter("Ébène", "É")) { try AppName("Ébène") }
        // A control character is shown as its code point, in the name too, so it cannot move the cursor.
        let bell = AppName.Invalid.character("a\u{7}b", "\u{7}", position: 2).description
        #expect(bell.hasPrefix(#"'a\u{7}b' has '\u{7}' (U+0007) at position 2;"#))
        #expect(!bell.unicodeScalars.contains("\u{7}"))
    }

    @Test func refusesANameLongerThanTheLimitWithoutEchoingAllOfIt() {
        let long = String(repeating: "A", count: AppName.maximumLength + 1)
        #expect(throws: AppName.Invalid.tooLong(long, length: AppName.maximumLength + 1)) { try AppName(long) }
        #expect(
            AppName.Invalid.tooLong(long, length: 65).description
                == "'AAAAAAAAAAAAAAAAAAAA'… is 65 characters long; an app name has at most 64")
    }

    @Test(arguments: ["class", "import", "func", "Self", "self", "Any", "true", "nil", "await"])
    func refusesSwiftKeywords(_ keyword: String) {
        #expect(throws: AppName.Invalid.keyword(keyword)) { try AppName(keyword) }
    }

    @Test func refusesTheNameOfAModuleEveryAppHas() {
        #expect(throws: AppName.Invalid.moduleTaken("TetherUI", module: "TetherUI", owner: "Tether")) { try AppName("TetherUI") }
        #expect(throws: AppName.Invalid.moduleTaken("Foundation", module: "Foundation", owner: "the Swift toolchain")) {
            try AppName("Foundation")
        }
        #expect(throws: AppName.Invalid.moduleTaken("Hummingbird", module: "Hummingbird", owner: "hummingbird")) {
            try AppName("Hummingbird")
        }
        #expect(
            AppName.Invalid.moduleTaken("Logging", module: "Logging", owner: "swift-log").description
                == "'Logging' is the name of a module every Tether app already has (from swift-log); pick another name, such as LoggingApp")
    }

    @Test func comparesModuleNamesWithoutCase() {
        #expect(throws: AppName.Invalid.moduleTaken("logging", module: "Logging", owner: "swift-log")) { try AppName("logging") }
        #expect(
            AppName.Invalid.moduleTaken("logging", module: "Logging", owner: "swift-log").description
                == "'logging' differs only in case from Logging, a module every Tether app already has (from swift-log); pick another name, such as loggingApp")
    }

    @Test func refusesANameWhoseTestModuleIsTaken() throws {
        let taken = ["ShopTests": "a dependency"]
        #expect(throws: AppName.Invalid.moduleTaken("Shop", module: "ShopTests", owner: "a dependency")) { try AppName("Shop", taken: taken) }
        #expect(
            AppName.Invalid.moduleTaken("Shop", module: "ShopTests", owner: "a dependency").description
                == "'Shop' makes the test module ShopTests, a module every Tether app already has (from a dependency); pick another name, such as ShopApp")
        #expect(try AppName("Shop2", taken: taken).testTarget == "Shop2Tests")
    }

    @Test func refusesTheNamesOfTheTypesTheAppDeclares() {
        #expect(throws: AppName.Invalid.typeTaken("Counter", type: "Counter")) { try AppName("Counter") }
        #expect(throws: AppName.Invalid.typeTaken("mainlayout", type: "MainLayout")) { try AppName("mainlayout") }
    }
}
