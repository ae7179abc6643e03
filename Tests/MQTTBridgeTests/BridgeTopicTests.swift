import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

@Suite("The MQTT bridge's topics and payloads, against a real mosquitto")
struct BridgeTopicTests {
    @Test func telemetryEventsAndStatusesArePublishedAsTheDashboardShowsThem() async throws {
        let broker = try await TestBroker()
        let backend = try await MQTTTestClient(broker, subscriptions: ["gatehouse/#"])
        let node = try await startNode("node-a", on: broker, watchedBy: backend)
        let device = try await node.loginThermostat("thermo-1")

        let online = try await backend.waitForJSON(on: "gatehouse/devices/thermo-1/status") {
            $0["online"]?.boolValue == true
        }
        #expect(online["device"]?.stringValue == "thermo-1")
        #expect(online["node"]?.stringValue == "node-a")
        #expect(online["reason"]?.stringValue == "hello")
        #expect(online["session_id"]?.stringValue?.isEmpty == false)
        #expect(online["ts"]?.doubleValue != nil)
        #expect(online["profile"]?.stringValue == "thermostat")

        #expect(try await device.sendTelemetry(seq: 5, temperature: 215))
        let telemetry = try await backend.waitForJSON(on: "gatehouse/devices/thermo-1/telemetry")
        #expect(telemetry["type"]?.stringValue == "telemetry")
        #expect(telemetry["device"]?.stringValue == "thermo-1")
        #expect(telemetry["node"]?.stringValue == "node-a")
        #expect(telemetry["seq"]?.doubleValue == 5)
        #expect(telemetry["ts"]?.doubleValue == 1_767_225_600_005)
        #expect(telemetry["fields"]?["temperature"]?.doubleValue == 21.5)

        try await device.send(.event(Event(timestampMs: 7, code: 1, fields: [])), seq: 6, flags: .ackRequested)
        #expect(try await device.waitForAck(seq: 6, timeout: .seconds(5)))
        let event = try await backend.waitForJSON(on: "gatehouse/devices/thermo-1/events")
        #expect(event["code"]?.doubleValue == 1)
        #expect(event["device"]?.stringValue == "thermo-1")
        #expect(event["ts"]?.doubleValue == 7)

        try await device.send(.bye, seq: 7)
        let offline = try await backend.waitForJSON(on: "gatehouse/devices/thermo-1/status") {
            $0["online"]?.boolValue == false
        }
        #expect(offline["reason"]?.stringValue == "bye")
        #expect(offline["node"]?.stringValue == "node-a")
        #expect(node.metricsText.contains("gatehouse_mqtt_connected 1"))

        try await node.stop()
        _ = try await backend.waitForText("offline", on: "gatehouse/nodes/node-a/status")
        await device.close()
        await backend.disconnect()
        await broker.stop()
    }

    @Test func statusesAndTheNodeAreRetainedForLateSubscribers() async throws {
        let broker = try await TestBroker()
        let watcher = try await MQTTTestClient(
            broker, subscriptions: ["gatehouse/nodes/+/status", "gatehouse/devices/+/status"])
        let node = try await startNode("node-r", on: broker, watchedBy: watcher)
        let device = try await node.loginThermostat("thermo-r")
        _ = try await watcher.waitForJSON(on: "gatehouse/devices/thermo-r/status")

        let late = try await MQTTTestClient(
            broker, subscriptions: ["gatehouse/devices/+/status", "gatehouse/nodes/+/status"])
        let status = try await late.waitForJSON(on: "gatehouse/devices/thermo-r/status")
        #expect(status["online"]?.boolValue == true)
        #expect(status["node"]?.stringValue == "node-r")
        #expect(late.messages(on: "gatehouse/devices/thermo-r/status").first?.retain == true)
        let nodeStatus = try await late.waitForText("online", on: "gatehouse/nodes/node-r/status")
        #expect(nodeStatus.retain)

        // A clean shutdown leaves the device offline (reason shutdown) and the node offline, retained.
        try await node.stop()
        await late.disconnect()
        let afterwards = try await MQTTTestClient(broker, subscriptions: ["gatehouse/#"])
        let final = try await afterwards.waitForJSON(on: "gatehouse/devices/thermo-r/status")
        #expect(final["online"]?.boolValue == false)
        #expect(final["reason"]?.stringValue == "shutdown")
        _ = try await afterwards.waitForText("offline", on: "gatehouse/nodes/node-r/status")
        await device.close()
        await afterwards.disconnect()
        await watcher.disconnect()
        await broker.stop()
    }

