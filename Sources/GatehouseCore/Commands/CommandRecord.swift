public import DFP

/// One command with its whole history, as the command queue keeps it durably and the REST API, the
/// live feed and the MQTT bridge show it.
public struct CommandRecord: Sendable {
    /// One step of the lifecycle, with the wall-clock time it happened.
    public struct Transition: Sendable, Equatable {
        public var status: CommandState
        public var atMs: Int64
        /// The other node that carried a `sent` to the device; nil when it was this one.
        public var node: String?
    }

    /// `cmd-` and 16 hex digits, unique across nodes.
    public var id: String
    public var deviceID: String
    public var name: String
    /// What goes on the wire.
    public var arguments: [Field]
    /// The arguments as the caller gave them (by name in engineering units, or by tag), for people.
    public var args: JSONValue
    /// The node that accepted the command and alone may send it.
    public var node: String
    public var createdAtMs: Int64
    /// 0: deliver now or end `offline`.
    public var ttlMs: Int64
    public var timeoutMs: Int64
    public var status: CommandState
    /// The device's result fields, named by its profile (an object), once it answered.
    public var result: JSONValue
    public var history: [Transition]
    /// The caller's own ID for the command (`request_id` on the live feed and MQTT), echoed in every
    /// message about it.
    public var requestID: String?

    public init(
        id: String, deviceID: String, name: String, arguments: [Field], args: JSONValue, node: String,
        createdAtMs: Int64, ttlMs: Int64,
        timeoutMs: Int64, status: CommandState, result: JSONValue, history: [Transition], requestID: String?
    ) {
        self.id = id
        self.deviceID = deviceID
        self.name = name
        self.arguments = arguments
        self.args = args
        self.node = node
        self.createdAtMs = createdAtMs
        self.ttlMs = ttlMs
        self.timeoutMs = timeoutMs
        self.status = status
        self.result = result
        self.history = history
        self.requestID = requestID
    }

    public var expiresAtMs: Int64? { self.ttlMs > 0 ? self.createdAtMs + self.ttlMs : nil }

    /// The record moved on to `status` at `atMs`.
    mutating func advance(to status: CommandState, atMs: Int64, through node: String? = nil) {
        self.status = status
        self.history.append(Transition(status: status, atMs: atMs, node: node))
    }
}
