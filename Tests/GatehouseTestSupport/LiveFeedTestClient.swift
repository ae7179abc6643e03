import Foundation
import HummingbirdWSClient
import Logging
import Synchronization

/// A real WebSocket client of the dashboard's live feed, for tests: sends text, receives messages with
/// a timeout, and can stop reading to play a stalled browser.
public final class LiveFeedTestClient: Sendable {
    public struct Timeout: Error, CustomStringConvertible {
        public var description: String { "no live-feed message in time" }
    }

    private final class Inbox: Sendable {
        let messages = Mutex<[String]>([])
        let stalled = Atomic<Bool>(false)
        let ended = Atomic<Bool>(false)
    }

    private let inbox = Inbox()
    private let outbound: AsyncStream<String>.Continuation
    private let connection: Task<Void, any Error>

    /// Connects to `ws://127.0.0.1:PORT/ws?token=TOKEN`.
    public init(port: Int, token: String?) {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        self.outbound = continuation
        let inbox = self.inbox
        var logger = Logger(label: "live-feed-test-client")
        logger.logLevel = .critical
        let url = "ws://127.0.0.1:\(port)/ws" + (token.map { "?token=\($0)" } ?? "")
        self.connection = Task {
            defer { inbox.ended.store(true, ordering: .relaxed) }
            try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await text in stream {
                            try await outbound.write(.text(text))
                        }
                    }
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 16 << 20) {
                            // A stalled client stops taking messages; the socket's buffers then fill.
                            while inbox.stalled.load(ordering: .relaxed) {
                                try await Task.sleep(for: .milliseconds(10))
                            }
                            if case .text(let text) = message {
                                inbox.messages.withLock { $0.append(text) }
                            }
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
    }

    public func send(_ text: String) {
        self.outbound.yield(text)
    }

    /// Stops (or resumes) reading from the socket.
    public func setStalled(_ stalled: Bool) {
        self.inbox.stalled.store(stalled, ordering: .relaxed)
    }

    /// The next message as a JSON object, waiting at most `timeout`.
    public func next(timeout: Duration = .seconds(5)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = self.inbox.messages.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            if let text {
                return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw Timeout()
    }

    /// The next message of `type`, skipping others, waiting at most `timeout` in all.
    public func next(
        type: String, timeout: Duration = .seconds(5), where condition: ([String: Any]) -> Bool = { _ in true }
    )
        async throws -> [String: Any]
    {
        let deadline = ContinuousClock.now + timeout
        while true {
            let message = try await self.next(timeout: deadline - ContinuousClock.now)
            if message["type"] as? String == type, condition(message) { return message }
        }
    }

    /// Whether the connection ended (the server refused or closed it) within `timeout`.
    public func closed(within timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if self.inbox.ended.load(ordering: .relaxed) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    public func close() {
        self.outbound.finish()
        self.connection.cancel()
    }
}
