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

    /// Asks `nodes` about the commands they own, each answering for its own records, and returns what
    /// every node that answered within a short wait said.
    func query(_ query: CommandQuery, nodes: [String]) async -> [CommandQuery.Answer]
}
