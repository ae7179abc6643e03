public import DFP
import Foundation

/// How a simulated field's value moves over time.
public enum ValuePattern: Sendable, Equatable {
    /// Always the same value.
    case constant(Double)
    /// A random walk between the bounds, 5 % of the span per step at most: a sensor's look.
    case randomWalk(ClosedRange<Double>)
    /// A sine wave between the bounds with the given period.
    case sine(ClosedRange<Double>, period: Duration)
    /// start, start + step, ... (wrapping as the field's type does).
    case counter(start: Double, step: Double)
    /// One coordinate of a point going round a circle: a vehicle on a loop.
    case track(center: Double, radius: Double, period: Duration, axis: TrackAxis)

    public enum TrackAxis: String, Sendable {
        case latitude, longitude
    }
}

/// One generated telemetry field of a simulated device.
public struct FieldPattern: Sendable, Equatable {
    public var name: String
    public var tag: UInt8
    public var type: FieldType
    public var pattern: ValuePattern

    public init(name: String, tag: UInt8, type: FieldType, pattern: ValuePattern) {
        self.name = name
        self.tag = tag
        self.type = type
        self.pattern = pattern
    }
}

extension FieldPattern {
    /// A random walk as the command line writes it, `TAG:TYPE:MIN..MAX` (`1:i16:180..260`).
    public init?(argument: String) {
        let parts = argument.split(separator: ":")
        guard parts.count == 3, let tag = UInt8(parts[0]), tag > 0, let type = FieldType(name: String(parts[1])),
            type.isNumeric || type == .bool
        else { return nil }
        let bounds = parts[2].split(separator: ".", omittingEmptySubsequences: true)
        guard parts[2].contains(".."), bounds.count == 2, let low = Double(bounds[0]), let high = Double(bounds[1]),
            low <= high
        else { return nil }
        self.init(name: String(tag), tag: tag, type: type, pattern: .randomWalk(low...high))
    }
}

/// The running state of one device's fields: each device walks on its own.
struct FieldState {
    private var patterns: [FieldPattern]
    private var current: [Double]
    private var step = 0
    private var random = SplitMix64()

    init(_ patterns: [FieldPattern]) {
        self.patterns = patterns
        var random = SplitMix64()
        self.current = patterns.map { pattern in
            switch pattern.pattern {
            case .constant(let value): value
            case .randomWalk(let range): Double.random(in: range, using: &random)
            case .counter(let start, _): start
            case .sine, .track: 0
            }
        }
    }

    /// The fields of the next TELEMETRY frame, at `elapsed` since the run started.
    mutating func next(elapsed: Duration) -> [Field] {
        let seconds = elapsed.inSeconds
        var fields: [Field] = []
        fields.reserveCapacity(self.patterns.count)
        for index in self.patterns.indices {
            let pattern = self.patterns[index]
            let value: Double
            switch pattern.pattern {
            case .constant(let constant):
                value = constant
            case .randomWalk(let range):
                let span = range.upperBound - range.lowerBound
                value = min(
                    max(
                        self.current[index] + Double.random(in: -0.05...0.05, using: &self.random) * span,
                        range.lowerBound),
                    range.upperBound)
            case .sine(let range, let period):
                let middle = (range.lowerBound + range.upperBound) / 2
                let amplitude = (range.upperBound - range.lowerBound) / 2
                value = middle + amplitude * sin(2 * .pi * seconds / Self.seconds(period))
            case .counter(let start, let step):
                value = start + step * Double(self.step)
            case .track(let center, let radius, let period, let axis):
                let angle = 2 * .pi * seconds / Self.seconds(period)
                value = center + radius * (axis == .latitude ? sin(angle) : cos(angle))
            }
            self.current[index] = value
            fields.append(Field(tag: pattern.tag, value: Self.fieldValue(value, as: pattern.type)))
        }
        self.step += 1
        return fields
    }

    private static func seconds(_ duration: Duration) -> Double {
        max(0.001, duration.inSeconds)
    }

    private static func fieldValue(_ value: Double, as type: FieldType) -> FieldValue {
        if type == .str { return .string(String(value)) }
        if let exact = FieldValue(value, as: type) { return exact }
        // A counter past an integer type's range wraps rather than stopping the device.
        return FieldValue(value.truncatingRemainder(dividingBy: Self.range(of: type)), as: type) ?? .f64(value)
    }

    private static func range(of type: FieldType) -> Double {
        switch type {
        case .i8, .u8: 256
        case .i16, .u16: 65_536
        case .i32, .u32: 4_294_967_296
        default: 9_007_199_254_740_992
        }
    }
}
