import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

@Suite("Several gateway nodes on one broker act as one deployment")
struct MultiNodeTests {
    @Test func aDeviceMovingToAnotherNodeIsTakenOverThereAndCommandsFollowIt() async throws {
        let broker = try await TestBroker()
        let backend = try await MQTTTestClient(broker, subscriptions: ["gatehouse/#"])
        let nodeA = try await startNode("node-a", on: broker, watchedBy: backend)
        let nodeB = try await startNode("node-b", on: broker, watchedBy: backend)

        // A dashboard watching node B makes B fetch the whole deployment's telemetry from the broker.
        let dashboardB = LiveFeedTestClient(port: nodeB.httpPort, token: nodeB.apiToken)
        _ = try await dashboardB.next(type: "snapshot")
        let first = try await nodeA.loginThermostat("thermo-m", heartbeat: 600)
        _ = try await backend.waitForJSON(on: "gatehouse/devices/thermo-m/status") {
            $0["node"]?.stringValue == "node-a"
        }

        // Node B's dashboard shows the device of node A, live, from the broker (B's subscription may
        // take effect a moment after the dashboard connected, so the device keeps reporting).
        var seq: UInt16 = 1
        var seenOnB = false
        while !seenOnB, seq < 50 {
            #expect(try await first.sendTelemetry(seq: seq, temperature: 190))
            seq += 1
            seenOnB = try await nodeB.sink.waitUntil(timeout: .milliseconds(200)) { events in
                events.contains { event in
                    if case .peer(let message) = event {
                        return message.deviceID == "thermo-m" && message.kind == .telemetry
                    }
                    return false
                }
            }
        }
        #expect(seenOnB)
        _ = try await dashboardB.next(type: "telemetry") { $0["device"] as? String == "thermo-m" }
        let viewFromB = try await HTTPClient(nodeB).get("/api/devices/thermo-m")
        #expect(viewFromB.object["online"] as? Bool == true)
        #expect(viewFromB.object["node"] as? String == "node-a")
        #expect(
            (viewFromB.object["last_telemetry"] as? [String: Any])?["fields"] as? [String: Double] == [
                "temperature": 19
            ])

