import DFP
import Foundation
import HummingbirdWSClient
import Simulator
import Synchronization

/// Dashboard command → device → result round trips against a running gateway: `devices` devices answer
/// every COMMAND at once with `ok`, and `clients` live-feed clients each keep one command in flight,
/// round-robin over the devices, for `seconds`. Every command is durable (a record written when
/// accepted, when sent and when answered), so this measures what the command queue's SQLite commits
/// cost on top of the wire. Loopback only, bounded in time; the gateway must run with
/// `--allow-unknown-devices`.
struct CommandBenchmark {
    var gateway: BenchmarkGateway
    var devices: Int
    var clients: Int
    var seconds: Int

    /// Answers by kind, from every client.
    final class Answers: Sendable {
        let ok = Atomic<Int>(0)
        let other = Atomic<Int>(0)
    }

    func run() async throws {
        let connections = try await self.gateway.connectDevices(self.devices, idPrefix: "bench-cmd-")
        let answering = connections.map { connection in Task { await Self.answerCommands(connection) } }
        try await Task.sleep(for: .seconds(1))

        let latency = LatencyRecorder()
        let url = self.gateway.liveFeedURL
        let deadline = ContinuousClock.now + .seconds(self.seconds)
        let started = ContinuousClock.now
        let devices = self.devices
        let answers = Answers()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<self.clients {
                group.addTask {
                    try await WebSocketClient.connect(
                        url: url, configuration: BenchmarkGateway.liveFeedConfiguration,
                        logger: BenchmarkGateway.logger
                    ) { inbound, outbound, _ in
                        var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                        // Only the replies to its own commands: no live feed, no lifecycle broadcasts.
                        try await outbound.write(.text(#"{"type":"subscribe","devices":[]}"#))
                        var sequence = 0
                        var samples: [UInt64] = []
                        while ContinuousClock.now < deadline {
                            sequence += 1
                            let requestID = "b\(client)-\(sequence)"
                            let device = "bench-cmd-\((client + sequence * 7) % devices)"
                            let sent = ContinuousClock.now
                            try await outbound.write(
                                .text(
                                    #"{"type":"command","request_id":"\#(requestID)","device":"\#(device)","name":"noop","args":{},"timeout_ms":5000}"#
                                ))
                            while let message = try await messages.next() {
                                guard case .text(let text) = message, text.contains(#""request_id":"\#(requestID)""#)
                                else { continue }
                                samples.append(UInt64((ContinuousClock.now - sent).inNanoseconds))
                                if text.contains(#""status":"ok""#) {
                                    answers.ok.add(1, ordering: .relaxed)
                                } else {
                                    answers.other.add(1, ordering: .relaxed)
                                }
                                break
                            }
                        }
                        latency.record(samples)
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                }
            }
            try await group.waitForAll()
        }
        let ok = answers.ok.load(ordering: .relaxed)
        let other = answers.other.load(ordering: .relaxed)
        let elapsed = (ContinuousClock.now - started).inSeconds
        for task in answering { task.cancel() }
        for connection in connections { await connection.close() }
        print(
            String(
                format: "commands over the live feed, %d devices, %d clients in flight: %.0f commands/s; ",
                self.devices, self.clients, Double(ok + other) / elapsed)
                + "round trip \(latency.summary()); \(ok) ok, \(other) not ok")
    }

    /// Answers each COMMAND with `ok` until the task is cancelled or the connection ends.
    private static func answerCommands(_ connection: DeviceConnection) async {
        var seq: UInt16 = 1
        while !Task.isCancelled {
            guard let packet = try? await connection.receive(timeout: .seconds(1)) else { continue }
            guard case .command(let command) = packet.message else { continue }
            seq &+= 1
            try? await connection.send(
                .commandResult(CommandResult(commandID: command.commandID, status: .ok, fields: [])), seq: seq)
        }
    }
}
