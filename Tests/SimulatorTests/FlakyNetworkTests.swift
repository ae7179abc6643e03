import DFP
import Foundation
import GatehouseTestSupport
import Simulator
import Testing

@Suite("Faulty fleets against a real gateway")
struct FlakyNetworkTests {
    @Test func everyFaultIsAnsweredWithItsErrorAndTheSteadyFleetNeverNotices() async throws {
        let gateway = try await TestGateway.start { $0.allowUnknownDevices = true }
        let scenario = try Scenario(
            contentsOfFile: ScenarioParserTests.simulatorsDirectory.appendingPathComponent("flaky-network.yaml").path)
        var runner = ScenarioRunner(scenario: scenario, host: "127.0.0.1", port: gateway.port, duration: .seconds(90))
        // Until every fault has shown, however busy the machine.
        runner.stopWhen = { report in
            report.peakConnected >= 20 && (report.fleets["droppers"]?.disconnects ?? 0) > 0
                && (report.fleets["silent"]?.errors["8 heartbeat timeout"] ?? 0) > 0
                && (report.fleets["corrupt"]?.errors["2 CRC mismatch"] ?? 0) > 0
                && (report.fleets["oversize"]?.errors["4 frame too large"] ?? 0) > 0
                && (report.fleets["twins"]?.errors["7 session replaced"] ?? 0) == 3
        }
        let report = await runner.run()

        #expect(
            report.fleets["steady"] == nil,
            "the steady fleet was disturbed: \(String(describing: report.fleets["steady"]))")
        #expect((report.fleets["droppers"]?.disconnects ?? 0) > 0)
        #expect((report.fleets["silent"]?.errors["8 heartbeat timeout"] ?? 0) > 0)
        #expect((report.fleets["corrupt"]?.errors["2 CRC mismatch"] ?? 0) > 0)
        #expect((report.fleets["oversize"]?.errors["4 frame too large"] ?? 0) > 0)
        #expect((report.fleets["twins"]?.errors["7 session replaced"] ?? 0) == 3)
        #expect(scenario.expectations.failures(of: report).isEmpty)

        // The gateway is still healthy: a new device logs in and gets its ACK.
        let (device, _) = try await gateway.login("after-the-storm", token: "", heartbeat: 60)
        try await device.send(
            .telemetry(Telemetry(timestampMs: 1, fields: [Field(tag: 1, value: .i16(1))])), seq: 1, flags: .ackRequested
        )
        #expect(try await device.receive() == Packet(.ack, seq: 1))
        await device.close()
        try await gateway.stop()
    }
}
