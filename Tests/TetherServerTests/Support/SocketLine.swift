import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP socket, enough to speak a little HTTP by hand.
struct SocketLine {
    let fd: Int32

    static func connect(port: Int) throws -> SocketLine {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw EditError(description: "could not connect to port \(port)") }
        return SocketLine(fd: fd)
    }

    func write(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else { throw EditError(description: "short write") }
    }

    /// Reads the first line of an HTTP response. Throws when the server closes the connection or
    /// sends nothing within `timeout` before a whole line arrived.
    func readStatusLine(timeout: Duration) throws -> String {
        var wait = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = Glibc.read(fd, &byte, 1)
            if count == 1 {
                if byte == 10 { return String(decoding: line, as: UTF8.self) }
                if byte != 13 { line.append(byte) }
                continue
            }
            if count < 0, errno == EINTR { continue }
            let why = count == 0 ? "the server closed the connection" : "nothing arrived within \(timeout) (errno \(errno))"
            throw EditError(description: "no HTTP status line: \(why); read \(line.count) bytes: \(String(decoding: line, as: UTF8.self))")
        }
    }

    /// Reads until the server closes the connection, or `timeout` passes; true when it closed.
    func waitForClose(timeout: Duration) -> Bool {
        var pollTimeout = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &pollTimeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count == 0 { return true }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return errno == ECONNRESET
            }
        }
        return false
    }

    /// Reads everything until the server closes the connection or `timeout` passes.
    func readAll(timeout: Duration) -> [UInt8] {
        var wait = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count > 0 {
                bytes += buffer[0..<count]
            } else if count == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
                break
            }
        }
        return bytes
    }

    /// Reads exactly `count` bytes, or throws when the connection ends or `timeout` passes first.
    func read(count: Int, timeout: Duration) throws -> [UInt8] {
        var wait = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while bytes.count < count {
            let got = Glibc.read(fd, &buffer, min(buffer.count, count - bytes.count))
            if got > 0 {
                bytes += buffer[0..<got]
            } else if got < 0, errno == EINTR {
                continue
            } else {
                throw EditError(description: "the connection ended after \(bytes.count) of \(count) bytes (errno \(errno))")
            }
        }
        return bytes
    }

    func write(bytes: [UInt8]) throws {
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else { throw EditError(description: "short write") }
    }

    func close() { _ = Glibc.close(fd) }
}

/// Runs blocking socket work on a thread of its own. On Swift's cooperative pool (two threads on
/// a two-core machine) a blocked read would starve the server under test, which runs its handlers
/// on that same pool, and the read would wait for an answer that cannot come.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