    @Test func commandsFromMQTTReachTheDeviceAndTheirResultsComeBack() async throws {
        let broker = try await TestBroker()
        let backend = try await MQTTTestClient(
            broker, subscriptions: ["gatehouse/devices/+/commands/result", "gatehouse/nodes/+/status"])
        let node = try await startNode("node-c", on: broker, watchedBy: backend)
        let device = try await node.loginThermostat("thermo-c")

        try await backend.publish(
            #"{"request_id":"r-1","name":"set_setpoint","args":{"value":22.5},"timeout_ms":5000}"#,
            on: "gatehouse/devices/thermo-c/commands")
        let command = try await device.answerNextCommand(fields: [Field(tag: 1, value: .i16(225))])
        #expect(command.name == "set_setpoint")
        #expect(command.arguments == [Field(tag: 1, value: .i16(225))])
        let result = try await backend.waitForJSON(on: "gatehouse/devices/thermo-c/commands/result") {
            $0["request_id"]?.stringValue == "r-1" && $0.isFinalCommandResult
        }
        #expect(result["status"]?.stringValue == "ok")
        #expect(result["command_id"]?.stringValue?.hasPrefix("cmd-") == true)
        #expect(result["result"]?["setpoint"]?.doubleValue == 22.5)
        #expect(result["node"]?.stringValue == "node-c")

        // A request the profile rejects is answered, not sent.
        try await backend.publish(
            #"{"request_id":"r-2","name":"self_destruct"}"#, on: "gatehouse/devices/thermo-c/commands")
        let rejected = try await backend.waitForJSON(on: "gatehouse/devices/thermo-c/commands/result") {
            $0["request_id"]?.stringValue == "r-2"
        }
        #expect(rejected["status"]?.stringValue == "invalid")
        #expect(rejected["error"]?.stringValue?.contains("self_destruct") == true)

        // Without the device, the node named in its last status answers offline, once.
        try await device.send(.bye, seq: 3)
        _ = try await node.sink.waitForStatuses(of: "thermo-c", count: 2)
        try await Task.sleep(for: .milliseconds(300))  // the offline status reaches the broker and comes back
        try await backend.publish(
            #"{"request_id":"r-3","name":"set_mode","args":{"mode":"off"}}"#, on: "gatehouse/devices/thermo-c/commands")
        let offline = try await backend.waitForJSON(on: "gatehouse/devices/thermo-c/commands/result") {
            $0["request_id"]?.stringValue == "r-3"
        }
        #expect(offline["status"]?.stringValue == "offline")
        try await Task.sleep(for: .milliseconds(500))
        #expect(
            backend.messages(on: "gatehouse/devices/thermo-c/commands/result").count { message in
                String(decoding: message.payload, as: UTF8.self).contains("\"r-3\"")
                    && (try? JSONValue.parse(String(decoding: message.payload, as: UTF8.self)))?.isFinalCommandResult
                        == true
            } == 1)

        // With a TTL it waits for the device instead, and every step of its life is published.
        try await backend.publish(
            #"{"request_id":"r-4","name":"set_mode","args":{"mode":"auto"},"ttl_ms":60000}"#,
            on: "gatehouse/devices/thermo-c/commands")
        let queued = try await backend.waitForJSON(on: "gatehouse/devices/thermo-c/commands/result") {
            $0["request_id"]?.stringValue == "r-4"
        }
        #expect(queued["status"]?.stringValue == "queued")
        #expect(queued["expires_at_ms"]?.doubleValue != nil)
        let returning = try await node.loginThermostat("thermo-c")
        #expect(try await returning.answerNextCommand().name == "set_mode")
        let done = try await backend.waitForJSON(on: "gatehouse/devices/thermo-c/commands/result") {
            $0["request_id"]?.stringValue == "r-4" && $0.isFinalCommandResult
        }
        let steps = backend.messages(on: "gatehouse/devices/thermo-c/commands/result").compactMap { message in
            try? JSONValue.parse(String(decoding: message.payload, as: UTF8.self))
        }.filter { $0["request_id"]?.stringValue == "r-4" }
        #expect(steps.compactMap { $0["status"]?.stringValue } == ["queued", "sent", "ok"])
        #expect(Set(steps.compactMap { $0["command_id"]?.stringValue }) == [queued["command_id"]?.stringValue ?? ""])
        guard case .array(let history)? = done["history"] else { throw TestFailure("no history in \(done)") }
        #expect(history.count == 3)
        await returning.close()

        try await node.stop()
        await device.close()
        await backend.disconnect()
        await broker.stop()
    }
}
