public import DFP

/// One EVENT frame of a session.
public struct EventReport: Sendable {
    public var session: DeviceSession
    public var seq: UInt16
    /// The device's timestamp, or the gateway's receive time when the device sent 0 (Unix epoch ms).
    public var timestampMs: Int64
    public var code: UInt16
    public var fields: [Field]

    public init(session: DeviceSession, seq: UInt16, timestampMs: Int64, code: UInt16, fields: [Field]) {
        self.session = session
        self.seq = seq
        self.timestampMs = timestampMs
        self.code = code
        self.fields = fields
    }

    public var deviceID: String { self.session.deviceID }

    /// The profile's name for the event code, if it has one.
    public var name: String? { self.session.profile.eventName(code: self.code) }

    public var values: [NamedValue] { self.session.profile.eventValues(self.fields) }
}
