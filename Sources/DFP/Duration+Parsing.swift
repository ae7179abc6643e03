import Foundation

// Not about frames, but shared by everything built on the codec: the gateway's settings and the
// simulator's scenario files write durations the same way.
extension Duration {
    /// Parses a duration as written in flags, config files and scenarios: plain seconds (`10`, `1.5`) or a number
    /// with a unit (`500ms`, `10s`, `5m`, `1h`, `7d`).
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // Longest suffix first: "500ms" also ends in "s".
        let units: [(suffix: String, nanosPerUnit: Double)] = [
            ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86400e9),
        ]
        let unit = units.first { trimmed.hasSuffix($0.suffix) }
        let number = unit.map { String(trimmed.dropLast($0.suffix.count)) } ?? trimmed
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        self = .nanoseconds(Int64((value * (unit?.nanosPerUnit ?? 1e9)).rounded()))
    }

    /// Whole seconds, rounded up, so a sub-second setting never becomes 0.
    public var wholeSecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = self.components
        return attoseconds > 0 ? seconds + 1 : seconds
    }
}
