import Foundation
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

@Suite("Devices spread over several gateways")
struct TargetListTests {
    static func sessions(on gateway: TestGateway) -> Set<String> {
        Set(
            gateway.sink.events.compactMap { event -> String? in
                if case .status(let change) = event, change.online { return change.deviceID }
                return nil
            })
    }

    @Test func aFleetSpreadsOverTheTargetsAndMovesOnFromOneThatIsDown() async throws {
        let first = try await TestGateway.start { $0.allowUnknownDevices = true }
        let second = try await TestGateway.start { $0.allowUnknownDevices = true }
        let down = GatewayAddress(host: "127.0.0.1", port: try TestBroker.freePort())
        #expect(
            GatewayAddress.list(parsing: "127.0.0.1:7300,gw.example:7301") == [
                GatewayAddress(host: "127.0.0.1", port: 7300), GatewayAddress(host: "gw.example", port: 7301),
            ])
        #expect(GatewayAddress.list(parsing: "127.0.0.1") == nil)

        let scenario = try Scenario(
            contentsOfFile: ScenarioParserTests.simulatorsDirectory.appendingPathComponent("smoke.yaml").path)
        let targets = [
            GatewayAddress(host: "127.0.0.1", port: first.port), down,
            GatewayAddress(host: "127.0.0.1", port: second.port),
        ]
        var runner = ScenarioRunner(scenario: scenario, targets: targets, duration: .seconds(60))
        runner.stopWhen = { $0.peakConnected == 10 }
        let report = await runner.run()

        // Devices 1, 4 and 7 started at the gateway that is down and moved on to the next one.
        #expect(report.connectFailures >= 3)
        #expect(report.peakConnected == 10)
        let onFirst = Self.sessions(on: first)
        let onSecond = Self.sessions(on: second)
        #expect(onFirst.count >= 4 && onSecond.count >= 3)
        #expect(onFirst.union(onSecond).count == 10)
        try await first.stop()
        try await second.stop()
    }
}
