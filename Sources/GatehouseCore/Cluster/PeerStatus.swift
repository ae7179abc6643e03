/// A device's status as some node published it on the broker's retained status topic.
public struct PeerStatus: Sendable {
    public var deviceID: String
    public var node: String
    public var online: Bool
    public var sessionID: String?
    public var reason: String?
    /// Unix epoch milliseconds of the change, on the publishing node's clock.
    public var timestampMs: Int64
    /// The whole message, for views that show more of the session (profile, firmware, remote address).
    public var message: JSONValue

    /// Reads a status payload; nil when a required key is missing.
    public init?(_ message: JSONValue) {
        guard let deviceID = message["device"]?.stringValue, let node = message["node"]?.stringValue,
            let online = message["online"]?.boolValue, let timestamp = message["ts"]?.doubleValue
        else { return nil }
        self.deviceID = deviceID
        self.node = node
        self.online = online
        self.sessionID = message["session_id"]?.stringValue
        self.reason = message["reason"]?.stringValue
        self.timestampMs = Int64(timestamp)
        self.message = message
    }
}
