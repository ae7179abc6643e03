import Synchronization

/// What this node learned from the broker about the whole deployment: every device's last published
/// status (whichever node published it) and latest telemetry, and which nodes are up.
///
/// The MQTT bridge keeps it; the dashboard merges it with the node's own `DeviceDirectory`, and the
/// bridge reads it to decide takeovers and which node answers a command for an offline device.
public final class ClusterDirectory: Sendable {
    public struct DeviceState: Sendable {
        /// The last status published for the device, in the broker's order.
        public var status: PeerStatus?
        /// The latest telemetry message published by another node (`ts` and `fields` in it).
        public var lastTelemetry: JSONValue?
    }

    private let devices = ShardedDictionary<DeviceState>()
    private let nodes = Mutex<[String: Bool]>([:])

    public init() {}

    public func record(_ status: PeerStatus) {
        self.devices.update(status.deviceID) { state in
            if state == nil {
                state = DeviceState(status: status)
            } else {
                state?.status = status
            }
        }
    }

    public func recordTelemetry(deviceID: String, message: JSONValue) {
        self.devices.update(deviceID) { state in
            if state == nil {
                state = DeviceState(lastTelemetry: message)
            } else {
                state?.lastTelemetry = message
            }
        }
    }

    public func status(of deviceID: String) -> PeerStatus? {
        self.devices[deviceID]?.status
    }

    /// The node other than `ownNode` that holds the device's session, as the broker last said, while
    /// that node is up.
    public func remoteNode(of deviceID: String, apartFrom ownNode: String) -> String? {
        guard let status = self.status(of: deviceID), status.online, status.node != ownNode,
            self.isNodeOnline(status.node)
        else { return nil }
        return status.node
    }

    public func state(of deviceID: String) -> DeviceState? {
        self.devices[deviceID]
    }

    public func allDevices() -> [String: DeviceState] {
        self.devices.all()
    }

    /// Records a node's `online`/`offline` from its retained node status.
    public func setNode(_ node: String, online: Bool) {
        self.nodes.withLock { $0[node] = online }
    }

    public func isNodeOnline(_ node: String) -> Bool {
        self.nodes.withLock { $0[node] ?? false }
    }

    /// Every node heard of, with whether its last node status said `online`.
    public var nodeStatuses: [String: Bool] {
        self.nodes.withLock { $0 }
    }

    /// The nodes whose last node status said `online`, sorted.
    public var onlineNodes: [String] {
        self.nodes.withLock { nodes in nodes.filter(\.value).map(\.key).sorted() }
    }
}
