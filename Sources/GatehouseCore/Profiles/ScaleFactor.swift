/// A profile's scale, applied so that decimal scales give the decimals people expect.
///
/// 215 × 0.1 is 21.500000000000004 in binary floating point, but 215 ÷ 10 is exactly 21.5. So when 1/scale is an
/// integer (0.1, 0.01, 1e-7, ...) the conversion divides or multiplies by that integer instead.
struct ScaleFactor {
    private static let integerTolerance = 1e-9

    private let factor: Double
    /// 1/factor, when that is an integer.
    private let divisor: Double?

    init(_ factor: Double) {
        self.factor = factor
        let inverse = 1 / factor
        let nearestInteger = inverse.rounded()
        let isInteger = nearestInteger != 0 && abs(inverse - nearestInteger) <= Self.integerTolerance
        divisor = isInteger ? nearestInteger : nil
    }

    /// The engineering value of a raw wire number (215 → 21.5 for scale 0.1).
    func engineeringValue(ofRaw raw: Double) -> Double {
        divisor.map { raw / $0 } ?? raw * factor
    }

    /// The raw wire number for an engineering value (22.5 → 225 for scale 0.1), not yet rounded.
    func rawValue(ofEngineering value: Double) -> Double {
        divisor.map { value * $0 } ?? value / factor
    }
}
