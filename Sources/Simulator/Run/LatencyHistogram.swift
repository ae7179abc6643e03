import Foundation

/// ACK latencies in log-spaced buckets (5 % wide, from 10 µs up), so a run of any length and any number
/// of devices costs the same small memory and percentiles stay within 5 %.
public struct LatencyHistogram: Sendable, Codable, Equatable {
    private static let smallestNanoseconds = 10_000.0
    private static let growth = 1.05
    private static let bucketCount = 400
    private var buckets = [UInt64](repeating: 0, count: LatencyHistogram.bucketCount)
    public private(set) var count: UInt64 = 0
    public private(set) var maximumNanoseconds: UInt64 = 0

    public init() {}

    mutating func record(nanoseconds: UInt64) {
        let ratio = max(1, Double(nanoseconds) / Self.smallestNanoseconds)
        let index = min(Self.bucketCount - 1, Int(log(ratio) / log(Self.growth)))
        self.buckets[index] += 1
        self.count += 1
        self.maximumNanoseconds = max(self.maximumNanoseconds, nanoseconds)
    }

    public mutating func merge(_ other: LatencyHistogram) {
        for index in self.buckets.indices {
            self.buckets[index] += other.buckets[index]
        }
        self.count += other.count
        self.maximumNanoseconds = max(self.maximumNanoseconds, other.maximumNanoseconds)
    }

    /// The latency below which `quantile` of the samples lie, in milliseconds (a bucket's upper edge).
    public func milliseconds(atQuantile quantile: Double) -> Double? {
        guard self.count > 0 else { return nil }
        let target = UInt64((Double(self.count) * quantile).rounded(.up))
        var seen: UInt64 = 0
        for (index, bucket) in self.buckets.enumerated() {
            seen += bucket
            if seen >= max(1, target) {
                let upper = Self.smallestNanoseconds * pow(Self.growth, Double(index + 1))
                return min(upper, Double(self.maximumNanoseconds)) / 1e6
            }
        }
        return Double(self.maximumNanoseconds) / 1e6
    }
}
