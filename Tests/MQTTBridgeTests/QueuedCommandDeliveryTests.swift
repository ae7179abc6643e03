import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

@Suite("A node's queued commands reach their device on whichever node it connects to")
struct QueuedCommandDeliveryTests {
    static let setpoint = #"{"name":"set_setpoint","args":{"value":%d},"ttl_ms":60000}"#

    /// The device was last on node A, which therefore answers for it and queues its commands.
    static func leaveNode(_ node: TestGateway, _ deviceID: String, backend: MQTTTestClient) async throws {
        let device = try await node.loginThermostat(deviceID)
        try await device.send(.bye, seq: 1)
        _ = try await backend.waitForJSON(on: "gatehouse/devices/\(deviceID)/status") {
            $0["node"]?.stringValue == node.gateway.settings.nodeID && $0["online"]?.boolValue == false
        }
        await device.close()
    }

    static func queueSetpoints(_ values: [Int], on node: TestGateway, for deviceID: String) async throws -> [String] {
        var ids: [String] = []
        for value in values {
            ids.append(try await HTTPClient(node).queueCommand(deviceID, String(format: Self.setpoint, value)))
        }
        return ids
    }

    /// Final `command_result` messages on MQTT for `commandID`.
    static func finalResults(_ backend: MQTTTestClient, _ commandID: String) -> [JSONValue] {
        backend.messages.compactMap { message in
            guard message.topic.hasSuffix("/commands/result"),
                let json = try? JSONValue.parse(String(decoding: message.payload, as: UTF8.self)),
                json["command_id"]?.stringValue == commandID, json.isFinalCommandResult
            else { return nil }
            return json
        }
    }

    @Test func commandsQueuedOnOneNodeGoOutThroughTheNodeTheDeviceConnectsToInOrderAndOnce() async throws {
        let broker = try await TestBroker()
        let backend = try await MQTTTestClient(broker, subscriptions: ["gatehouse/#"])
        let nodeA = try await startNode("node-a", on: broker, watchedBy: backend)
        let nodeB = try await startNode("node-b", on: broker, watchedBy: backend)
        try await Self.leaveNode(nodeA, "roamer", backend: backend)
        let apiA = HTTPClient(nodeA)
        let ids = try await Self.queueSetpoints([18, 19, 20], on: nodeA, for: "roamer")
        let late = try await apiA.queueCommand("roamer", #"{"name":"set_mode","args":{"mode":"off"},"ttl_ms":100}"#)
        #expect(try await apiA.waitForCommand(late, status: "expired"))

        // Node B's dashboard shows the steps of node A's commands live, from the broker.
        let dashboardB = LiveFeedTestClient(port: nodeB.httpPort, token: nodeB.apiToken)
        defer { dashboardB.close() }
        _ = try await dashboardB.next(type: "snapshot")
        let device = try await nodeB.loginThermostat("roamer", heartbeat: 600)
        var received: [Field] = []
        for _ in ids {
            let command = try await device.answerNextCommand()
            #expect(command.name == "set_setpoint")
            received += command.arguments
        }
        #expect(received == [180, 190, 200].map { Field(tag: 1, value: .i16($0)) })
        for id in ids {
            #expect(try await apiA.waitForCommand(id, status: "ok"))
            let steps = try await apiA.commandSteps(id)
            #expect(steps.compactMap { $0["status"] as? String } == ["queued", "sent", "ok"])
            #expect(steps.compactMap { $0["node"] as? String } == ["node-b"])
            // The record stays with the node that accepted the command; node B's API reads it from there.
            #expect(try await HTTPClient(nodeB).get("/api/commands/\(id)").object["node"] as? String == "node-a")
        }
        let seenOnB = try await dashboardB.next(type: "command_result") {
            $0["command_id"] as? String == ids.last && $0["status"] as? String == "ok"
        }
        #expect(seenOnB["node"] as? String == "node-a")
        // Nothing more reaches the device: not the expired command, not a second copy.
        #expect(try await device.commandsBeforePong().isEmpty)
        for id in ids {
            let results = Self.finalResults(backend, id)
            #expect(results.count == 1)
            #expect(results.first?["node"]?.stringValue == "node-a")
            #expect(results.first?["status"]?.stringValue == "ok")
        }

        await device.close()
        try await nodeA.stop()
        try await nodeB.stop()
        await backend.disconnect()
        await broker.stop()
    }

    @Test func everyNodesAPIListsFollowsAndCancelsTheCommandsOtherNodesOwn() async throws {
        let broker = try await TestBroker()
        let backend = try await MQTTTestClient(broker, subscriptions: ["gatehouse/#"])
        let nodeA = try await startNode("node-a", on: broker, watchedBy: backend)
        let nodeB = try await startNode("node-b", on: broker, watchedBy: backend)
        try await Self.leaveNode(nodeA, "faraway", backend: backend)
        let ids = try await Self.queueSetpoints([17, 18], on: nodeA, for: "faraway")
        let apiB = HTTPClient(nodeB)

        let listed = try await apiB.get("/api/devices/faraway/commands").array
        #expect(listed.compactMap { $0["command_id"] as? String } == ids)
        #expect(listed.allSatisfy { $0["node"] as? String == "node-a" })
        #expect(try await apiB.get("/api/devices/faraway/commands?status=queued&limit=1").array.count == 1)
        #expect(try await apiB.get("/api/commands/\(ids[1])").object["status"] as? String == "queued")

        let cancelled = try await apiB.delete("/api/commands/\(ids[0])")
        #expect(cancelled.status == 200)
        #expect(cancelled.object["status"] as? String == "cancelled")
        #expect(try await HTTPClient(nodeA).commandHistory(ids[0]) == ["queued", "cancelled"])
        #expect(try await apiB.delete("/api/commands/\(ids[0])").status == 409)
        #expect(try await apiB.delete("/api/commands/cmd-nowhere").status == 404)
        #expect(try await apiB.get("/api/commands/cmd-nowhere").status == 404)

        try await nodeA.stop()
        try await nodeB.stop()
        await backend.disconnect()
        await broker.stop()
    }

    @Test func aNodeBackFromARestartHandsItsQueueToTheNodeHoldingTheDevice() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("roam-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let broker = try await TestBroker()
        let backend = try await MQTTTestClient(broker, subscriptions: ["gatehouse/#"])
        let nodeA = try await startNode("node-a", on: broker, watchedBy: backend, dataDirectory: data)
        let nodeB = try await startNode("node-b", on: broker, watchedBy: backend)
        try await Self.leaveNode(nodeA, "sleeper", backend: backend)
        let ids = try await Self.queueSetpoints([21, 22], on: nodeA, for: "sleeper")
        try await nodeA.stop()

        // While node A is down the device connects to node B; the commands wait in A's data directory.
        let device = try await nodeB.loginThermostat("sleeper", heartbeat: 600)
        #expect(try await device.commandsBeforePong().isEmpty)

        // Node A comes back, reads the broker's retained statuses, and hands its queue to node B.
        let restarted = try await startNode("node-a", on: broker, watchedBy: backend, dataDirectory: data)
        #expect(try await device.answerNextCommand().arguments == [Field(tag: 1, value: .i16(210))])
        #expect(try await device.answerNextCommand(status: .failed).arguments == [Field(tag: 1, value: .i16(220))])
        let api = HTTPClient(restarted)
        #expect(try await api.waitForCommand(ids[0], status: "ok"))
        #expect(try await api.waitForCommand(ids[1], status: "failed"))

        await device.close()
        try await restarted.stop()
        try await nodeB.stop()
        await backend.disconnect()
        await broker.stop()
    }
}
