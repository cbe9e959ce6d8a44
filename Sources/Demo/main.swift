import DemoApp
import TetherServer
import Foundation

let port = ProcessInfo.processInfo.environment["PORT"].flatMap(Int.init) ?? 8080
let app = DemoApp.make()
print("tether-demo serving on http://127.0.0.1:\(port)")
try await app.run(host: "127.0.0.1", port: port)
