public import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Creates a scenario's devices in a gateway's registry through its REST API, so the fleet can log in
/// to a gateway that admits only registered devices: `POST /api/devices` for a new device, a new token
/// (`POST /api/devices/{id}/token`) for one that exists already.
public struct Provisioner: Sendable {
    public var api: URL
    public var apiToken: String
    /// Requests in flight at once.
    public var concurrency = 16

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(api: URL, apiToken: String) {
        self.api = api
        self.apiToken = apiToken
    }

    /// Each device's token, by device ID.
    ///
    /// Every request runs to its end even after one failed: cancelling a FoundationNetworking request
    /// while another completes deadlocks the Swift runtime's task-status lock against URLSession's queue
    /// (seen here: a thread cancelling a task group waits on the queue, whose thread resuming a
    /// continuation waits on the lock).
    public func provision(_ scenario: Scenario) async throws -> [String: String] {
        let devices = scenario.fleets.flatMap { fleet in (0..<fleet.count).map { (fleet.deviceID($0), fleet.profile) } }
        let results = await withTaskGroup(of: (String, Result<String, any Error>).self) { group in
            var results: [(String, Result<String, any Error>)] = []
            var next = 0
            func startNext() {
                guard next < devices.count else { return }
                let (id, profile) = devices[next]
                next += 1
                group.addTask {
                    do {
                        return (id, .success(try await self.token(for: id, profile: profile)))
                    } catch {
                        return (id, .failure(error))
                    }
                }
            }
            for _ in 0..<self.concurrency { startNext() }
            while let result = await group.next() {
                results.append(result)
                startNext()
            }
            return results
        }
        var tokens: [String: String] = [:]
        for (id, result) in results {
            tokens[id] = try result.get()
        }
        return tokens
    }

    private func token(for id: String, profile: String) async throws -> String {
        var body: [String: String] = ["id": id]
        if !profile.isEmpty { body["profile"] = profile }
        let (created, status) = try await self.post("api/devices", body: body)
        switch status {
        case 201: return try Self.token(in: created, for: id)
        case 409:
            let (rotated, status) = try await self.post("api/devices/\(id)/token", body: [:])
            guard status == 200 else { throw Failure(description: "\(id): new token refused with HTTP \(status)") }
            return try Self.token(in: rotated, for: id)
        default:
            throw Failure(description: "\(id): POST /api/devices answered HTTP \(status)")
        }
    }

    private static func token(in body: Data, for id: String) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let token = object["token"] as? String
        else { throw Failure(description: "\(id): no token in the API's answer") }
        return token
    }

    private func post(_ path: String, body: [String: String]) async throws -> (Data, Int) {
        var request = URLRequest(url: self.api.appendingPathComponent(path))
        request.httpMethod = "POST"
        request.setValue("Bearer \(self.apiToken)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}
