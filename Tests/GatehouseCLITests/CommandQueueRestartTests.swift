import DFP
import Foundation
import GatehouseTestSupport
import Simulator
import Testing

@Suite("gatehouse serve keeps its command queue")
struct CommandQueueRestartTests {
    @Test
    func queuedCommandsSurviveKill9InOrderWithTheirTTLs() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let token =
            try await GatehouseProcess.run(
                ["device", "add", "crash-1", "--profile", "thermostat", "--data-dir", data.path]
            ).stdout.split(separator: "\n").last.map(String.init) ?? ""
        let (first, _) = try await ServeCommandTests.startServer([], data: data)
        #expect(try await first.waitForStderr(containing: "Server started and listening on"))
        let api = HTTPClient(port: try Self.httpPort(of: first), token: try Self.apiToken(in: data))
        for value in [16, 17] {
            _ = try await api.queueCommand(
                "crash-1", #"{"name":"set_setpoint","args":{"value":\#(value)},"ttl_ms":600000}"#)
        }
        let shortLived = try await api.queueCommand(
            "crash-1", #"{"name":"set_mode","args":{"mode":"off"},"ttl_ms":1000}"#)
        first.signal(SIGKILL)
        _ = try await first.waitForExit()
        // Past the short TTL while the gateway is down.
        try await Task.sleep(for: .milliseconds(1200))

        let (second, port) = try await ServeCommandTests.startServer([], data: data)
        let device = try await DeviceConnection.connect(host: "127.0.0.1", port: port)
        try await device.send(.hello(Hello(deviceID: "crash-1", token: token)), seq: 1)
        guard case .welcome? = try await device.receive()?.message else { throw CLIFailure("no WELCOME") }
        var received: [Field] = []
        while received.count < 2, let packet = try await device.receive(timeout: .seconds(10)) {
            guard case .command(let command) = packet.message else { continue }
            #expect(command.name == "set_setpoint", "the expired set_mode must never be sent")
            received += command.arguments
            try await device.send(
                .commandResult(CommandResult(commandID: command.commandID, status: .ok, fields: [])), seq: 2)
        }
        #expect(received == [Field(tag: 1, value: .i16(160)), Field(tag: 1, value: .i16(170))])
        #expect(try await second.waitForStderr(containing: "Server started and listening on"))
        let secondAPI = HTTPClient(port: try Self.httpPort(of: second), token: api.token)
        #expect(try await secondAPI.get("/api/commands/\(shortLived)").object["status"] as? String == "expired")
        await device.close()
        second.signal(SIGTERM)
        _ = try await second.waitForExit()
    }

    static func httpPort(of server: GatehouseProcess) throws -> Int {
        guard
            let line = server.stderr.split(separator: "\n").first(where: {
                $0.contains("Server started and listening on")
            }), let port = line.split(separator: ":").last.flatMap({ Int($0) })
        else { throw CLIFailure("no HTTP port in \(server.stderr)") }
        return port
    }

    static func apiToken(in data: URL) throws -> String {
        try String(contentsOf: data.appendingPathComponent("api-token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
