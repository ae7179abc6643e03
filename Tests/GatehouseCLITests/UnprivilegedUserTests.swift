import Foundation
import GatehouseTestSupport
import Testing

/// Production gateways do not run as root, and the suite usually does: options that only root may set
/// (SO_DEBUG, once mistaken for TCP_NODELAY, reset every device connection) pass unnoticed there.
@Suite("an unprivileged user")
struct UnprivilegedUserTests {
    @Test func runsAGatewayAndASimulatedFleetAgainstIt() async throws {
        // Copies `nobody` can read wherever the build lives, and a folder it may write.
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder.path)
        let binaries = folder.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: binaries, withIntermediateDirectories: true)
        // Copied by `cp`, so that the copies are never open for writing in this process: a process
        // another test forks meanwhile would inherit that descriptor, and running the copy would then
        // fail with ETXTBSY (seen).
        let copy = try ChildProcess(
            "/bin/cp",
            ["gatehouse", "gatehouse-sim"].map { GatehouseProcess.executable(named: $0).path } + [binaries.path])
        #expect(try await copy.waitForExit() == 0)
        let devices = folder.appendingPathComponent("devices")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: shippedDevicesDirectory), to: devices)
        let scenario = folder.appendingPathComponent("three.yaml")
        try """
        name: three
        fleets:
          - name: thermostats
            count: 3
            id: "plain-{0}"
            profile: thermostat
            telemetry:
              interval: 100ms
              fields:
                temperature: { tag: 1, type: i16, walk: [160, 260] }
        expect:
          min_connected: 3
          max_errors: 0
        """.write(to: scenario, atomically: true, encoding: .utf8)

        let (server, port) = try await ServeCommandTests.startServer(
            ["--allow-unknown-devices"], data: folder.appendingPathComponent("data"), devices: devices.path,
            executableURL: binaries.appendingPathComponent("gatehouse"), unprivileged: true)

        let simulator = try GatehouseProcess(
            ["run", scenario.path, "--port", "\(port)", "--duration", "3s", "--json"],
            executableURL: binaries.appendingPathComponent("gatehouse-sim"), unprivileged: true)
        let status = try await simulator.waitForExit()
        #expect(status == 0, "\(simulator.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(simulator.stdout.utf8)) as? [String: Any])
        #expect(report["connected"] as? Int == 3)
        #expect((report["acks"] as? Int ?? 0) > 3)
        #expect(report["disconnects"] as? Int == 0)
        server.signal(SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(10)) == 0)
    }
}
