extension HTTPClient {
    /// Queues `body` for `device` and returns the command ID; throws unless it was accepted as `queued`.
    public func queueCommand(_ device: String, _ body: String) async throws -> String {
        let reply = try await self.post("/api/devices/\(device)/commands", body)
        guard reply.status == 202, reply.object["status"] as? String == "queued",
            let id = reply.object["command_id"] as? String
        else { throw TestFailure("command not queued: \(reply.status) \(reply.text)") }
        return id
    }

    /// The statuses a command went through.
    public func commandHistory(_ id: String) async throws -> [String] {
        try await self.commandSteps(id).compactMap { $0["status"] as? String }
    }

    /// The command's history as the API shows it (`status`, `at_ms`, and `node` for another node).
    public func commandSteps(_ id: String) async throws -> [[String: Any]] {
        try await self.get("/api/commands/\(id)").object["history"] as? [[String: Any]] ?? []
    }

    /// Polls the command until it is `status`, at most `timeout`.
    public func waitForCommand(_ id: String, status: String, timeout: Duration = .seconds(10)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await self.get("/api/commands/\(id)").object["status"] as? String == status { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
