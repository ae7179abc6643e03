import DFP
import Foundation
import Simulator
import Testing

@Suite("gatehouse serve")
struct ServeCommandTests {
    /// Starts `serve` on an ephemeral loopback port and returns the process and the port.
    static func startServer(
        _ extraArguments: [String], data: URL, devices: String = shippedDevicesDirectory, executableURL: URL? = nil,
        unprivileged: Bool = false
    ) async throws -> (GatehouseProcess, Int) {
        let server = try GatehouseProcess(
            [
                "serve", "--host", "127.0.0.1", "--device-port", "0", "--http-port", "0", "--data-dir", data.path,
                "--devices-dir", devices,
            ] + extraArguments,
            executableURL: executableURL, unprivileged: unprivileged
        )
        guard try await server.waitForStderr(containing: "device server listening") else {
            throw CLIFailure("server did not start: \(server.stderr)")
        }
        let line = server.stderr.split(separator: "\n").first { $0.contains("device server listening") }!
        let port = Int(line.split(separator: " ").first { $0.hasPrefix("address=") }!.split(separator: ":").last!)!
        return (server, port)
    }

    @Test func sigtermSendsError10AndExitsZeroWithinFiveSeconds() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let token = try await GatehouseProcess.run(["device", "add", "dev-1", "--data-dir", data.path]).stdout
            .split(separator: "\n").last.map(String.init)!
        let (server, port) = try await Self.startServer([], data: data)

        let device = try await DeviceConnection.connect(host: "127.0.0.1", port: port)
        try await device.send(.hello(Hello(deviceID: "dev-1", token: token)), seq: 1)
        guard case .welcome? = try await device.receive()?.message else { throw CLIFailure("no WELCOME") }

        let signalled = ContinuousClock.now
        server.signal(SIGTERM)
        guard case .error(let report)? = try await device.receive()?.message else { throw CLIFailure("no ERROR") }
        #expect(report.code == .shuttingDown)
        let status = try await server.waitForExit(timeout: .seconds(5))
        #expect(status == 0)
        #expect(ContinuousClock.now - signalled < .seconds(5))
        #expect(server.stderr.contains("reason=shutdown"))
    }

    @Test func sigintStopsAnIdleServerWithStatusZero() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let (server, _) = try await Self.startServer([], data: data)
        server.signal(SIGINT)
        #expect(try await server.waitForExit(timeout: .seconds(5)) == 0)
    }

    @Test func theFirstStartGeneratesAnAPITokenAndPrintsTheDashboardURLWithIt() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let (server, _) = try await Self.startServer([], data: data)
        let token = try String(contentsOf: data.appendingPathComponent("api-token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count >= 32)
        let deadline = ContinuousClock.now + .seconds(10)
        while !server.stdout.contains("dashboard: http://127.0.0.1:"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(server.stdout.contains("/?token=\(token)"))
        server.signal(SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(5)) == 0)
    }

    @Test func aTakenHTTPPortIsAClearStartupErrorNotAHang() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let (first, _) = try await Self.startServer([], data: data)
        #expect(try await first.waitForStderr(containing: "Server started and listening on"))
        let line = try #require(
            first.stderr.split(separator: "\n").first { $0.contains("Server started and listening on") })
        let httpPort = try #require(line.split(separator: ":").last.map(String.init))
        let second = try GatehouseProcess(
            [
                "serve", "--host", "127.0.0.1", "--device-port", "0", "--http-port", httpPort, "--data-dir", data.path,
                "--devices-dir", shippedDevicesDirectory,
            ]
        )
        let status = try await second.waitForExit(timeout: .seconds(10))
        #expect(status != nil && status != 0)
        #expect(second.stderr.contains("cannot listen for HTTP"))
        first.signal(SIGTERM)
        #expect(try await first.waitForExit(timeout: .seconds(5)) == 0)
    }

    @Test func aConfigFileSetsSettingsAndFlagsWin() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let config = data.appendingPathComponent("gatehouse.yaml")
        try """
        heartbeat: 35s
        heartbeat_max: 50
        hello-timeout: 2s
        allow_unknown_devices: true
        log_level: info
        """.write(to: config, atomically: true, encoding: .utf8)
        let (server, port) = try await Self.startServer(["--config", config.path, "--heartbeat-max", "40"], data: data)
        #expect(server.stderr.contains("allow-unknown-devices"))

        // The config's allow_unknown_devices admits an unregistered device; the flag's heartbeat_max wins.
        let device = try await DeviceConnection.connect(host: "127.0.0.1", port: port)
        try await device.send(.hello(Hello(deviceID: "anyone", token: "", heartbeatSeconds: 3600)), seq: 1)
        guard case .welcome(let welcome)? = try await device.receive()?.message else { throw CLIFailure("no WELCOME") }
        #expect(welcome.heartbeatSeconds == 40)
        // The config's hello timeout applies to a silent connection.
        let silent = try await DeviceConnection.connect(host: "127.0.0.1", port: port)
        guard case .error(let report)? = try await silent.receive(timeout: .seconds(10))?.message else {
            throw CLIFailure("no ERROR for a silent peer")
        }
        #expect(report.code == .notAuthenticated)
        server.signal(SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(5)) == 0)
    }

    @Test(arguments: [
        ("heartbeat: soon\n", "heartbeat"),
        ("device_prot: 7300\n", "unknown setting"),
        ("heartbeat_min: 10\nheartbeat_max: 5\n", "heartbeat_min"),
    ])
    func aBadConfigFileIsAClearStartupError(config text: String, mentions: String) async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let config = data.appendingPathComponent("bad.yaml")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let result = try await GatehouseProcess.run(
            [
                "serve", "--config", config.path, "--data-dir", data.path, "--devices-dir", shippedDevicesDirectory,
                "--http-port", "0",
            ]
        )
        #expect(result.status != 0)
        #expect(result.stderr.contains(mentions))
    }

    @Test func aMalformedProfileIsAStartupErrorNamingTheFile() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let devices = data.appendingPathComponent("devices")
        try FileManager.default.createDirectory(at: devices, withIntermediateDirectories: true)
        try "telemetry:\n  1: { name: temperature, type: int16 }\n"
            .write(to: devices.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let result = try await GatehouseProcess.run(
            ["serve", "--data-dir", data.path, "--devices-dir", devices.path, "--device-port", "0", "--http-port", "0"]
        )
        #expect(result.status != 0)
        #expect(result.stderr.contains("broken.yaml"))
        #expect(result.stderr.contains("int16"))
    }
}
