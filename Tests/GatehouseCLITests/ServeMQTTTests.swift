import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

@Suite("gatehouse serve --mqtt, as a process")
struct ServeMQTTTests {
    static func startNode(_ broker: TestBroker, node: String, data: URL) async throws -> (GatehouseProcess, Int) {
        try await ServeCommandTests.startServer(
            ["--mqtt", "mqtt://127.0.0.1:\(broker.port)", "--node-id", node, "--allow-unknown-devices"], data: data)
    }

    static func login(_ id: String, port: Int) async throws -> DeviceConnection {
        let device = try await DeviceConnection.connect(host: "127.0.0.1", port: port)
        try await device.send(.hello(Hello(deviceID: id, token: "", profile: "thermostat")), seq: 1)
        guard case .welcome? = try await device.receive()?.message else { throw CLIFailure("no WELCOME") }
        return device
    }

    @Test func aNodeThatDiesIsReportedOfflineByItsWill() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let broker = try await TestBroker()
        let backend = try await MQTTTestClient(broker, subscriptions: ["gatehouse/nodes/+/status"])
        let (server, _) = try await Self.startNode(broker, node: "cli-killed", data: data)
        _ = try await backend.waitForText("online", on: "gatehouse/nodes/cli-killed/status")

        server.signal(SIGKILL)
        _ = try await backend.waitForText("offline", on: "gatehouse/nodes/cli-killed/status")
        _ = try await server.waitForExit(timeout: .seconds(5))
        await backend.disconnect()
        await broker.stop()
    }

    @Test func sigtermPublishesTheDevicesAndTheNodeOfflineAndExitsZero() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let broker = try await TestBroker()
        let backend = try await MQTTTestClient(
            broker, subscriptions: ["gatehouse/nodes/+/status", "gatehouse/devices/+/status"])
        let (server, port) = try await Self.startNode(broker, node: "cli-stopped", data: data)
        _ = try await backend.waitForText("online", on: "gatehouse/nodes/cli-stopped/status")
        let device = try await Self.login("thermo-cli", port: port)
        _ = try await backend.waitForJSON(on: "gatehouse/devices/thermo-cli/status") { $0["online"]?.boolValue == true }

        server.signal(SIGTERM)
        let offline = try await backend.waitForJSON(on: "gatehouse/devices/thermo-cli/status") {
            $0["online"]?.boolValue == false
        }
        #expect(offline["reason"]?.stringValue == "shutdown")
        _ = try await backend.waitForText("offline", on: "gatehouse/nodes/cli-stopped/status")
        #expect(try await server.waitForExit(timeout: .seconds(10)) == 0)
        #expect(server.stderr.contains("MQTT bridge stopped"))
        await device.close()
        await backend.disconnect()
        await broker.stop()
    }

    @Test func withoutABrokerTheBridgeIsOffAndABadURLIsRefused() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let (server, _) = try await ServeCommandTests.startServer([], data: data)
        #expect(server.stderr.contains("MQTT bridge off"))
        server.signal(SIGTERM)
        _ = try await server.waitForExit(timeout: .seconds(5))

        let refused = try await GatehouseProcess.run([
            "serve", "--mqtt", "http://127.0.0.1:1883", "--data-dir", data.path, "--http-port", "0", "--device-port",
            "0",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--mqtt"))
    }
}
