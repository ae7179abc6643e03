import DFP
import Foundation
import Simulator
import Testing

@Suite("Scenario files")
struct ScenarioParserTests {
    static let simulatorsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("simulators")

    @Test(arguments: ["smoke.yaml", "smart-home.yaml", "flaky-network.yaml", "soak-100k.yaml"])
    func everyShippedScenarioParses(file: String) throws {
        let scenario = try Scenario(contentsOfFile: Self.simulatorsDirectory.appendingPathComponent(file).path)
        #expect(!scenario.fleets.isEmpty)
    }

    @Test func faultsAreRead() throws {
        let scenario = try Scenario(
            yaml: """
                fleets:
                  - count: 1
                    id: f-{0}
                    faults:
                      disconnect: { every: 20s, reconnect_after: [1s, 5s] }
                      silent: 0.1
                      corrupt_crc: 0.05
                      oversize: 0.2
                      slow_reader: 0.3
                      duplicate_id: 0.4
                """)
        var expected = Faults()
        expected.disconnectEvery = .seconds(20)
        expected.reconnectAfter = 1...5
        expected.silent = 0.1
        expected.corruptCRC = 0.05
        expected.oversize = 0.2
        expected.slowReader = 0.3
        expected.duplicateID = 0.4
        #expect(scenario.fleets[0].faults == expected)
        #expect(throws: ScenarioError.self) {
            try Scenario(yaml: "fleets:\n  - count: 1\n    id: f-{0}\n    faults: { silent: 2 }\n")
        }
    }

    @Test func everyKeyIsRead() throws {
        let scenario = try Scenario(
            yaml: """
                name: all-keys
                duration: 90s
                fleets:
                  - name: meters
                    count: 12
                    id: "meter-{000}"
                    profile: power-meter
                    token: secret
                    heartbeat: 45s
                    ramp: 2.5
                    telemetry:
                      interval: 2s
                      jitter: 500ms
                      ack: false
                      fields:
                        voltage: { tag: 1, type: u16, walk: [2250, 2350] }
                        phase: { tag: 2, type: f32, sine: { min: -1, max: 1, period: 1m } }
                        energy: { tag: 4, type: u64, counter: { start: 10, step: 2 } }
                        online: { tag: 5, type: bool, constant: true }
                        lat: { tag: 6, type: i32, track: { center: 100, radius: 10, period: 10m, axis: latitude } }
                    commands: { answer: fail, delay: 250ms }
                expect:
                  min_connected: 12
                  max_errors: 1
                  max_p99_ack_ms: 20.5
                  min_commands_answered: 3
                """)
        #expect(scenario.name == "all-keys")
        #expect(scenario.duration == .seconds(90))
        let fleet = try #require(scenario.fleets.first)
        #expect(fleet.name == "meters")
        #expect(fleet.count == 12)
        #expect(fleet.deviceID(7) == "meter-007")
        #expect(fleet.profile == "power-meter")
        #expect(fleet.token == "secret")
        #expect(fleet.heartbeat == .seconds(45))
        #expect(fleet.rampPerSecond == 2.5)
        #expect(fleet.telemetryInterval == .seconds(2))
        #expect(fleet.telemetryJitter == .milliseconds(500))
        #expect(!fleet.ackRequested)
        #expect(fleet.commandAnswer == .fail)
        #expect(fleet.commandDelay == .milliseconds(250))
        #expect(
            fleet.fields == [
                FieldPattern(name: "voltage", tag: 1, type: .u16, pattern: .randomWalk(2250...2350)),
                FieldPattern(name: "phase", tag: 2, type: .f32, pattern: .sine(-1...1, period: .seconds(60))),
                FieldPattern(name: "energy", tag: 4, type: .u64, pattern: .counter(start: 10, step: 2)),
                FieldPattern(name: "online", tag: 5, type: .bool, pattern: .constant(1)),
                FieldPattern(
                    name: "lat", tag: 6, type: .i32,
                    pattern: .track(center: 100, radius: 10, period: .seconds(600), axis: .latitude)),
            ])
        #expect(
            scenario.expectations
                == Expectations(minConnected: 12, maxErrors: 1, maxP99AckLatencyMs: 20.5, minCommandsAnswered: 3))
    }

    @Test(
        arguments: [
            ("fleets:\n  - count: 1\n    id: a-{0}\n    colour: red\n", 4, "unknown key \"colour\""),
            ("fleets:\n  - count: 0\n    id: a-{0}\n", 2, "count must be a whole number of at least 1"),
            ("fleets:\n  - count: 2\n    id: \"bad id {0}\"\n", 3, "not a DFP/1 device ID"),
            ("name: x\n", 1, "\"fleets\" must list at least one fleet"),
            (
                "fleets:\n  - count: 1\n    id: a-{0}\n    telemetry:\n      fields:\n        t: { tag: 1, type: i99, walk: [1, 2] }\n",
                6, "type must be"
            ),
            (
                "fleets:\n  - count: 1\n    id: a-{0}\n    telemetry:\n      fields:\n        t: { tag: 1, type: i16, walk: [1, 2], constant: 3 }\n",
                6, "exactly one of"
            ),
            ("fleets:\n  - count: 1\n    id: a-{0}\n    heartbeat: soon\n", 4, "heartbeat must be a duration"),
            ("fleets: [\n", nil, "not valid YAML"),
        ] as [(String, Int?, String)])
    func aBadFileIsRefusedNamingTheLine(yaml: String, line: Int?, message: String) {
        #expect {
            try Scenario(yaml: yaml, file: "bad.yaml")
        } throws: { error in
            guard let error = error as? ScenarioError else { return false }
            return error.file == "bad.yaml" && (line == nil || error.line == line) && error.message.contains(message)
        }
    }

    @Test func expectationsNameWhatTheRunMissed() {
        let expectations = Expectations(minConnected: 10, maxErrors: 0, maxP99AckLatencyMs: 50, minCommandsAnswered: 1)
        var report = RunReport(
            scenario: "s", devices: 10, connected: 10, peakConnected: 10, framesSent: 100, acks: 90, errors: [:],
            ackLatencyMs: .init(p50: 1, p99: 20, max: 30), commandsAnswered: 1, disconnects: 0, connectFailures: 0,
            elapsedSeconds: 10)
        #expect(expectations.failures(of: report).isEmpty)
        report.peakConnected = 9
        report.errors = ["7 session replaced": 1]
        report.ackLatencyMs.p99 = 51
        report.commandsAnswered = 0
        let failures = expectations.failures(of: report)
        #expect(failures.count == 4)
        #expect(failures.contains { $0.contains("connected 9") })
        #expect(failures.contains { $0.contains("1 errors") })
        #expect(failures.contains { $0.contains("p99 ACK latency 51.0 ms") })
        #expect(failures.contains { $0.contains("0 commands answered") })
    }
}
