public import DFP

/// A COMMAND_RESULT frame of a session: the device's answer to a command.
public struct CommandResultReport: Sendable {
    public var session: DeviceSession
    public var result: CommandResult
    /// Unix epoch milliseconds when the gateway received it.
    public var receivedAtMs: Int64

    public init(session: DeviceSession, result: CommandResult, receivedAtMs: Int64) {
        self.session = session
        self.result = result
        self.receivedAtMs = receivedAtMs
    }

    public var deviceID: String { self.session.deviceID }
}
