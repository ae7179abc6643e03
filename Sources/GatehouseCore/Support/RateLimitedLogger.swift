public import Logging
public import NIOCore
import Synchronization

/// Logs at most `limit` lines per `interval` and counts the rest, so a flood of bad peers cannot turn
/// the log into the bottleneck (or fill the disk); the count of suppressed lines is logged when the next
/// window opens.
public final class RateLimitedLogger: Sendable {
    private struct Window {
        var start: NIODeadline
        var logged = 0
        var suppressed = 0
    }

    private let logger: Logger
    private let limit: Int
    private let interval: TimeAmount
    private let window: Mutex<Window>

    public init(logger: Logger, limit: Int = 20, interval: TimeAmount = .seconds(10)) {
        self.logger = logger
        self.limit = limit
        self.interval = interval
        self.window = Mutex(Window(start: .now()))
    }

    public func log(
        level: Logger.Level,
        _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata? = nil
    ) {
        let now = NIODeadline.now()
        let (allowed, suppressedBefore) = self.window.withLock { window -> (Bool, Int) in
            var reported = 0
            if now - window.start >= self.interval {
                reported = window.suppressed
                window = Window(start: now)
            }
            guard window.logged < self.limit else {
                window.suppressed += 1
                return (false, reported)
            }
            window.logged += 1
            return (true, reported)
        }
        if suppressedBefore > 0 {
            self.logger.log(level: level, "\(suppressedBefore) similar messages suppressed in the last window")
        }
        if allowed {
            self.logger.log(level: level, message(), metadata: metadata())
        }
    }
}
