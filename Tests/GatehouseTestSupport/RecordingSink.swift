public import GatehouseCore
public import NIOCore
import Synchronization

/// Records every event the gateway publishes, for tests to wait on.
public final class RecordingSink: EventSink {
    private let recorded = Mutex<[GatewayEvent]>([])

    public init() {}

    public func receive(_ event: GatewayEvent, durable: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Void>? {
        self.recorded.withLock { $0.append(event) }
        return nil
    }

    public var events: [GatewayEvent] { self.recorded.withLock { $0 } }

    /// Status changes of one device, in order, as (online, reason).
    public func statuses(of deviceID: String) -> [(online: Bool, reason: StatusReason)] {
        self.events.compactMap { event in
            guard case .status(let change) = event, change.deviceID == deviceID else { return nil }
            return (change.online, change.reason)
        }
    }

    /// Waits until `condition` holds for the recorded events, for at most `timeout`.
    public func waitUntil(
        timeout: Duration = .seconds(5),
        _ condition: ([GatewayEvent]) -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if self.recorded.withLock({ condition($0) }) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return self.recorded.withLock { condition($0) }
    }

    /// Waits for the device's status history to reach `count` entries and returns it.
    public func waitForStatuses(of deviceID: String, count: Int) async throws -> [(online: Bool, reason: StatusReason)]
    {
        _ = try await self.waitUntil { events in
            events.count { event in
                if case .status(let change) = event { return change.deviceID == deviceID }
                return false
            } >= count
        }
        return self.statuses(of: deviceID)
    }
}
