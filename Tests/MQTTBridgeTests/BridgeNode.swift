import DFP
import GatehouseCore
import GatehouseTestSupport
import Simulator

/// A gateway node bridged to `broker` under `nodeID`, admitting unregistered devices (the nodes of one
/// deployment do not share a registry yet), started once its bridge is connected.
func startNode(
    _ nodeID: String,
    on broker: TestBroker,
    watchedBy backend: MQTTTestClient,
    dataDirectory: String? = nil,
    configure: (inout GatewaySettings) -> Void = { _ in }
) async throws -> TestGateway {
    let node = try await TestGateway.start(dataDirectory: dataDirectory) { settings in
        settings.mqtt = BrokerAddress(host: "127.0.0.1", port: broker.port)
        settings.nodeID = nodeID
        settings.allowUnknownDevices = true
        configure(&settings)
    }
    _ = try await backend.waitForText("online", on: "gatehouse/nodes/\(nodeID)/status", timeout: .seconds(30))
    return node
}

extension TestGateway {
    /// Logs in a thermostat (an unregistered one: the nodes run with `--allow-unknown-devices`).
    func loginThermostat(_ id: String, heartbeat: UInt16 = 0) async throws -> DeviceConnection {
        try await self.login(id, token: "", profile: "thermostat", heartbeat: heartbeat).0
    }
}

extension DeviceConnection {
    /// Sends a TELEMETRY frame (temperature in 0.1 °C) and returns whether the gateway ACKed it within
    /// `timeout` (other frames in between are skipped).
    func sendTelemetry(seq: UInt16, temperature: Int16, ackRequested: Bool = true, timeout: Duration = .seconds(5))
        async throws -> Bool
    {
        try await self.send(
            .telemetry(
                Telemetry(
                    timestampMs: 1_767_225_600_000 + UInt64(seq), fields: [Field(tag: 1, value: .i16(temperature))])),
            seq: seq,
            flags: ackRequested ? .ackRequested : []
        )
        guard ackRequested else { return false }
        return try await self.waitForAck(seq: seq, timeout: timeout)
    }

    func waitForAck(seq: UInt16, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            do {
                guard let packet = try await self.receive(timeout: deadline - ContinuousClock.now) else { return false }
                if case .ack = packet.message, packet.seq == seq { return true }
            } catch is DeviceConnection.Timeout {
                return false
            }
        }
        return false
    }
}
