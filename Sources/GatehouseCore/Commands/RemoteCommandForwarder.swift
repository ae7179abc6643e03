/// Reaches devices whose session lives on another gateway node; the MQTT bridge provides it, so the
/// dashboard and the REST API of any node reach every device of the deployment, and a node's queued
/// commands reach their device wherever it connects next.
public protocol RemoteCommandForwarder: Sendable {
    /// Publishes `command` (`{"name":…,"args":{…},"timeout_ms":…}`, checked by the node that holds the
    /// device) and returns that node's result message (`status`, `command_id`, `result`, `error`), or nil
    /// when none came within `timeout` and the trip's margin.
    func forward(deviceID: String, command: JSONValue, timeout: Duration) async -> JSONValue?

    /// Hands a command of this node's queue, already marked `sent`, to `node`, which holds the device's
    /// session and sends it unless its deadline has passed or the session is gone. Returns that node's
    /// answer, or nil when none came within the command's timeout and the trip's margin (the command
    /// may or may not have reached the device).
    func deliver(_ record: CommandRecord, through node: String) async -> SentCommandOutcome?
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
