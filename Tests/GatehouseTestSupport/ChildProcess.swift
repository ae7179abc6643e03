public import Foundation
import Synchronization

/// A program the tests run (mosquitto, a browser, openssl, the package's own executables), started with
/// `posix_spawn` directly instead of Foundation's `Process`.
///
/// Two reasons. Foundation adds one close action per descriptor up to the highest one open, and its
/// `run()` crashed (a `memcpy` past a buffer) once the test process, running many tests at once, held
/// more than about 1,024 descriptors; here the child closes everything past its standard streams with
/// one `closefrom` action. And a child started from a Swift task inherits the thread's signal mask,
/// in which libdispatch blocks SIGTERM, SIGINT and SIGHUP: such a child ignored `stop()`'s SIGTERM until
/// the SIGKILL fallback. Here the child starts with no signal blocked and default handlers.
public final class ChildProcess: Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        case null
        /// A pipe to this process: `input` for standard input, a capture for the outputs.
        case pipe
        /// This process's own stream.
        case inherit
    }

    public let processIdentifier: pid_t
    /// The write end of the child's standard input, when it was started with `.pipe`.
    public let input: FileHandle?
    /// The read ends of captured outputs, kept while the child lives: a handle is closed when released,
    /// and the child's next write would then end it with SIGPIPE.
    private let outputs: [FileHandle]
    private let output = Output()
    private final class Output: Sendable {
        let captured = Mutex((stdout: Data(), stderr: Data()))
    }
    /// The exit status once reaped (128 + the signal when a signal ended it).
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` (without the program name), in `workingDirectory` if given.
    public init(
        _ executable: String, _ arguments: [String], workingDirectory: String? = nil, stdin: Stream = .null,
        stdout: Stream = .null, stderr: Stream = .null
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        var parentEnds: [Int32] = []
        var childEnds: [Int32] = []
        defer { for fd in childEnds { close(fd) } }
        var readers: [(fd: Int32, isStdout: Bool)] = []
        var inputEnd: Int32?
        for (target, stream) in [(STDIN_FILENO, stdin), (STDOUT_FILENO, stdout), (STDERR_FILENO, stderr)] {
            switch stream {
            case .null:
                let mode = target == STDIN_FILENO ? O_RDONLY : O_WRONLY
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", mode, 0)
            case .inherit:
                break
            case .pipe:
                var fds: [Int32] = [0, 0]
                guard pipe(&fds) == 0 else { throw TestFailure("pipe failed: errno \(errno)") }
                // Close-on-exec, so a child spawned meanwhile by another test does not inherit them.
                for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                let (childEnd, parentEnd) = target == STDIN_FILENO ? (fds[0], fds[1]) : (fds[1], fds[0])
                childEnds.append(childEnd)
                parentEnds.append(parentEnd)
                posix_spawn_file_actions_adddup2(&actions, childEnd, target)
                if target == STDIN_FILENO {
                    inputEnd = parentEnd
                } else {
                    readers.append((parentEnd, target == STDOUT_FILENO))
                }
            }
        }
        if let closeFrom = Self.addCloseFrom {
            _ = closeFrom(&actions, 3)
        }
        if let workingDirectory {
            guard let changeDirectory = Self.addChangeDirectory else {
                throw TestFailure("this C library cannot start a child in another directory")
            }
            _ = changeDirectory(&actions, workingDirectory)
        }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // Its own process group, as Foundation does: a Ctrl-C at the terminal stops the tests, not it.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            for fd in parentEnds { close(fd) }
            throw TestFailure("could not start \(executable): errno \(result)")
        }
        self.processIdentifier = pid
        self.input = inputEnd.map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        self.outputs = readers.map { FileHandle(fileDescriptor: $0.fd, closeOnDealloc: true) }
        for (handle, (_, isStdout)) in zip(self.outputs, readers) {
            handle.readabilityHandler = { [output] handle in
                let data = handle.availableData
                guard !data.isEmpty else {
                    handle.readabilityHandler = nil
                    return
                }
                output.captured.withLock { isStdout ? $0.stdout.append(data) : $0.stderr.append(data) }
            }
        }
    }

    // glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later) and
    // `posix_spawn_file_actions_addchdir_np` (2.29), which Swift's Glibc module does not declare.
    private static let addCloseFrom = ChildProcess.function(
        "posix_spawn_file_actions_addclosefrom_np",
        as: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    private static let addChangeDirectory = ChildProcess.function(
        "posix_spawn_file_actions_addchdir_np",
        as: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32).self)

    private static func function<Function>(_ name: String, as type: Function.Type) -> Function? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: type) }
    }

    public var stdout: String { self.output.captured.withLock { String(decoding: $0.stdout, as: UTF8.self) } }
    public var stderr: String { self.output.captured.withLock { String(decoding: $0.stderr, as: UTF8.self) } }
    public var stdoutData: Data { self.output.captured.withLock { $0.stdout } }

    /// Reaps the child if it has exited; only the first caller that sees the exit reaps it.
    public var isRunning: Bool {
        self.status.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            let reaped = waitpid(self.processIdentifier, &raw, WNOHANG)
            guard reaped == self.processIdentifier else { return reaped == 0 }
            let signal = raw & 0x7f
            status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
            return false
        }
    }

    /// The exit status (128 + the signal for a child a signal ended); nil while it runs.
    public var exitStatus: Int32? {
        _ = self.isRunning
        return self.status.withLock { $0 }
    }

    /// Waits for the child to exit, at most `timeout`, polling with sleeps that free the thread (a
    /// test's threads are shared with every other test); returns its status, or nil if it still runs.
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while self.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return self.exitStatus
    }

    public func signal(_ signal: Int32) {
        if self.isRunning {
            kill(self.processIdentifier, signal)
        }
    }

    deinit {
        if self.isRunning {
            kill(self.processIdentifier, SIGKILL)
            var raw: Int32 = 0
            waitpid(self.processIdentifier, &raw, 0)
        }
    }
}
