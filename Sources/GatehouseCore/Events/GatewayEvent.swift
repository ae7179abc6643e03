/// Everything that happens to devices, in the one stream that sinks (dashboard, MQTT, ...) consume.
public enum GatewayEvent: Sendable {
    case status(StatusChange)
    case telemetry(TelemetryReport)
    case event(EventReport)
    case commandResult(CommandResultReport)
    /// A command of the queue moved along its lifecycle.
    case command(CommandRecord)
    /// A device message another node published to the broker (only with the MQTT bridge).
    case peer(PeerMessage)

    public var deviceID: String {
        switch self {
        case .status(let change): change.deviceID
        case .telemetry(let report): report.deviceID
        case .event(let report): report.deviceID
        case .commandResult(let report): report.deviceID
        case .command(let record): record.deviceID
        case .peer(let message): message.deviceID
        }
    }
}
