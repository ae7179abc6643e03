/// A question about command records, answered by each node for the commands it owns: the records stay
/// with the node that accepted the command, and the API of every node reaches all of them.
public enum CommandQuery: Sendable, Equatable {
    /// A device's commands (optionally in one status), at most the newest `limit`.
    case commands(deviceID: String, status: CommandState?, limit: Int)
    /// One command's record.
    case command(id: String)
    /// Cancels a queued command.
    case cancel(id: String)

    /// One node's answer: the records it owns that match (at most one for `command` and `cancel`), or,
    /// for a `cancel` it owns but could not do, the command's status.
    public struct Answer: Sendable {
        public var node: String
        public var records: [JSONValue]
        public var notCancelled: CommandState?

        public init(node: String, records: [JSONValue], notCancelled: CommandState? = nil) {
            self.node = node
            self.records = records
            self.notCancelled = notCancelled
        }
    }
}

/// How a command handed to a session ended, here or on another node.
public struct SentCommandOutcome: Sendable {
    /// `offline` when the session was gone and nothing was sent.
    public var status: CommandOutcomeStatus
    /// The device's result, named by its session's profile.
    public var result: JSONValue

    public init(status: CommandOutcomeStatus, result: JSONValue) {
        self.status = status
        self.result = result
    }
}
