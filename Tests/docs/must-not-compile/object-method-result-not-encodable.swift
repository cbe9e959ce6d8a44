// The same for a method of a Swift object JS holds.
// expected-error: 'expose' is unavailable: the result must be Encodable
import TetherInterop

struct NotEncodable {}

final class Cart: JSInvokableObject {
    static func exposeMethods(_ methods: inout ObjectMethodTable<Cart>) {
        methods.expose("Contents") { cart in NotEncodable() }
    }
}
