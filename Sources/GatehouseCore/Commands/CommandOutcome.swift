/// How a command ended, as reported to whoever sent it.
public enum CommandOutcomeStatus: String, Hashable, Sendable {
    case ok, failed, unsupported, busy
    /// Sent, but the device gave no result within the timeout.
    case timeout
    /// No live session for the device, so nothing was sent.
    case offline
}

/// The answer to one command: its ID on the wire (nil when it was never sent) and the result fields,
/// named through the device's profile.
public struct CommandOutcome: Sendable {
    public var commandID: UInt32?
    public var status: CommandOutcomeStatus
    public var result: [NamedValue]

    public init(commandID: UInt32?, status: CommandOutcomeStatus, result: [NamedValue] = []) {
        self.commandID = commandID
        self.status = status
        self.result = result
    }
}
