extension CommandRecord {
    /// The record as the REST API shows it; the live feed and MQTT add `"type":"command_result"`.
    public var json: JSONValue {
        .object([
            ("command_id", .string(self.id)), ("request_id", JSONValue(self.requestID)),
            ("device", .string(self.deviceID)), ("node", .string(self.node)),
            ("name", .string(self.name)), ("status", .string(self.status.rawValue)),
            ("ts", .int(self.history.last?.atMs ?? self.createdAtMs)), ("created_at_ms", .int(self.createdAtMs)),
            ("ttl_ms", .int(self.ttlMs)), ("expires_at_ms", self.expiresAtMs.map(JSONValue.int) ?? .null),
            ("timeout_ms", .int(self.timeoutMs)), ("result", self.result),
            (
                "history",
                .array(
                    self.history.map { .object([("status", .string($0.status.rawValue)), ("at_ms", .int($0.atMs))]) })
            ),
        ])
    }
}
