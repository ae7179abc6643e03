import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

@Suite("The durable command queue")
struct CommandQueueTests {
    /// Queues `body` for `device` and returns the command ID, checking the 202 and the record.
    static func queue(_ api: HTTPClient, _ device: String, _ body: String) async throws -> String {
        let reply = try await api.post("/api/devices/\(device)/commands", body)
        #expect(reply.status == 202, "\(reply.text)")
        #expect(reply.object["status"] as? String == "queued")
        return try #require(reply.object["command_id"] as? String)
    }

    /// The statuses a command went through.
    static func history(_ api: HTTPClient, _ id: String) async throws -> [String] {
        let record = try await api.get("/api/commands/\(id)").object
        return (record["history"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
    }

    /// Polls the command until it is `status`, at most `timeout`.
    static func waitFor(_ api: HTTPClient, _ id: String, status: String, timeout: Duration = .seconds(10)) async throws
        -> Bool
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await api.get("/api/commands/\(id)").object["status"] as? String == status { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Sends a PING and returns every COMMAND that arrives before its PONG: what the gateway had sent.
    static func commandsBeforePong(_ device: DeviceConnection) async throws -> [Command] {
        try await device.send(.ping, seq: 77)
        var commands: [Command] = []
        while let packet = try await device.receive(timeout: .seconds(10)) {
            switch packet.message {
            case .pong: return commands
            case .command(let command): commands.append(command)
            default: break
            }
        }
        throw TestFailure("no PONG")
    }

    @Test func commandsQueuedWhileOfflineGoOutInOrderAfterTheNextHello() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("tracker-q", profile: "thermostat")
        let api = HTTPClient(gateway)
        var ids: [String] = []
        for value in [18, 19, 20] {
            ids.append(
                try await Self.queue(
                    api, "tracker-q", #"{"name":"set_setpoint","args":{"value":\#(value)},"ttl_ms":60000}"#))
        }
        let (device, _) = try await gateway.login("tracker-q", token: token)
        var received: [Field] = []
        for _ in ids {
            let command = try await device.answerNextCommand()
            received += command.arguments
        }
        #expect(received == [180, 190, 200].map { Field(tag: 1, value: .i16($0)) })
        for id in ids {
            #expect(try await Self.waitFor(api, id, status: "ok"))
            #expect(try await Self.history(api, id) == ["queued", "sent", "ok"])
        }
        let listed = try await api.get("/api/devices/tracker-q/commands").array
        #expect(listed.compactMap { $0["command_id"] as? String } == ids)
        #expect(try await api.get("/api/devices/tracker-q/commands?status=queued").array.isEmpty)
        #expect(try await api.get("/api/devices/tracker-q/commands?status=nonsense").status == 400)
        await device.close()
        try await gateway.stop()
    }

    @Test func aCommandPastItsTTLExpiresAndIsNeverSent() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("late", profile: "thermostat")
        let api = HTTPClient(gateway)
        let id = try await Self.queue(api, "late", #"{"name":"set_mode","args":{"mode":"off"},"ttl_ms":200}"#)
        #expect(try await Self.waitFor(api, id, status: "expired"))
        #expect(try await Self.history(api, id) == ["queued", "expired"])
        let (device, _) = try await gateway.login("late", token: token)
        #expect(try await Self.commandsBeforePong(device).isEmpty)
        await device.close()
        try await gateway.stop()
    }

    @Test func aQueuedCommandCanBeCancelledAndIsThenNeverSent() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("fickle", profile: "thermostat")
        let api = HTTPClient(gateway)
        let id = try await Self.queue(api, "fickle", #"{"name":"set_mode","args":{"mode":"off"},"ttl_ms":60000}"#)
        let cancelled = try await api.delete("/api/commands/\(id)")
        #expect(cancelled.status == 200)
        #expect(cancelled.object["status"] as? String == "cancelled")
        #expect(try await api.delete("/api/commands/\(id)").status == 409)
        #expect(try await api.delete("/api/commands/cmd-none").status == 404)
        let (device, _) = try await gateway.login("fickle", token: token)
        #expect(try await Self.commandsBeforePong(device).isEmpty)
        #expect(try await Self.history(api, id) == ["queued", "cancelled"])
        await device.close()
        try await gateway.stop()
    }

    @Test func aFullQueueRefusesWith409InsteadOfDropping() async throws {
        let gateway = try await TestGateway.start { $0.commandQueueLimit = 2 }
        _ = try gateway.register("busy", profile: "thermostat")
        let api = HTTPClient(gateway)
        let body = #"{"name":"set_mode","args":{"mode":"auto"},"ttl_ms":60000}"#
        _ = try await Self.queue(api, "busy", body)
        _ = try await Self.queue(api, "busy", body)
        let refused = try await api.post("/api/devices/busy/commands", body)
        #expect(refused.status == 409)
        #expect((refused.object["error"] as? String)?.contains("queue full") == true)
        #expect(try await api.get("/api/devices/busy/commands").array.count == 2)
        try await gateway.stop()
    }

    @Test func aSentCommandWithoutAnswerEndsTimeout() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("mute-q", profile: "thermostat")
        let api = HTTPClient(gateway)
        let id = try await Self.queue(
            api, "mute-q", #"{"name":"set_mode","args":{"mode":"off"},"ttl_ms":60000,"timeout_ms":300}"#)
        let (device, _) = try await gateway.login("mute-q", token: token)
        #expect(try await Self.waitFor(api, id, status: "timeout"))
        #expect(try await Self.history(api, id) == ["queued", "sent", "timeout"])
        guard case .command? = try await device.receive()?.message else { throw TestFailure("no COMMAND") }
        await device.close()
        try await gateway.stop()
    }

    @Test func theQueueSurvivesAGracefulRestart() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("queue-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await TestGateway.start(dataDirectory: data)
        let token = try first.register("sleeper", profile: "thermostat")
        let id = try await Self.queue(
            HTTPClient(first), "sleeper", #"{"name":"set_setpoint","args":{"value":21},"ttl_ms":60000}"#)
        try await first.stop()

        let second = try await TestGateway.start(dataDirectory: data)
        let (device, _) = try await second.login("sleeper", token: token)
        let command = try await device.answerNextCommand()
        #expect(command.arguments == [Field(tag: 1, value: .i16(210))])
        #expect(try await Self.waitFor(HTTPClient(second), id, status: "ok"))
        await device.close()
        try await second.stop()
    }

    @Test func everyTransitionReachesTheLiveFeed() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("watched", profile: "thermostat")
        let client = LiveFeedTestClient(port: gateway.httpPort, token: gateway.apiToken)
        defer { client.close() }
        _ = try await client.next(type: "snapshot")
        let id = try await Self.queue(
            HTTPClient(gateway), "watched", #"{"name":"set_mode","args":{"mode":"auto"},"ttl_ms":60000}"#)
        let (device, _) = try await gateway.login("watched", token: token)
        _ = try await device.answerNextCommand()
        var seen: [String] = []
        for _ in 0..<3 {
            let message = try await client.next(type: "command_result") { $0["command_id"] as? String == id }
            seen.append(message["status"] as? String ?? "?")
            #expect(message["device"] as? String == "watched")
            #expect(message["ts"] is NSNumber)
        }
        #expect(seen == ["queued", "sent", "ok"])
        await device.close()
        try await gateway.stop()
    }
}
