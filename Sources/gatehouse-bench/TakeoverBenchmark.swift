import DFP
import Simulator

/// How long a node takes to close a session whose device logged in on another node: the device logs in
/// on node A, then on node B; the time from B's WELCOME to A's ERROR 7 is the takeover latency (the
/// status travels B → broker → A). Both nodes run with the same broker and `--allow-unknown-devices`.
struct TakeoverBenchmark {
    var portA: Int
    var portB: Int
    var rounds: Int

    func run() async throws {
        let latency = LatencyRecorder()
        var failures = 0
        for round in 0..<self.rounds {
            let id = "takeover-\(round)"
            let first = try await self.login(id, port: self.portA)
            let second = try await self.login(id, port: self.portB)
            let welcomed = ContinuousClock.now
            var replaced = false
            while let packet = try await first.receive(timeout: .seconds(10)) {
                if case .error(let report) = packet.message {
                    replaced = report.code == .sessionReplaced
                    break
                }
            }
            if replaced {
                latency.record([UInt64((ContinuousClock.now - welcomed).inNanoseconds)])
            } else {
                failures += 1
            }
            try await second.send(.bye, seq: 2)
            await first.close()
            await second.close()
        }
        print(
            "cross-node takeover, WELCOME on B to ERROR 7 on A, \(self.rounds) rounds: \(latency.summary()); failures \(failures)"
        )
    }

    private func login(_ id: String, port: Int) async throws -> DeviceConnection {
        let device = try await DeviceConnection.connect(host: "127.0.0.1", port: port)
        try await device.send(.hello(Hello(deviceID: id, token: "", heartbeatSeconds: 60)), seq: 1)
        guard case .welcome? = try await device.receive(timeout: .seconds(10))?.message else {
            fatalError("no WELCOME for \(id) on port \(port)")
        }
        return device
    }
}
