extension CommandRecord {
    /// The record as the REST API shows it; the live feed and MQTT add `"type":"command_result"`.
    public var json: JSONValue {
        .object([
            ("command_id", .string(self.id)), ("request_id", JSONValue(self.requestID)),
            ("device", .string(self.deviceID)), ("node", .string(self.node)),
            ("name", .string(self.name)), ("args", self.args), ("status", .string(self.status.rawValue)),
            ("ts", .int(self.history.last?.atMs ?? self.createdAtMs)), ("created_at_ms", .int(self.createdAtMs)),
            ("ttl_ms", .int(self.ttlMs)), ("expires_at_ms", self.expiresAtMs.map(JSONValue.int) ?? .null),
            ("timeout_ms", .int(self.timeoutMs)), ("result", self.result),
            ("history", .array(self.history.map(\.json))),
        ])
    }
}

extension CommandRecord.Transition {
    /// `{"status":…,"at_ms":…}` (and `"node"` when another node carried it), in the API and in the
    /// database alike.
    var json: JSONValue {
        let step: [(String, JSONValue)] = [("status", .string(self.status.rawValue)), ("at_ms", .int(self.atMs))]
        return .object(step + (self.node.map { [("node", .string($0))] } ?? []))
    }

    init?(json: JSONValue) {
        guard let status = json["status"]?.stringValue.flatMap(CommandState.init(rawValue:)),
            let at = json["at_ms"]?.doubleValue
        else { return nil }
        self.init(status: status, atMs: Int64(at), node: json["node"]?.stringValue)
    }
}
