import Foundation
import GatehouseTestSupport
import Testing

@Suite("gatehouse-sim, as a process")
struct SimulatorCommandTests {
    static let smoke = URL(fileURLWithPath: shippedDevicesDirectory).deletingLastPathComponent()
        .appendingPathComponent("simulators/smoke.yaml").path

    @Test func aRunSpreadOverWorkerProcessesReportsTheFleetAsOne() async throws {
        let gateway = try await TestGateway.start { $0.allowUnknownDevices = true }
        // The smoke scenario less its latency bound: timing targets belong in benchmarks, and this test
        // shares the machine with every other.
        let scenario = FileManager.default.temporaryDirectory.appendingPathComponent("smoke-\(UUID().uuidString).yaml")
        try String(contentsOfFile: Self.smoke, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("max_p99_ack_ms") }.joined(separator: "\n")
            .write(to: scenario, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: scenario) }
        // Four devices a worker: the ten smoke devices take three worker processes.
        let run = try await GatehouseProcess.run(
            [
                "run", scenario.path, "--port", "\(gateway.port)", "--duration", "10s", "--devices-per-worker", "4",
                "--json",
            ],
            executable: "gatehouse-sim")
        #expect(run.status == 0, "\(run.stderr)")
        // Standard output holds the JSON alone; the progress lines go to standard error.
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(run.stderr.contains("s connected 10/10 "))
        #expect(report["devices"] as? Int == 10)
        #expect(report["peak_connected"] as? Int == 10)
        #expect(report["connected"] as? Int == 10)
        #expect((report["acks"] as? Int ?? 0) > 10)
        #expect((report["errors"] as? [String: Int])?.isEmpty == true)
        #expect((report["ack_latency_ms"] as? [String: Double])?["p99"] != nil)
        try await gateway.stop()
    }

    @Test func aRunThatMissesItsExpectationsExitsOne() async throws {
        let gateway = try await TestGateway.start()  // registered devices only: every login refused
        let run = try await GatehouseProcess.run(
            ["run", Self.smoke, "--port", "\(gateway.port)", "--duration", "2s"], executable: "gatehouse-sim")
        #expect(run.status == 1)
        #expect(run.stderr.contains("expect failed: connected 0"))
        #expect(run.stdout.contains("6 authentication failed"))
        try await gateway.stop()
    }

    @Test func aBadScenarioIsRefusedNamingTheLine() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).yaml")
        try "fleets:\n  - count: 1\n    id: x-{0}\n    colour: red\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try await GatehouseProcess.run(["run", file.path], executable: "gatehouse-sim")
        #expect(run.status != 0)
        #expect(run.stderr.contains("\(file.path):4: fleet 1: unknown key \"colour\""))
    }
}
