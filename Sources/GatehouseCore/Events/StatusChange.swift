/// A device came online or went offline.
public struct StatusChange: Sendable {
    public var session: DeviceSession
    /// The gateway node the session lives on.
    public var node: String
    public var online: Bool
    public var reason: StatusReason
    /// Unix epoch milliseconds of the change.
    public var timestampMs: Int64

    public init(session: DeviceSession, node: String, online: Bool, reason: StatusReason, timestampMs: Int64) {
        self.session = session
        self.node = node
        self.online = online
        self.reason = reason
        self.timestampMs = timestampMs
    }

    public var deviceID: String { self.session.deviceID }
}
