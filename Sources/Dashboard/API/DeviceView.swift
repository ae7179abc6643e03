import GatehouseCore

/// A device as the API and the live feed's snapshot show it: registry facts merged with what the
/// gateway last saw of the device.
struct DeviceView: Sendable {
    var id: String
    var registeredProfile: String?
    var entry: DeviceDirectory.Entry?

    /// Every registered device and every device seen since start (unregistered ones are admitted with
    /// `--allow-unknown-devices`), sorted by ID.
    static func all(registered: [DeviceRecord], directory: DeviceDirectory) -> [DeviceView] {
        var views: [String: DeviceView] = [:]
        for record in registered {
            views[record.id] = DeviceView(id: record.id, registeredProfile: record.profile, entry: nil)
        }
        for (id, entry) in directory.allEntries() {
            views[id, default: DeviceView(id: id, registeredProfile: nil, entry: nil)].entry = entry
        }
        return views.values.sorted { $0.id < $1.id }
    }

    var isOnline: Bool { self.entry?.status.online ?? false }

    var json: JSONValue {
        let status = self.entry?.status
        let session = status?.session
        let online = self.isOnline
        let profile = session?.profile?.name ?? self.registeredProfile
        let telemetry: JSONValue =
            self.entry?.lastTelemetry.map { report in
                .object([("ts", .int(report.timestampMs)), ("fields", JSONValue(report.values))])
            } ?? .null
        return .object([
            ("id", .string(self.id)),
            ("profile", JSONValue(profile)),
            ("online", .bool(online)),
            ("reason", JSONValue(status?.reason.rawValue)),
            ("session_id", JSONValue(online ? session?.sessionID : nil)),
            ("remote", JSONValue(online ? session?.remoteAddress : nil)),
            ("connected_at_ms", JSONValue(session?.connectedAtMs)),
            ("last_seen_ms", JSONValue(session?.lastSeenMs)),
            ("firmware", JSONValue(session.map { $0.firmware.isEmpty ? nil : $0.firmware } ?? nil)),
            ("last_telemetry", telemetry),
        ])
    }
}
