import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Synchronization
import Testing

@Suite("At-least-once delivery through the MQTT bridge")
struct DeliveryTests {
    /// Waits until the node's metrics show the broker connection down (or up).
    static func waitForBroker(_ node: TestGateway, connected: Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if node.metricsText.contains("gatehouse_mqtt_connected \(connected ? 1 : 0)") { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("the bridge never became \(connected ? "connected" : "disconnected")")
    }

    @Test func anAckRequestedMessageIsAckedOnlyOnceTheBrokerHasIt() async throws {
        var broker = try await TestBroker()
        let port = broker.port
        let watcher = try await MQTTTestClient(broker, subscriptions: ["gatehouse/nodes/+/status"])
        let node = try await startNode("node-o", on: broker, watchedBy: watcher)
        let device = try await node.loginThermostat("thermo-o")
        #expect(try await device.sendTelemetry(seq: 1, temperature: 200))

        await watcher.disconnect()
        await broker.stop()
        try await Self.waitForBroker(node, connected: false)
        // The device is still served (PING answered), but its telemetry waits for the broker.
        try await device.send(.ping, seq: 2, flags: .ackRequested)
        #expect(try await device.waitForAck(seq: 2, timeout: .seconds(5)))
        #expect(try await device.sendTelemetry(seq: 3, temperature: 210, timeout: .seconds(1)) == false)

        broker = try await TestBroker(port: port)
        #expect(try await device.waitForAck(seq: 3, timeout: .seconds(30)))
        // The restarted broker lost its retained messages; the node published its live session's again.
        let late = try await MQTTTestClient(
            broker, subscriptions: ["gatehouse/devices/+/status", "gatehouse/devices/+/telemetry"])
        let status = try await late.waitForJSON(on: "gatehouse/devices/thermo-o/status")
        #expect(status["online"]?.boolValue == true)
        #expect(status["node"]?.stringValue == "node-o")

        try await node.stop()
        await device.close()
        await late.disconnect()
        await broker.stop()
    }

    @Test func pastTheOutboxBoundMessagesAreDroppedOrLeftUnacked() async throws {
        var broker = try await TestBroker()
        let port = broker.port
        let backend = try await MQTTTestClient(broker, subscriptions: ["gatehouse/nodes/+/status"])
        // Two data connections share the bound: one device's messages fit 2 in its outbox.
        let node = try await startNode("node-b", on: broker, watchedBy: backend) { $0.mqttOutbox = 4 }
        let device = try await node.loginThermostat("thermo-b")
        await backend.disconnect()
        await broker.stop()
        try await Self.waitForBroker(node, connected: false)

        for seq in UInt16(10)..<20 {
            _ = try await device.sendTelemetry(seq: seq, temperature: Int16(seq), ackRequested: false)
        }
        #expect(try await device.sendTelemetry(seq: 20, temperature: 20, timeout: .milliseconds(500)) == false)
        let metrics = node.metricsText
        #expect(metrics.contains("gatehouse_mqtt_dropped_total 8"))
        #expect(metrics.contains("gatehouse_mqtt_refused_total 1"))

        broker = try await TestBroker(port: port)
        let archive = try await MQTTTestClient(broker, subscriptions: ["gatehouse/devices/+/telemetry"])
        try await Self.waitForBroker(node, connected: true)
        // The device retries what was not ACKed, as firmware does, until the outbox has room again; the
        // held messages drain, in order, before it.
        var acked = false
        let retryDeadline = ContinuousClock.now + .seconds(20)
        while !acked, ContinuousClock.now < retryDeadline {
            acked = try await device.sendTelemetry(seq: 20, temperature: 20, timeout: .seconds(1))
        }
        #expect(acked)
        _ = try await archive.waitForJSON(on: "gatehouse/devices/thermo-b/telemetry") { $0["seq"]?.doubleValue == 20 }
        let seqs = archive.messages.compactMap { message in
            (try? JSONValue.parse(String(decoding: message.payload, as: UTF8.self)))?["seq"]?.doubleValue
        }
        // 10 and 11 were held (they may have drained before the archive subscribed); 12...19 dropped.
        #expect(seqs == [10, 11, 20] || seqs == [20])

        try await node.stop()
        await device.close()
        await archive.disconnect()
        await broker.stop()
    }

    /// The end-to-end promise: devices that keep each message until it is ACKed lose nothing while the
    /// broker stops and comes back in the middle of their stream.
    ///
    /// The broker is configured deliberately: persistence on (its sessions and queued messages survive
    /// the restart; it writes them when stopped with SIGTERM) and no limit on messages queued for a
    /// subscriber (`max_queued_messages 0`), since by default mosquitto silently drops QoS 1 messages
    /// past 1,000 for a subscriber that lags.
    @Test func everyAckedMessageReachesAPersistentSubscriberAcrossABrokerRestart() async throws {
        let storage = FileManager.default.temporaryDirectory.appendingPathComponent("mosquitto-db-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: storage) }
        let configuration = ["max_queued_messages 0", "max_inflight_messages 20"]
        var broker = try await TestBroker(persistentIn: storage, extraConfiguration: configuration)
        let port = broker.port
        let archive = try await MQTTTestClient(
            broker, id: "archive", subscriptions: ["gatehouse/devices/+/telemetry", "gatehouse/nodes/+/status"],
            persistentSession: true)
        let node = try await startNode("node-p", on: broker, watchedBy: archive) { _ in }

        let deviceCount = 5
        let messagesPerDevice = 120
        let acked = AckedMessages()
        broker = try await withThrowingTaskGroup(of: TestBroker?.self) { group in
            for index in 0..<deviceCount {
                group.addTask {
                    let id = "thermo-p\(index)"
                    let device = try await node.loginThermostat(id, heartbeat: 120)
                    let deadline = ContinuousClock.now + .seconds(90)
                    var seq: UInt16 = 1
                    while Int(seq) <= messagesPerDevice, ContinuousClock.now < deadline {
                        // Kept and resent until ACKed, as firmware does.
                        if try await device.sendTelemetry(seq: seq, temperature: Int16(seq), timeout: .seconds(2)) {
                            acked.insert("\(id)/\(seq)")
                            seq += 1
                        }
                    }
                    try await device.send(.bye, seq: 0)
                    await device.close()
                    return nil
                }
            }
            group.addTask { [broker] in
                // Stop the broker a third of the way through, and bring it back a moment later.
                while acked.count < deviceCount * messagesPerDevice / 3 {
                    try await Task.sleep(for: .milliseconds(5))
                }
                await broker.stop()
                try await Task.sleep(for: .seconds(1))
                return try await TestBroker(port: port, persistentIn: storage, extraConfiguration: configuration)
            }
            var restarted: TestBroker?
            for try await result in group {
                if let result { restarted = result }
            }
            return restarted!
        }
        let expected = acked.all
        #expect(expected.count == deviceCount * messagesPerDevice)

        var received: Set<String> = []
        let deadline = ContinuousClock.now + .seconds(30)
        while !expected.isSubset(of: received), ContinuousClock.now < deadline {
            received = Set(
                archive.messages.compactMap { message -> String? in
                    guard let json = try? JSONValue.parse(String(decoding: message.payload, as: UTF8.self)),
                        let device = json["device"]?.stringValue, let seq = json["seq"]?.doubleValue
                    else { return nil }
                    return "\(device)/\(Int(seq))"
                })
            try await Task.sleep(for: .milliseconds(50))
        }
        let missing = expected.subtracting(received)
        #expect(missing.isEmpty, "ACKed but never delivered: \(missing.sorted().prefix(10))")

        try await node.stop()
        await archive.disconnect()
        await broker.stop()
    }
}

/// The (device, seq) pairs the gateway ACKed, shared by the simulated devices.
private final class AckedMessages: Sendable {
    private let messages = Mutex<Set<String>>([])
    func insert(_ message: String) { self.messages.withLock { _ = $0.insert(message) } }
    var count: Int { self.messages.withLock { $0.count } }
    var all: Set<String> { self.messages.withLock { $0 } }
}
