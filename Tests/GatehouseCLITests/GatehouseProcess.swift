import Foundation
import GatehouseTestSupport

/// A built executable of the package (`gatehouse` unless told otherwise), run as a child process with
/// its output captured.
final class GatehouseProcess: Sendable {
    /// Beside the test bundle: `swift build --build-tests` builds the executables into the same folder.
    static func executable(named name: String) -> URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundleDirectory, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        for directory in candidates {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        fatalError("\(name) executable not found next to the tests (looked in \(candidates.map(\.path)))")
    }

    private let process: ChildProcess

    /// Runs `executable` (a name beside the tests, or `executableURL`); as user `nobody` with
    /// `unprivileged` when the tests run as root.
    init(
        _ arguments: [String], executable: String = "gatehouse", executableURL: URL? = nil, unprivileged: Bool = false,
        typedTo: Bool = false
    ) throws {
        let url = executableURL ?? Self.executable(named: executable)
        let (program, programArguments) =
            unprivileged && getuid() == 0
            ? ("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", url.path] + arguments)
            : (url.path, arguments)
        self.process = try ChildProcess(
            program, programArguments, stdin: typedTo ? .pipe : .null, stdout: .pipe, stderr: .pipe)
    }

    var stdout: String { self.process.stdout }
    var stderr: String { self.process.stderr }
    var isRunning: Bool { self.process.isRunning }
    var processIdentifier: Int32 { self.process.processIdentifier }

    /// Waits for the process to exit, at most `timeout`; returns its exit status, or nil if it still runs.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32? {
        guard let status = try await self.process.waitForExit(timeout: timeout) else { return nil }
        // Let the pipes' last bytes arrive.
        try await Task.sleep(for: .milliseconds(50))
        return status
    }

    /// Waits until the standard error contains `text`, at most `timeout`.
    func waitForStderr(containing text: String, timeout: Duration = .seconds(30)) async throws -> Bool {
        try await self.waitUntil(\.stderr, contains: text, timeout: timeout)
    }

    /// Waits until the standard output contains `text`, at most `timeout`.
    func waitForStdout(containing text: String, timeout: Duration = .seconds(30)) async throws -> Bool {
        try await self.waitUntil(\.stdout, contains: text, timeout: timeout)
    }

    private func waitUntil(
        _ stream: KeyPath<GatehouseProcess, String>, contains text: String, timeout: Duration
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if self[keyPath: stream].contains(text) { return true }
            guard self.process.isRunning else { return self[keyPath: stream].contains(text) }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Writes `line` and a newline to the standard input of a process started `typedTo`.
    func type(_ line: String) {
        self.process.input?.write(Data((line + "\n").utf8))
    }

    func signal(_ signal: Int32) {
        self.process.signal(signal)
    }

    /// Runs a command to completion and returns (status, stdout, stderr).
    static func run(_ arguments: [String], executable: String = "gatehouse") async throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let process = try GatehouseProcess(arguments, executable: executable)
        guard let status = try await process.waitForExit() else {
            process.signal(SIGKILL)
            throw CLIFailure("gatehouse \(arguments.joined(separator: " ")) did not exit")
        }
        return (status, process.stdout, process.stderr)
    }
}

struct CLIFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fresh folder under the system's temporary directory.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The repository's `devices/` folder with the shipped profiles.
let shippedDevicesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("devices").path
