public import NIOCore

/// What the gateway last knew of every device it has served: its last status change and its latest
/// telemetry. The dashboard's device list and snapshot read it; sessions keep it current as a sink.
public final class DeviceDirectory: EventSink {
    /// One device's last known state.
    public struct Entry: Sendable {
        /// The last online or offline change; its session is the live one while online.
        public var status: StatusChange
        public var lastTelemetry: TelemetryReport?
    }

    private let entries = ShardedDictionary<Entry>()

    public init() {}

    public func receive(_ event: GatewayEvent, durable: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Void>? {
        switch event {
        case .status(let change):
            self.entries.update(change.deviceID) { entry in
                if entry == nil {
                    entry = Entry(status: change)
                } else {
                    entry?.status = change
                }
            }
        case .telemetry(let report):
            self.entries.update(report.deviceID) { $0?.lastTelemetry = report }
        case .event, .commandResult, .command, .peer:
            break
        }
        return nil
    }

    public func entry(for deviceID: String) -> Entry? {
        self.entries[deviceID]
    }

    /// Every device seen since the gateway started.
    public func allEntries() -> [String: Entry] {
        self.entries.all()
    }
}
