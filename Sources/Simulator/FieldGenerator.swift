public import DFP

/// Produces a field's successive values: a random walk between bounds, so charts look like a sensor.
///
/// Written `TAG:TYPE:MIN..MAX` on the command line (`1:i16:180..260`).
public struct FieldGenerator: Sendable {
    public var tag: UInt8
    public var type: FieldType
    public var range: ClosedRange<Double>
    private var current: Double

    public init(tag: UInt8, type: FieldType, range: ClosedRange<Double>) {
        self.tag = tag
        self.type = type
        self.range = range
        self.current = (range.lowerBound + range.upperBound) / 2
    }

    public init?(argument: String) {
        let parts = argument.split(separator: ":")
        guard parts.count == 3, let tag = UInt8(parts[0]), tag > 0, let type = FieldType(name: String(parts[1])),
            type.isNumeric || type == .bool
        else { return nil }
        let bounds = parts[2].split(separator: ".", omittingEmptySubsequences: true)
        guard parts[2].contains(".."), bounds.count == 2, let low = Double(bounds[0]), let high = Double(bounds[1]),
            low <= high
        else { return nil }
        self.init(tag: tag, type: type, range: low...high)
    }

    public mutating func next() -> Field {
        let span = self.range.upperBound - self.range.lowerBound
        let step = Double.random(in: -0.05...0.05) * span
        self.current = min(max(self.current + step, self.range.lowerBound), self.range.upperBound)
        let value = FieldValue(self.current, as: self.type) ?? .f64(self.current)
        return Field(tag: self.tag, value: value)
    }
}
