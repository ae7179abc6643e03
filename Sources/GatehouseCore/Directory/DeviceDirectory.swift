public import NIOCore
import Synchronization

/// What the gateway last knew of every device it has seen: its last status change and its latest
/// telemetry. The dashboard's device list and snapshot read it; sessions keep it current as a sink.
///
/// Sharded like the session table, so telemetry from different event loops rarely meets on a lock.
public final class DeviceDirectory: EventSink {
    /// One device's last known state.
    public struct Entry: Sendable {
        /// The last online or offline change; its session is the live one while online.
        public var status: StatusChange
        public var lastTelemetry: TelemetryReport?
    }

    private final class Shard: Sendable {
        let entries = Mutex<[String: Entry]>([:])
    }

    private let shards: [Shard]

    public init(shardCount: Int = 64) {
        self.shards = (0..<max(1, shardCount)).map { _ in Shard() }
    }

    private func shard(for deviceID: String) -> Shard {
        self.shards[Int(UInt(bitPattern: deviceID.hashValue) % UInt(self.shards.count))]
    }

    public func receive(_ event: GatewayEvent, durable: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Void>? {
        switch event {
        case .status(let change):
            self.shard(for: change.deviceID).entries.withLock { entries in
                entries[change.deviceID, default: Entry(status: change)].status = change
            }
        case .telemetry(let report):
            self.shard(for: report.deviceID).entries.withLock { entries in
                entries[report.deviceID]?.lastTelemetry = report
            }
        case .event, .commandResult:
            break
        }
        return nil
    }

    public func entry(for deviceID: String) -> Entry? {
        self.shard(for: deviceID).entries.withLock { $0[deviceID] }
    }

    /// Every device seen since the gateway started.
    public func allEntries() -> [String: Entry] {
        var all: [String: Entry] = [:]
        for shard in self.shards {
            shard.entries.withLock { all.merge($0) { _, new in new } }
        }
        return all
    }
}
