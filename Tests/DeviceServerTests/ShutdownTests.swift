import DFP
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test func shutdownSendsError10AndReportsEveryDeviceOffline() async throws {
        let gateway = try await TestGateway.start()
        var devices: [DeviceConnection] = []
        for index in 0..<5 {
            let token = try gateway.register("dev-\(index)")
            devices.append(try await gateway.login("dev-\(index)", token: token).0)
        }
        let unauthenticated = try await gateway.connect()
        // Connections still in the kernel's accept queue when the listener closes are reset by the
        // kernel, not shut down by the gateway: wait until the gateway has accepted all six.
        let deadline = ContinuousClock.now + .seconds(10)
        while !gateway.metricsText.contains("gatehouse_connections_total 6"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }

        try await gateway.stop()

        for device in devices + [unauthenticated] {
            #expect(try await device.expectError() == .shuttingDown)
            #expect(try await device.isClosed())
        }
        for index in 0..<5 {
            #expect(gateway.sink.statuses(of: "dev-\(index)").map(\.reason) == [.hello, .shutdown])
        }
        #expect(gateway.gateway.sessions.count == 0)
        // No longer accepting.
        await #expect(throws: (any Error).self) { _ = try await gateway.connect() }
    }
}
