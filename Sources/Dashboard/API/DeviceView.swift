import GatehouseCore

/// A device as the API and the live feed's snapshot show it: registry facts merged with what this
/// node last saw of the device and, in a deployment of several nodes, what the broker says of it.
struct DeviceView: Sendable {
    var id: String
    var registeredProfile: String?
    var entry: DeviceDirectory.Entry?
    /// The device's state published by another node, when that is newer than this node's own.
    var peer: ClusterDirectory.DeviceState?

    init(id: String, registeredProfile: String?, entry: DeviceDirectory.Entry?, cluster: ClusterDirectory.DeviceState?)
    {
        self.id = id
        self.registeredProfile = registeredProfile
        self.entry = entry
        self.peer = Self.newerPeerState(cluster, than: entry)
    }

    /// Another node's status wins when it is newer than this node's last own change for the device:
    /// the device moved there, or came back there after it went offline here.
    private static func newerPeerState(
        _ cluster: ClusterDirectory.DeviceState?,
        than entry: DeviceDirectory.Entry?
    ) -> ClusterDirectory.DeviceState? {
        guard let cluster, let status = cluster.status, status.node != entry?.status.node else { return nil }
        guard let entry else { return cluster }
        return status.timestampMs > entry.status.timestampMs ? cluster : nil
    }

    /// Every registered device and every device seen since start (unregistered ones are admitted with
    /// `--allow-unknown-devices`), here or on another node, sorted by ID.
    static func all(registered: [DeviceRecord], gateway: Gateway) -> [DeviceView] {
        let entries = gateway.directory.allEntries()
        let cluster = gateway.cluster.allDevices().filter { $0.value.status != nil }
        var profiles: [String: String?] = [:]
        for record in registered {
            profiles[record.id] = record.profile
        }
        let ids = Set(profiles.keys).union(entries.keys).union(cluster.keys)
        return ids.sorted().map { id in
            DeviceView(id: id, registeredProfile: profiles[id] ?? nil, entry: entries[id], cluster: cluster[id])
        }
    }

    var isOnline: Bool { self.peer?.status?.online ?? self.entry?.status.online ?? false }

    var json: JSONValue {
        if let peer = self.peer, let status = peer.status {
            return self.json(peer: status, lastTelemetry: peer.lastTelemetry)
        }
        let status = self.entry?.status
        let session = status?.session
        let online = self.isOnline
        let telemetry: JSONValue =
            self.entry?.lastTelemetry.map { report in
                .object([("ts", .int(report.timestampMs)), ("fields", JSONValue(report.values))])
            } ?? .null
        return .object([
            ("id", .string(self.id)),
            ("profile", JSONValue(session?.profile?.name ?? self.registeredProfile)),
            ("online", .bool(online)),
            ("node", JSONValue(status?.node)),
            ("reason", JSONValue(status?.reason.rawValue)),
            ("session_id", JSONValue(online ? session?.sessionID : nil)),
            ("remote", JSONValue(online ? session?.remoteAddress : nil)),
            ("connected_at_ms", JSONValue(session?.connectedAtMs)),
            ("last_seen_ms", JSONValue(session?.lastSeenMs)),
            ("firmware", JSONValue(session.map { $0.firmware.isEmpty ? nil : $0.firmware } ?? nil)),
            ("last_telemetry", telemetry),
        ])
    }

    /// The same shape, from the status and telemetry messages another node published.
    private func json(peer status: PeerStatus, lastTelemetry: JSONValue?) -> JSONValue {
        let message = status.message
        let telemetry: JSONValue =
            lastTelemetry.map { .object([("ts", $0["ts"] ?? .null), ("fields", $0["fields"] ?? .null)]) } ?? .null
        return .object([
            ("id", .string(self.id)),
            ("profile", message["profile"] ?? JSONValue(self.registeredProfile)),
            ("online", .bool(status.online)),
            ("node", .string(status.node)),
            ("reason", JSONValue(status.reason)),
            ("session_id", status.online ? JSONValue(status.sessionID) : .null),
            ("remote", status.online ? message["remote"] ?? .null : .null),
            ("connected_at_ms", message["connected_at_ms"] ?? .null),
            ("last_seen_ms", lastTelemetry?["ts"] ?? .null),
            ("firmware", message["firmware"] ?? .null),
            ("last_telemetry", telemetry),
        ])
    }
}
