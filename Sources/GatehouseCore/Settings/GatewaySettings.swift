/// Everything `gatehouse serve` can be told, with the defaults a first start uses.
public struct GatewaySettings: Hashable, Sendable {
    /// The address both listeners bind to.
    public var host = "0.0.0.0"
    public var devicePort = 7300
    public var httpPort = 8080
    public var dataDirectory = "./gatehouse-data"
    public var devicesDirectory = "./devices"
    /// Granted to a HELLO that asks for heartbeat 0.
    public var heartbeat: Duration = .seconds(30)
    public var heartbeatMin: Duration = .seconds(1)
    public var heartbeatMax: Duration = .seconds(3600)
    public var maxPayload = 4096
    /// How long a new connection may take to send its HELLO.
    public var helloTimeout: Duration = .seconds(10)
    /// How long a frame may take to arrive once its first byte has: the bound on slowloris peers.
    public var frameTimeout: Duration = .seconds(10)
    /// Bytes waiting to be written to a device past which it counts as not reading, and is closed.
    public var maxSendBuffer = 256 * 1024
    /// Development only: admit any well-formed device ID that is not in the registry.
    public var allowUnknownDevices = false
    /// Commands a device may have queued (waiting for its next session) before more are refused.
    public var commandQueueLimit = 100
    /// How long the records of ended commands are kept; zero keeps them for ever.
    public var commandRetention: Duration = .seconds(7 * 86400)
    public var logLevel = "info"
    /// The token of the HTTP API, metrics and live feed; nil means the one stored in the data dir
    /// (generated on first start).
    public var apiToken: String?
    /// The MQTT broker to bridge to; nil turns the bridge off.
    public var mqtt: BrokerAddress?
    /// A CA certificate file (PEM) to verify an `mqtts://` broker with; nil uses the system's CAs.
    public var mqttCA: String?
    /// The first level of every topic the bridge publishes and subscribes.
    public var mqttPrefix = "gatehouse"
    /// This node's name in a deployment of several on one broker; in statuses and topics.
    public var nodeID = GatewaySettings.hostName
    /// Messages that may wait for the broker (while it is slow or away) before new ones are refused.
    public var mqttOutbox = 100_000

    public init() {}

    /// Checks the settings against each other and against what DFP/1 can carry.
    public func validate() throws(SettingsError) {
        func require(_ condition: Bool, _ message: String) throws(SettingsError) {
            if !condition { throw SettingsError(message) }
        }
        try require((0...65535).contains(self.devicePort), "device_port must be 0...65535")
        try require((0...65535).contains(self.httpPort), "http_port must be 0...65535")
        try require((0...65535).contains(self.maxPayload), "max_payload must be 0...65535 (DFP/1's u16 length)")
        try require(self.heartbeatMin >= .seconds(1), "heartbeat_min must be at least 1s")
        try require(self.heartbeatMax <= .seconds(65535), "heartbeat_max must be at most 65535s (DFP/1's u16)")
        try require(self.heartbeatMin <= self.heartbeatMax, "heartbeat_min must not exceed heartbeat_max")
        try require(
            self.heartbeat >= self.heartbeatMin && self.heartbeat <= self.heartbeatMax,
            "heartbeat must lie within [heartbeat_min, heartbeat_max]"
        )
        try require(self.helloTimeout > .zero, "hello_timeout must be positive")
        try require(self.frameTimeout > .zero, "frame_timeout must be positive")
        try require(self.maxSendBuffer >= 1024, "max_send_buffer must be at least 1KiB")
        try require(
            ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(self.logLevel),
            "log_level must be one of trace, debug, info, notice, warning, error, critical")
        try require(Self.isTopicLevels(self.mqttPrefix), "mqtt_prefix must be topic levels without + or #")
        try require(
            Self.isTopicLevels(self.nodeID) && !self.nodeID.contains("/"), "node_id must be one topic level, no + # /")
        try require(self.mqttOutbox >= 1, "mqtt_outbox must be at least 1")
        try require(self.mqttCA == nil || self.mqtt?.usesTLS == true, "mqtt_ca needs an mqtts:// broker")
    }

    private static func isTopicLevels(_ text: String) -> Bool {
        !text.isEmpty && !text.contains("+") && !text.contains("#") && !text.hasPrefix("/") && !text.hasSuffix("/")
            && !text.contains("\0")
    }

    /// The heartbeat interval granted to a HELLO that requested `requestedSeconds`.
    public func grantedHeartbeat(requestedSeconds: UInt16) -> UInt16 {
        let requested = requestedSeconds == 0 ? self.heartbeat.wholeSecondsRoundedUp : Int64(requestedSeconds)
        let clamped = min(
            max(requested, self.heartbeatMin.wholeSecondsRoundedUp), self.heartbeatMax.wholeSecondsRoundedUp)
        return UInt16(clamped)
    }
}

/// A setting that cannot be used, with the setting's name and what is wrong.
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
