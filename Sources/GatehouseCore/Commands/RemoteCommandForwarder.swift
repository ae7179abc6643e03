/// Sends a command to a device whose session lives on another gateway node, and waits for that node's
/// answer; the MQTT bridge provides it, so the dashboard and the REST API of any node reach every
/// device of the deployment.
public protocol RemoteCommandForwarder: Sendable {
    /// Publishes `command` (`{"name":…,"args":{…},"timeout_ms":…}`, checked by the node that holds the
    /// device) and returns that node's result message (`status`, `command_id`, `result`, `error`), or nil
    /// when none came within `timeout` and the trip's margin.
    func forward(deviceID: String, command: JSONValue, timeout: Duration) async -> JSONValue?
}
