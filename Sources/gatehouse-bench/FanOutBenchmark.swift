import DFP
import Dispatch
import Foundation
import HummingbirdWSClient
import NIOCore
import Simulator
import Synchronization

/// Device TELEMETRY → dashboard WebSocket latency against a running gateway: `devices` devices each send
/// one telemetry frame per second (so `devices` msgs/s in all), carrying their send time in µs in tag 1,
/// and `clients` live-feed clients measure when each message reaches them. Loopback only, bounded in
/// time. The gateway must run with `--allow-unknown-devices` and without a profile for these IDs.
struct FanOutBenchmark {
    var gateway: BenchmarkGateway
    var devices: Int
    var clients: Int
    var seconds: Int

    final class Latencies: Sendable {
        let samples = Mutex<[Double]>([])
        let measuring = Atomic<Bool>(false)
    }

    static func nowMicroseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000 + UInt64(spec.tv_nsec) / 1_000
    }

    func run() async throws {
        let latencies = Latencies()
        let url = self.gateway.liveFeedURL
        let readers = (0..<self.clients).map { _ in
            Task {
                try await WebSocketClient.connect(
                    url: url, configuration: BenchmarkGateway.liveFeedConfiguration, logger: BenchmarkGateway.logger
                ) { inbound, _, _ in
                    for try await message in inbound.messages(maxSize: 1 << 24) {
                        guard case .text(let text) = message, latencies.measuring.load(ordering: .relaxed),
                            let sent = Self.sentMicroseconds(in: text)
                        else { continue }
                        let latency = Double(Self.nowMicroseconds() &- sent) / 1000
                        latencies.samples.withLock { $0.append(latency) }
                    }
                }
            }
        }
        let connections = try await self.gateway.connectDevices(self.devices, idPrefix: "fanout-")
        print("devices connected: \(connections.count); dashboard clients: \(self.clients)")
        try await Task.sleep(for: .seconds(2))

        latencies.measuring.store(true, ordering: .relaxed)
        let started = ContinuousClock.now
        // Each device sends once a second, spread evenly over the second.
        let spacing = Duration.seconds(1) / self.devices
        var tick = ContinuousClock.now
        for second in 0..<self.seconds {
            for connection in connections {
                tick += spacing
                try await Task.sleep(until: tick)
                let field = Field(tag: 1, value: .u64(Self.nowMicroseconds()))
                try await connection.send(
                    .telemetry(Telemetry(timestampMs: 0, fields: [field])), seq: UInt16(truncatingIfNeeded: second))
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        latencies.measuring.store(false, ordering: .relaxed)
        let elapsed = ContinuousClock.now - started
        for reader in readers { reader.cancel() }
        for connection in connections { await connection.close() }

        let samples = latencies.samples.withLock { $0 }.sorted()
        guard !samples.isEmpty else {
            print("no messages reached the dashboard clients")
            return
        }
        func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
        let expected = self.devices * self.seconds * self.clients
        let seconds = elapsed.inSeconds
        print(
            String(
                format: "telemetry → WebSocket latency over %d messages: p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
                    + "fan-out %.0f msgs/s delivered (%d of %d expected)",
                samples.count, percentile(0.5), percentile(0.99), samples.last!, Double(samples.count) / seconds,
                samples.count, expected
            )
        )
    }

    /// The send time a benchmark device put in field "1" of a telemetry message.
    static func sentMicroseconds(in text: String) -> UInt64? {
        guard text.hasPrefix(#"{"type":"telemetry""#), let range = text.range(of: #""fields":{"1":"#) else {
            return nil
        }
        let digits = text[range.upperBound...].prefix { $0.isNumber }
        return UInt64(digits)
    }
}
