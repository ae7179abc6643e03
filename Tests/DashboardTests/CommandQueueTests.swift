import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

@Suite("The durable command queue")
struct CommandQueueTests {
    @Test func commandsQueuedWhileOfflineGoOutInOrderAfterTheNextHello() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("tracker-q", profile: "thermostat")
        let api = HTTPClient(gateway)
        var ids: [String] = []
        for value in [18, 19, 20] {
            ids.append(
                try await api.queueCommand(
                    "tracker-q", #"{"name":"set_setpoint","args":{"value":\#(value)},"ttl_ms":60000}"#))
        }
        let (device, _) = try await gateway.login("tracker-q", token: token)
        var received: [Field] = []
        for _ in ids {
            let command = try await device.answerNextCommand()
            received += command.arguments
        }
        #expect(received == [180, 190, 200].map { Field(tag: 1, value: .i16($0)) })
        for id in ids {
            #expect(try await api.waitForCommand(id, status: "ok"))
            #expect(try await api.commandHistory(id) == ["queued", "sent", "ok"])
        }
        let listed = try await api.get("/api/devices/tracker-q/commands").array
        #expect(listed.compactMap { $0["command_id"] as? String } == ids)
        #expect(try await api.get("/api/devices/tracker-q/commands?status=queued").array.isEmpty)
        #expect(try await api.get("/api/devices/tracker-q/commands?status=nonsense").status == 400)
        let newest = try await api.get("/api/devices/tracker-q/commands?limit=2").array
        #expect(newest.compactMap { $0["command_id"] as? String } == Array(ids.suffix(2)))
        #expect(newest.first?["args"] as? [String: Int] == ["value": 19])
        #expect(try await api.get("/api/devices/tracker-q/commands?limit=0").status == 400)
        await device.close()
        try await gateway.stop()
    }

    @Test func commandsForAConnectedDeviceGoOutOneAtATimeInTheOrderAccepted() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("sequential", profile: "thermostat")
        let (device, _) = try await gateway.login("sequential", token: token)
        let api = HTTPClient(gateway)
        async let first = api.post("/api/devices/sequential/commands", #"{"name":"set_setpoint","args":{"value":18}}"#)
        var sent: Command?
        while sent == nil, let packet = try await device.receive(timeout: .seconds(10)) {
            if case .command(let command) = packet.message { sent = command }
        }
        let firstCommand = try #require(sent)
        // The second waits in the queue while the first is unanswered, then follows it.
        async let second = api.post(
            "/api/devices/sequential/commands", #"{"name":"set_setpoint","args":{"value":19},"ttl_ms":60000}"#)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await device.commandsBeforePong().isEmpty)
        try await device.send(
            .commandResult(CommandResult(commandID: firstCommand.commandID, status: .ok, fields: [])), seq: 5)
        #expect(try await device.answerNextCommand().arguments == [Field(tag: 1, value: .i16(190))])
        let (firstReply, secondReply) = try await (first, second)
        #expect(firstReply.status == 200)
        #expect(secondReply.status == 200)
        for reply in [firstReply, secondReply] {
            let id = try #require(reply.object["command_id"] as? String)
            #expect(try await api.commandHistory(id) == ["queued", "sent", "ok"])
        }
        await device.close()
        try await gateway.stop()
    }

    @Test func aCommandPastItsTTLExpiresAndIsNeverSent() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("late", profile: "thermostat")
        let api = HTTPClient(gateway)
        let id = try await api.queueCommand("late", #"{"name":"set_mode","args":{"mode":"off"},"ttl_ms":200}"#)
        #expect(try await api.waitForCommand(id, status: "expired"))
        #expect(try await api.commandHistory(id) == ["queued", "expired"])
        let (device, _) = try await gateway.login("late", token: token)
        #expect(try await device.commandsBeforePong().isEmpty)
        await device.close()
        try await gateway.stop()
    }

    @Test func aQueuedCommandCanBeCancelledAndIsThenNeverSent() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("fickle", profile: "thermostat")
        let api = HTTPClient(gateway)
        let id = try await api.queueCommand("fickle", #"{"name":"set_mode","args":{"mode":"off"},"ttl_ms":60000}"#)
        #expect(try await api.get("/metrics").text.contains("gatehouse_commands_queued 1"))
        let cancelled = try await api.delete("/api/commands/\(id)")
        #expect(cancelled.status == 200)
        #expect(cancelled.object["status"] as? String == "cancelled")
        #expect(try await api.delete("/api/commands/\(id)").status == 409)
        #expect(try await api.delete("/api/commands/cmd-none").status == 404)
        let (device, _) = try await gateway.login("fickle", token: token)
        #expect(try await device.commandsBeforePong().isEmpty)
        #expect(try await api.commandHistory(id) == ["queued", "cancelled"])
        let metrics = try await api.get("/metrics").text
        #expect(metrics.contains("gatehouse_commands_queued 0"))
        #expect(metrics.contains(#"gatehouse_commands_total{status="cancelled"} 1"#))
        await device.close()
        try await gateway.stop()
    }

    @Test func endedCommandsArePrunedPastTheRetentionAndQueuedOnesKept() async throws {
        let gateway = try await TestGateway.start { $0.commandRetention = .milliseconds(200) }
        _ = try gateway.register("pruned", profile: "thermostat")
        let api = HTTPClient(gateway)
        let ended = try await api.queueCommand("pruned", #"{"name":"set_mode","args":{"mode":"off"},"ttl_ms":60000}"#)
        #expect(try await api.delete("/api/commands/\(ended)").status == 200)
        let waiting = try await api.queueCommand("pruned", #"{"name":"set_mode","args":{"mode":"eco"},"ttl_ms":60000}"#)
        try await Task.sleep(for: .milliseconds(300))
        await gateway.gateway.commandQueue.pruneEnded()
        #expect(try await api.get("/api/commands/\(ended)").status == 404)
        #expect(try await api.get("/api/commands/\(waiting)").object["status"] as? String == "queued")
        try await gateway.stop()
    }

    @Test func aFullQueueRefusesWith409InsteadOfDropping() async throws {
        let gateway = try await TestGateway.start { $0.commandQueueLimit = 2 }
        _ = try gateway.register("busy", profile: "thermostat")
        let api = HTTPClient(gateway)
        let body = #"{"name":"set_mode","args":{"mode":"auto"},"ttl_ms":60000}"#
        _ = try await api.queueCommand("busy", body)
        _ = try await api.queueCommand("busy", body)
        let refused = try await api.post("/api/devices/busy/commands", body)
        #expect(refused.status == 409)
        #expect((refused.object["error"] as? String)?.contains("queue full") == true)
        #expect(try await api.get("/api/devices/busy/commands").array.count == 2)
        try await gateway.stop()
    }

    @Test func manyConcurrentSubmitsNeverPassTheLimit() async throws {
        let gateway = try await TestGateway.start { $0.commandQueueLimit = 40 }
        _ = try gateway.register("swamped", profile: "thermostat")
        let core = gateway.gateway
        let body = try JSONValue.parse(#"{"name":"set_mode","args":{"mode":"auto"},"ttl_ms":60000}"#)
        // Submitted together, so their writes meet in the same group commits.
        let accepted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<100 {
                group.addTask { (try? await core.submitCommand(body, to: "swamped")) != nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 40)
        let stored = try await HTTPClient(gateway).get("/api/devices/swamped/commands?status=queued").array
        #expect(stored.count == 40)
        try await gateway.stop()
    }

    @Test func aSentCommandWithoutAnswerEndsTimeout() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("mute-q", profile: "thermostat")
        let api = HTTPClient(gateway)
        let id = try await api.queueCommand(
            "mute-q", #"{"name":"set_mode","args":{"mode":"off"},"ttl_ms":60000,"timeout_ms":300}"#)
        let (device, _) = try await gateway.login("mute-q", token: token)
        #expect(try await api.waitForCommand(id, status: "timeout"))
        #expect(try await api.commandHistory(id) == ["queued", "sent", "timeout"])
        guard case .command? = try await device.receive()?.message else { throw TestFailure("no COMMAND") }
        await device.close()
        try await gateway.stop()
    }

    @Test func theQueueSurvivesAGracefulRestart() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("queue-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await TestGateway.start(dataDirectory: data)
        let token = try first.register("sleeper", profile: "thermostat")
        let id = try await HTTPClient(first).queueCommand(
            "sleeper", #"{"name":"set_setpoint","args":{"value":21},"ttl_ms":60000}"#)
        try await first.stop()

        let second = try await TestGateway.start(dataDirectory: data)
        let (device, _) = try await second.login("sleeper", token: token)
        let command = try await device.answerNextCommand()
        #expect(command.arguments == [Field(tag: 1, value: .i16(210))])
        #expect(try await HTTPClient(second).waitForCommand(id, status: "ok"))
        await device.close()
        try await second.stop()
    }

    @Test func everyTransitionReachesTheLiveFeed() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("watched", profile: "thermostat")
        let client = LiveFeedTestClient(port: gateway.httpPort, token: gateway.apiToken)
        defer { client.close() }
        _ = try await client.next(type: "snapshot")
        let id = try await HTTPClient(gateway).queueCommand(
            "watched", #"{"name":"set_mode","args":{"mode":"auto"},"ttl_ms":60000}"#)
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
