import Foundation
public import NIOCore

/// Converts the monotonic clock NIO schedules with into Unix epoch milliseconds.
///
/// Frames are timestamped with `NIODeadline.now()` (one cheap monotonic read); turning that into wall
/// time is deferred to whoever displays it, by one fixed offset taken when the gateway starts.
public struct WallClock: Sendable {
    @usableFromInline
    let epochNanosAtUptimeZero: Int64

    public init() {
        let uptime = Int64(NIODeadline.now().uptimeNanoseconds)
        let epoch = Int64(Date().timeIntervalSince1970 * 1_000_000_000)
        self.epochNanosAtUptimeZero = epoch - uptime
    }

    @inlinable
    public func epochMilliseconds(at deadline: NIODeadline) -> Int64 {
        (self.epochNanosAtUptimeZero + Int64(deadline.uptimeNanoseconds)) / 1_000_000
    }

    public func nowMilliseconds() -> Int64 {
        self.epochMilliseconds(at: .now())
    }
}
