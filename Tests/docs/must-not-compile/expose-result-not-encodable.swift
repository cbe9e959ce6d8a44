// A method whose result cannot be encoded must not compile. Were `expose` overloaded for methods
// returning nothing, this one-expression closure would drop its value and JS would get null.
// expected-error: 'expose' is unavailable: the result must be Encodable
import TetherInterop

struct NotEncodable {}

func register(_ exports: inout JSExports) {
    exports.module("Shop") { shop in
        shop.expose("Cart") { () in NotEncodable() }
    }
}
