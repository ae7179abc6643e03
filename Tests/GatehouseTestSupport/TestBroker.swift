public import Foundation
import Glibc
import Synchronization

/// A real `mosquitto` on an ephemeral loopback port, started for a test and stopped by its PID.
public final class TestBroker: Sendable {
    public let port: Int
    /// Where the broker keeps its configuration and, with persistence, its database; a restarted broker
    /// given the same directory finds its persistent sessions again.
    public let directory: URL
    private let process: ChildProcess
    private let keepsDirectory: Bool

    /// Starts a broker; `port` reuses one (to restart a broker a test stopped).
    ///
    /// - Parameters:
    ///   - persistentIn: keep sessions and queued messages in this directory across restarts (written
    ///     when the broker stops on SIGTERM); nil keeps everything in memory.
    ///   - extraConfiguration: more `mosquitto.conf` lines, such as queue limits.
    public init(port: Int? = nil, persistentIn: URL? = nil, extraConfiguration: [String] = []) async throws {
        self.port = try port ?? Self.freePort()
        self.directory =
            persistentIn
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("mosquitto-\(UUID().uuidString)")
        // Started as root (in CI), mosquitto drops to its own user, which must still write its database.
        try FileManager.default.createDirectory(
            at: self.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: self.directory.path)
        let config = self.directory.appendingPathComponent("mosquitto.conf")
        let persistence =
            persistentIn == nil
            ? ["persistence false"]
            : ["persistence true", "persistence_location \(self.directory.path)/", "autosave_interval 1"]
        try (["listener \(self.port) 127.0.0.1", "allow_anonymous true"] + persistence + extraConfiguration)
            .joined(separator: "\n").appending("\n")
            .write(to: config, atomically: true, encoding: .utf8)
        self.keepsDirectory = persistentIn != nil
        self.process = try ChildProcess("/usr/sbin/mosquitto", ["-c", config.path])
        try await self.waitUntilListening()
    }

    /// Stops the broker (SIGTERM to its PID, SIGKILL if it lingers) and waits for it to exit.
    public func stop() async {
        self.process.signal(SIGTERM)
        // SIGKILL would lose what mosquitto persists at exit, so it is only the last resort, after 10 s.
        let status = (try? await self.process.waitForExit(timeout: .seconds(10))) ?? nil
        if status == nil {
            self.process.signal(SIGKILL)
            _ = try? await self.process.waitForExit(timeout: .seconds(5))
        }
        if !self.keepsDirectory {
            try? FileManager.default.removeItem(at: self.directory)
        }
    }

    deinit {
        if !self.keepsDirectory {
            try? FileManager.default.removeItem(at: self.directory)
        }
    }

    private func waitUntilListening() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if Self.accepts(port: self.port) { return }
            guard self.process.isRunning else { throw TestFailure("mosquitto exited at start") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("mosquitto did not listen on \(self.port)")
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Ports handed to brokers in this process: a test that restarts its broker leaves its port free for
    /// a moment, and another test's new broker must not take it (its gateway would reconnect there).
    private static let portsHandedOut = Mutex<Set<Int>>([])

    /// A port the kernel just handed out for a moment, never one given to another broker of this
    /// process; the broker binds it right after (also for a test's extra listeners).
    public static func freePort() throws -> Int {
        for _ in 0..<100 {
            let port = try self.ephemeralPort()
            if Self.portsHandedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw TestFailure("no unused free port")
    }

    private static func ephemeralPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        guard bound else { throw TestFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
