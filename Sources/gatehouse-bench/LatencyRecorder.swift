import Synchronization

/// Collects latency samples (nanoseconds) from many threads, in batches, and reports percentiles.
final class LatencyRecorder: Sendable {
    private let samples = Mutex<[UInt64]>([])

    func record(_ batch: [UInt64]) {
        guard !batch.isEmpty else { return }
        self.samples.withLock { $0.append(contentsOf: batch) }
    }

    /// "p50 1.23 ms, p99 4.56 ms, max 7.89 ms (N samples)"
    func summary() -> String {
        let sorted = self.samples.withLock { $0 }.sorted()
        guard !sorted.isEmpty else { return "no samples" }
        func milliseconds(_ quantile: Double) -> String {
            let index = min(sorted.count - 1, Int(Double(sorted.count) * quantile))
            return String(format: "%.2f ms", Double(sorted[index]) / 1e6)
        }
        return "p50 \(milliseconds(0.5)), p99 \(milliseconds(0.99)), max \(milliseconds(1.0)) (\(sorted.count) samples)"
    }
}
