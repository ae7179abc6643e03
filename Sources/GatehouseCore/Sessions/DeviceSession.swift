public import NIOCore
import Synchronization

/// One live session of one device: who it is, where it connected from, and what it has sent.
///
/// Identity fields are immutable; the few fields that change per frame are atomics, so the connection's
/// event loop updates them without a lock and any thread (an API, a sink) can read a consistent value.
public final class DeviceSession: Sendable {
    public let deviceID: String
    public let sessionID: String
    public let remoteAddress: String
    /// The profile the device's telemetry is decoded with, if one was found.
    public let profile: DeviceProfile?
    public let firmware: String
    public let heartbeatSeconds: UInt16
    public let connectedAtMs: Int64
    public let connection: any SessionConnection

    private let lastSeenUptimeNanos: Atomic<UInt64>
    private let framesInCount = Atomic<UInt64>(0)
    private let framesOutCount = Atomic<UInt64>(0)
    private let clock: WallClock

    public init(
        deviceID: String,
        sessionID: String,
        remoteAddress: String,
        profile: DeviceProfile?,
        firmware: String,
        heartbeatSeconds: UInt16,
        connection: any SessionConnection,
        clock: WallClock,
        now: NIODeadline
    ) {
        self.deviceID = deviceID
        self.sessionID = sessionID
        self.remoteAddress = remoteAddress
        self.profile = profile
        self.firmware = firmware
        self.heartbeatSeconds = heartbeatSeconds
        self.connection = connection
        self.clock = clock
        self.connectedAtMs = clock.epochMilliseconds(at: now)
        self.lastSeenUptimeNanos = Atomic(now.uptimeNanoseconds)
    }

    public var eventLoop: any EventLoop { self.connection.eventLoop }

    /// Unix epoch milliseconds of the last valid frame.
    public var lastSeenMs: Int64 {
        self.clock.epochMilliseconds(at: .uptimeNanoseconds(self.lastSeenUptimeNanos.load(ordering: .relaxed)))
    }

    public var framesIn: UInt64 { self.framesInCount.load(ordering: .relaxed) }
    public var framesOut: UInt64 { self.framesOutCount.load(ordering: .relaxed) }

    /// Records a valid frame from the device received at `now`.
    @inlinable
    public func recordFrameIn(at now: NIODeadline) {
        self.storeLastSeen(now.uptimeNanoseconds)
        self.addFramesIn(1)
    }

    /// Records frames sent to the device.
    public func recordFramesOut(_ count: UInt64) {
        self.framesOutCount.add(count, ordering: .relaxed)
    }

    @usableFromInline
    func storeLastSeen(_ uptimeNanos: UInt64) {
        self.lastSeenUptimeNanos.store(uptimeNanos, ordering: .relaxed)
    }

    @usableFromInline
    func addFramesIn(_ count: UInt64) {
        self.framesInCount.add(count, ordering: .relaxed)
    }
}
