public import DFP

/// One TELEMETRY frame of a session, with its fields as they came off the wire.
///
/// Fields stay raw on the hot path; a sink that needs names and units asks for `values`, which applies
/// the session's profile only when someone actually renders the report.
public struct TelemetryReport: Sendable {
    public var session: DeviceSession
    public var seq: UInt16
    /// The device's timestamp, or the gateway's receive time when the device sent 0 (Unix epoch ms).
    public var timestampMs: Int64
    public var fields: [Field]

    public init(session: DeviceSession, seq: UInt16, timestampMs: Int64, fields: [Field]) {
        self.session = session
        self.seq = seq
        self.timestampMs = timestampMs
        self.fields = fields
    }

    public var deviceID: String { self.session.deviceID }

    /// The fields named and scaled by the session's profile (tag numbers where it has no entry).
    public var values: [NamedValue] { self.session.profile.telemetryValues(self.fields) }
}
