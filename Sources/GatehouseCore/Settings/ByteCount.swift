import Foundation

/// Parses a size as written in flags and config files: plain bytes (`262144`) or with a binary unit
/// (`256KiB`, `1MiB`; `K`/`M` mean the same).
public enum ByteCount {
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(suffix: String, multiplier: Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30),
        ]
        let unit = units.first { trimmed.hasSuffix($0.suffix) }
        let number = unit.map { String(trimmed.dropLast($0.suffix.count)) } ?? trimmed
        guard let value = Int(number.trimmingCharacters(in: .whitespaces)), value >= 0 else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: unit?.multiplier ?? 1)
        return overflow ? nil : bytes
    }
}
