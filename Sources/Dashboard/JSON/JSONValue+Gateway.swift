import DFP
import GatehouseCore

extension JSONValue {
    init(_ value: ProfileValue) {
        switch value {
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .uint(let value): self = .uint(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .bytes(let value): self = .string(value.hexString)
        }
    }

    /// `{"temperature": 21.5, ...}`
    init(_ values: [NamedValue]) {
        self = .object(values.map { ($0.name, JSONValue($0.value)) })
    }

    init(_ string: String?) {
        self = string.map(JSONValue.string) ?? .null
    }

    init(_ integer: Int64?) {
        self = integer.map(JSONValue.int) ?? .null
    }
}

/// The messages of the live feed (and the MQTT payloads later), one JSON object per event.
enum EventMessage {
    static func telemetry(_ report: TelemetryReport) -> JSONValue {
        .object([
            ("type", .string("telemetry")), ("device", .string(report.deviceID)), ("ts", .int(report.timestampMs)),
            ("seq", .int(Int64(report.seq))), ("fields", JSONValue(report.values)),
        ])
    }

    static func event(_ report: EventReport) -> JSONValue {
        .object([
            ("type", .string("event")), ("device", .string(report.deviceID)), ("ts", .int(report.timestampMs)),
            ("code", .int(Int64(report.code))), ("name", JSONValue(report.name)), ("fields", JSONValue(report.values)),
        ])
    }

    /// Also carries the session's facts, so a client that first hears of a device here can show it.
    static func status(_ change: StatusChange) -> JSONValue {
        let session = change.session
        return .object([
            ("type", .string("status")), ("device", .string(change.deviceID)), ("online", .bool(change.online)),
            ("reason", .string(change.reason.rawValue)), ("session_id", .string(session.sessionID)),
            ("ts", .int(change.timestampMs)), ("profile", JSONValue(session.profile?.name)),
            ("remote", .string(session.remoteAddress)),
            ("firmware", JSONValue(session.firmware.isEmpty ? nil : session.firmware)),
            ("connected_at_ms", .int(session.connectedAtMs)),
        ])
    }

    static func commandResult(device: String, requestID: String?, outcome: CommandOutcome) -> JSONValue {
        .object([
            ("type", .string("command_result")), ("device", .string(device)), ("request_id", JSONValue(requestID)),
            ("command_id", outcome.commandID.map { .int(Int64($0)) } ?? .null),
            ("status", .string(outcome.status.rawValue)), ("result", JSONValue(outcome.result)),
        ])
    }

    static func lagged(dropped: Int) -> JSONValue {
        .object([("type", .string("lagged")), ("dropped", .int(Int64(dropped)))])
    }

    static func error(_ message: String) -> JSONValue {
        .object([("type", .string("error")), ("message", .string(message))])
    }
}
