import Foundation
import GatehouseTestSupport
import Simulator
import Testing

@Suite("Provisioning a fleet through the REST API")
struct ProvisionTests {
    @Test func aProvisionedFleetLogsInToAGatewayThatAdmitsOnlyRegisteredDevices() async throws {
        let gateway = try await TestGateway.start()
        // One device exists already: it gets a new token instead of a 409.
        _ = try gateway.register("smoke-thermo-05", profile: "thermostat")
        let scenario = try Scenario(
            contentsOfFile: ScenarioParserTests.simulatorsDirectory.appendingPathComponent("smoke.yaml").path)
        let api = try #require(URL(string: "http://127.0.0.1:\(gateway.httpPort)"))
        let tokens = try await Provisioner(api: api, apiToken: gateway.apiToken).provision(scenario)
        #expect(tokens.count == 10)
        #expect(try gateway.gateway.registry.list().count == 10)
        #expect(try gateway.gateway.registry.device(id: "smoke-thermo-03")?.profile == "thermostat")

        var runner = ScenarioRunner(scenario: scenario, host: "127.0.0.1", port: gateway.port, duration: .seconds(60))
        runner.tokens = tokens
        runner.stopWhen = { $0.peakConnected == 10 && $0.acks >= 10 }
        let report = await runner.run()
        #expect(report.peakConnected == 10)
        #expect(report.errorCount == 0)

        await #expect(throws: Provisioner.Failure.self) {
            _ = try await Provisioner(api: api, apiToken: "wrong").provision(scenario)
        }
        try await gateway.stop()
    }
}