        // The device reconnects through node B: node A closes its session with ERROR 7, as soon as it
        // hears of B's status (how soon is measured by `gatehouse-bench takeover`, not asserted here).
        let second = try await nodeB.loginThermostat("thermo-m", heartbeat: 600)
        #expect(try await first.expectError(timeout: .seconds(10)) == .sessionReplaced)
        _ = try await backend.waitForJSON(on: "gatehouse/devices/thermo-m/status") {
            $0["node"]?.stringValue == "node-b"
        }
        // Node A never published the device offline: it is online, on node B.
        try await Task.sleep(for: .milliseconds(300))
        #expect(
            !backend.messages(on: "gatehouse/devices/thermo-m/status").contains { message in
                let json = try? JSONValue.parse(String(decoding: message.payload, as: UTF8.self))
                return json?["online"]?.boolValue == false
            })
        #expect(nodeA.gateway.sessions.session(for: "thermo-m") == nil)
        let viewFromA = try await HTTPClient(nodeA).get("/api/devices/thermo-m")
        #expect(viewFromA.object["online"] as? Bool == true)
        #expect(viewFromA.object["node"] as? String == "node-b")

        // A command published on MQTT reaches the device on node B, and is answered exactly once.
        try await backend.publish(
            #"{"request_id":"m-1","name":"set_mode","args":{"mode":"auto"}}"#, on: "gatehouse/devices/thermo-m/commands"
        )
        let command = try await second.answerNextCommand()
        #expect(command.name == "set_mode")
        let result = try await backend.waitForJSON(on: "gatehouse/devices/thermo-m/commands/result") {
            $0["request_id"]?.stringValue == "m-1" && $0.isFinalCommandResult
        }
        #expect(result["status"]?.stringValue == "ok")
        #expect(result["node"]?.stringValue == "node-b")
        try await Task.sleep(for: .milliseconds(500))
        #expect(Self.results(backend, requestID: "m-1") == 1)

        // The REST API and the dashboard of node A reach the device on node B too, through the broker.
        async let reply = HTTPClient(nodeA).post(
            "/api/devices/thermo-m/commands", #"{"name":"set_mode","args":{"mode":"manual"},"timeout_ms":5000}"#)
        #expect(try await second.answerNextCommand().name == "set_mode")
        let answer = try await reply
        #expect(answer.status == 200)
        #expect(answer.object["status"] as? String == "ok")
        #expect(answer.object["node"] as? String == "node-b")
        let dashboardA = LiveFeedTestClient(port: nodeA.httpPort, token: nodeA.apiToken)
        _ = try await dashboardA.next(type: "snapshot")
        dashboardA.send(
            #"{"type":"command","request_id":"ws-1","device":"thermo-m","name":"set_mode","args":{"mode":"auto"}}"#)
        #expect(try await second.answerNextCommand(status: .busy).name == "set_mode")
        // The answer to the client's own request, among node B's lifecycle messages of the command.
        let wsResult = try await dashboardA.next(type: "command_result") { $0["request_id"] as? String == "ws-1" }
        #expect(wsResult["status"] as? String == "busy")
        #expect(wsResult["node"] as? String == "node-b")
        dashboardA.close()

        // Offline: the node of its last status (B) answers, once.
        try await second.send(.bye, seq: 2)
        _ = try await backend.waitForJSON(on: "gatehouse/devices/thermo-m/status") { $0["online"]?.boolValue == false }
        try await Task.sleep(for: .milliseconds(200))
        try await backend.publish(
            #"{"request_id":"m-2","name":"set_mode","args":{"mode":"off"}}"#, on: "gatehouse/devices/thermo-m/commands")
        let offline = try await backend.waitForJSON(on: "gatehouse/devices/thermo-m/commands/result") {
            $0["request_id"]?.stringValue == "m-2"
        }
        #expect(offline["status"]?.stringValue == "offline")
        #expect(offline["node"]?.stringValue == "node-b")
        try await Task.sleep(for: .milliseconds(500))
        #expect(Self.results(backend, requestID: "m-2") == 1)

        // A device no node has seen is answered by one node too.
        try await backend.publish(#"{"request_id":"m-3","name":"x"}"#, on: "gatehouse/devices/ghost-1/commands")
        _ = try await backend.waitForJSON(on: "gatehouse/devices/ghost-1/commands/result") {
            $0["request_id"]?.stringValue == "m-3"
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(Self.results(backend, requestID: "m-3") == 1)

        dashboardB.close()
        try await nodeA.stop()
        try await nodeB.stop()
        await first.close()
        await second.close()
        await backend.disconnect()
        await broker.stop()
    }

    static func results(_ backend: MQTTTestClient, requestID: String) -> Int {
        backend.messages.count { message in
            message.topic.hasSuffix("/commands/result")
                && String(decoding: message.payload, as: UTF8.self).contains("\"request_id\":\"\(requestID)\"")
                && (try? JSONValue.parse(String(decoding: message.payload, as: UTF8.self)))?.isFinalCommandResult
                    == true
        }
    }

    @Test func aDashboardsLiveFeedCarriesTheWholeDeployment() async throws {
        let broker = try await TestBroker()
        let backend = try await MQTTTestClient(broker, subscriptions: ["gatehouse/nodes/+/status"])
        let nodeA = try await startNode("node-a", on: broker, watchedBy: backend)
        let nodeB = try await startNode("node-b", on: broker, watchedBy: backend)
        let feed = LiveFeedTestClient(port: nodeB.httpPort, token: nodeB.apiToken)
        _ = try await feed.next(type: "snapshot")

        let device = try await nodeA.loginThermostat("thermo-f")
        let status = try await feed.next(type: "status")
        #expect(status["device"] as? String == "thermo-f")
        #expect(status["node"] as? String == "node-a")
        #expect(try await device.sendTelemetry(seq: 1, temperature: 230))
        let telemetry = try await feed.next(type: "telemetry")
        #expect(telemetry["device"] as? String == "thermo-f")
        #expect((telemetry["fields"] as? [String: Double])?["temperature"] == 23)

        // A dashboard opened later gets the other node's device in its snapshot.
        let later = LiveFeedTestClient(port: nodeB.httpPort, token: nodeB.apiToken)
        let snapshot = try await later.next(type: "snapshot")
        let devices = snapshot["devices"] as? [[String: Any]] ?? []
        #expect(devices.contains { $0["id"] as? String == "thermo-f" && $0["online"] as? Bool == true })

        feed.close()
        later.close()
        try await nodeA.stop()
        try await nodeB.stop()
        await device.close()
        await backend.disconnect()
        await broker.stop()
    }

    @Test func theDevicesOfANodeThatDiedAreShownOfflineEverywhereElse() async throws {
        let broker = try await TestBroker()
        let backend = try await MQTTTestClient(
            broker, subscriptions: ["gatehouse/nodes/+/status", "gatehouse/devices/+/status"])
        let nodeA = try await startNode("node-a", on: broker, watchedBy: backend)
        let nodeB = try await startNode("node-b", on: broker, watchedBy: backend)
        let device = try await nodeA.loginThermostat("thermo-d")
        _ = try await backend.waitForJSON(on: "gatehouse/devices/thermo-d/status") { $0["online"]?.boolValue == true }
        let deadline = ContinuousClock.now + .seconds(10)
        while nodeB.gateway.cluster.status(of: "thermo-d")?.online != true, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let dashboardB = LiveFeedTestClient(port: nodeB.httpPort, token: nodeB.apiToken)
        let snapshot = try await dashboardB.next(type: "snapshot")
        #expect(
            (snapshot["devices"] as? [[String: Any]])?.contains {
                $0["id"] as? String == "thermo-d" && $0["online"] as? Bool == true
            } == true)

        // What the broker publishes for node A if it dies: its will.
        try await backend.publish("offline", on: "gatehouse/nodes/node-a/status", retain: true)
        let status = try await dashboardB.next(type: "status") { $0["device"] as? String == "thermo-d" }
        #expect(status["online"] as? Bool == false)
        #expect(status["reason"] as? String == "node_down")
        #expect(status["node"] as? String == "node-a")
        let view = try await HTTPClient(nodeB).get("/api/devices/thermo-d")
        #expect(view.object["online"] as? Bool == false)
        #expect(view.object["reason"] as? String == "node_down")

        dashboardB.close()
        try await nodeA.stop()
        try await nodeB.stop()
        await device.close()
        await backend.disconnect()
        await broker.stop()
    }

    /// A node joining a deployment receives every device's retained status at once. At QoS 1 a broker
    /// with mosquitto's default limits would keep 1,000 of them and silently drop the rest, and with
    /// them the node statuses subscribed alongside.
    @Test func aNodeJoiningABigDeploymentLearnsEveryDeviceAndNode() async throws {
        let broker = try await TestBroker()
        let backend = try await MQTTTestClient(broker, subscriptions: ["gatehouse/nodes/+/status"])
        try await backend.publish("online", on: "gatehouse/nodes/node-z/status", retain: true)
        let deviceCount = 3_000
        for index in 0..<deviceCount {
            try await backend.publish(
                #"{"type":"status","node":"node-z","device":"big-\#(index)","online":true,"reason":"hello","session_id":"s-\#(index)","ts":1767225600000}"#,
                on: "gatehouse/devices/big-\(index)/status", retain: true)
        }
        let node = try await startNode("node-j", on: broker, watchedBy: backend)
        let deadline = ContinuousClock.now + .seconds(20)
        while node.gateway.cluster.allDevices().count < deviceCount, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(node.gateway.cluster.allDevices().count == deviceCount)
        let nodes = try await HTTPClient(node).get("/api/nodes").array
        #expect(nodes.contains { $0["node"] as? String == "node-z" && $0["online"] as? Bool == true })
        let devices = try await HTTPClient(node).get("/api/devices?online=true").array
        #expect(devices.count == deviceCount)

        try await node.stop()
        await backend.disconnect()
        await broker.stop()
    }
}
