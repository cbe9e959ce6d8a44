import TetherUI

/// The seed example's quote and credits, shared by `/call-js-example-1` (server mode) and
/// `/wasm/call-js-example-1` (WebAssembly): this file builds in both.
enum SeedQuote {
    /// The quote's characters as numbers, which the page's `convertArray` turns back into text.
    static let codes: [UInt32] = [
        60, 101, 109, 62, 67, 97, 110, 39, 116, 32, 115, 116, 111, 112, 32,
        116, 104, 101, 32, 115, 105, 103, 110, 97, 108, 44, 32, 77, 97,
        108, 46, 60, 47, 101, 109, 62, 32, 45, 32, 77, 114, 46, 32, 85, 110,
        105, 118, 101, 114, 115, 101, 10, 10,
    ]

    /// Where the quote comes from, as the seed page credits it.
    static var credits: Element {
        p {
            "Quote ©2005 "
            a(.href("https://www.uphe.com")) { "Universal Pictures" }
            ": "
            a(.href("https://www.uphe.com/movies/serenity-2005")) { "Serenity" }
            br()
            a(.href("https://www.imdb.com/name/nm0472710/")) { "David Krumholtz on IMDB" }
        }
    }
}
