import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

@Suite("gatehouse-sim device, typed to")
struct InteractiveDeviceTests {
    @Test func typedTelemetryByProfileNameReachesTheGatewayAndCommandsPrintNamed() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("thermo-typed", profile: "thermostat")
        let device = try GatehouseProcess(
            [
                "device", "--id", "thermo-typed", "--token", token, "--profile", "thermostat", "--devices-dir",
                TestGateway.devicesDirectory, "--port", "\(gateway.port)", "--interval", "3600",
            ],
            executable: "gatehouse-sim", typedTo: true)
        #expect(try await device.waitForStdout(containing: "welcome"), "\(device.stdout) \(device.stderr)")

        // Engineering units by name and a raw tag, mixed: 21.5 °C is i16 215 on the wire.
        device.type("temperature=21.5 mode=auto 9:u8=7")
        let arrived = try await gateway.sink.waitUntil(timeout: .seconds(10)) { events in
            events.contains { event in
                guard case .telemetry(let report) = event, report.deviceID == "thermo-typed" else { return false }
                return report.fields == [
                    Field(tag: 1, value: .i16(215)), Field(tag: 5, value: .string("auto")),
                    Field(tag: 9, value: .u8(7)),
                ]
            }
        }
        #expect(arrived)

        // A name the profile lacks and a value its type cannot hold are refused, and the device goes on.
        device.type("colour=red")
        device.type("temperature=warm")
        #expect(
            try await device.waitForStderr(containing: "known fields: heating, humidity, mode, setpoint, temperature"))
        #expect(try await device.waitForStderr(containing: "temperature is sent as i16: give a number"))

        let arguments = try #require(
            try? gateway.gateway.profiles.profile(named: "thermostat")?.commandArguments(
                name: "set_setpoint", values: ["value": .double(22.5)]))
        let outcome = await gateway.gateway.commands.execute(
            deviceID: "thermo-typed", name: "set_setpoint", arguments: arguments, timeout: .seconds(5))
        #expect(outcome.status == .ok)
        #expect(try await device.waitForStdout(containing: "set_setpoint value=22.5°C (answered ok)"))
        device.signal(SIGTERM)
        _ = try await device.waitForExit()
        try await gateway.stop()
    }
}
