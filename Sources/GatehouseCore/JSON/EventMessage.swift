/// The messages of the dashboard's live feed, which are also the MQTT bridge's payloads: one JSON
/// object per event.
public enum EventMessage {
    /// Written straight to bytes: this runs for every telemetry frame that has a consumer.
    public static func telemetry(_ report: TelemetryReport, node: String) -> [UInt8] {
        var writer = JSONObjectWriter()
        writer.member("type", "telemetry")
        writer.member("node", node)
        writer.member("device", report.deviceID)
        writer.member("ts", report.timestampMs)
        writer.member("seq", Int64(report.seq))
        writer.member("fields", report.values)
        return writer.finish()
    }

    public static func event(_ report: EventReport, node: String) -> [UInt8] {
        var writer = JSONObjectWriter()
        writer.member("type", "event")
        writer.member("node", node)
        writer.member("device", report.deviceID)
        writer.member("ts", report.timestampMs)
        writer.member("code", Int64(report.code))
        writer.member("name", JSONValue(report.name))
        writer.member("fields", report.values)
        return writer.finish()
    }

    /// Also carries the session's facts, so a client that first hears of a device here can show it.
    public static func status(_ change: StatusChange) -> JSONValue {
        let session = change.session
        return .object([
            ("type", .string("status")), ("node", .string(change.node)), ("device", .string(change.deviceID)),
            ("online", .bool(change.online)),
            ("reason", .string(change.reason.rawValue)), ("session_id", .string(session.sessionID)),
            ("ts", .int(change.timestampMs)), ("profile", JSONValue(session.profile?.name)),
            ("remote", .string(session.remoteAddress)),
            ("firmware", JSONValue(session.firmware.isEmpty ? nil : session.firmware)),
            ("connected_at_ms", .int(session.connectedAtMs)),
        ])
    }

    /// A command of the queue moved on: its record, with its whole history.
    public static func command(_ record: CommandRecord) -> JSONValue {
        guard case .object(let members) = record.json else { return record.json }
        return .object([("type", .string("command_result"))] + members)
    }

    /// The answer to a command that could not be accepted at all (status `invalid`, no record).
    public static func commandRefused(device: String, node: String, requestID: String?, reason: String) -> JSONValue {
        .object([
            ("type", .string("command_result")), ("node", .string(node)), ("device", .string(device)),
            ("request_id", JSONValue(requestID)), ("command_id", .null), ("status", .string("invalid")),
            ("error", .string(reason)),
        ])
    }

    public static func lagged(dropped: Int) -> JSONValue {
        .object([("type", .string("lagged")), ("dropped", .int(Int64(dropped)))])
    }

    public static func error(_ message: String) -> JSONValue {
        .object([("type", .string("error")), ("message", .string(message))])
    }
}
