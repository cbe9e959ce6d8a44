import Foundation
import TetherInterop
import TetherUI

/// Feeds one untrusted input through everything that reads browser messages: the frame decoder,
/// the JSON reader, byte segments, event lookup and event args, and JS→Swift argument checking.
/// Any crash, hang or sanitizer report is a bug; refusing the input is the expected outcome.
enum FuzzTarget {
    final class Sink: InteropOutbox {
        func enqueue(_ message: OutboundMessage) {}
    }

    final class Page: Component {
        var count = 0
        var text = ""
        var body: Content {
            button(.id("increment")) { "+" }.onClick { self.count += 1 }
            input(.id("text")).onInput { self.text = $0.value ?? "" }
            span { count }
        }
    }

    static let channel = InteropChannel(outbox: Sink())
    nonisolated(unsafe) static let renderer: Renderer = {
        let renderer = Renderer(page: Page(), js: JSRuntime(channel: channel), isPrerendering: false)
        _ = renderer.renderHTML()
        return renderer
    }()
    static let exports: JSExports = {
        var exports = JSExports()
        exports.module("Fuzz") { m in
            m.expose("Add") { (a: Int, b: Int) in a + b }
            m.expose("Bytes") { (data: [UInt8]) in data.count }
            m.expose("Values") { (a: String, b: [Double], c: JSONValue?) in a }
        }
        return exports
    }()

    static func run(_ bytes: [UInt8]) {
        // Binary frames: byte segments.
        if bytes.first == 0 {
            try? channel.receiveBinary(Array(bytes.dropFirst()))
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        for decoded in WireCodec.decodeFrame(text) {
            guard case .success(let message) = decoded else { continue }
            switch message {
            case .event(let handler, let args):
                _ = try? renderer.resolveEvent(handler, rawArgs: args)
            case .invoke(_, .module(let module), let method, let args):
                guard let exposed = try? exports.method(method, in: module), exposed.parameterTypes.count == args.count else { continue }
                _ = try? channel.decode(Int.self, from: args.first ?? .null)
                _ = try? channel.decode([UInt8].self, from: args.first ?? .null)
                _ = try? channel.decode([Double].self, from: args.last ?? .null)
            case .callCompleted(let id, let outcome):
                channel.complete(callID: id, outcome: outcome)
            case .releaseObject(let id):
                channel.objects.release(id)
            default:
                break
            }
        }
    }
}

#if FUZZING
/// libFuzzer's entry point for one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    FuzzTarget.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's `@main` as its entry point, so libFuzzer is started from here.
@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}
#else
/// Without libFuzzer: replays every file of the corpus folders given, so the corpus is a
/// regression test (`swift run tether-fuzz Tests/Fuzz/corpus`).
@main
struct ReplayCorpus {
    static func main() throws {
        var count = 0
        for folder in CommandLine.arguments.dropFirst() {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
                let data = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(name))
                FuzzTarget.run(Array(data))
                count += 1
            }
        }
        print("replayed \(count) inputs without a crash")
    }
}
#endif
