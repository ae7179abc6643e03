import DFP
import Testing

@testable import Simulator

@Suite("Field generators")
struct ValuePatternTests {
    static func values(_ pattern: ValuePattern, type: FieldType = .f64, steps: Int, every: Duration = .seconds(1))
        -> [FieldValue]
    {
        var state = FieldState([FieldPattern(name: "x", tag: 1, type: type, pattern: pattern)])
        return (0..<steps).map { step in state.next(elapsed: every * step)[0].value }
    }

    static func numbers(_ values: [FieldValue]) -> [Double] {
        values.map { value in
            switch value {
            case .f64(let number): number
            case .u8(let number): Double(number)
            case .u32(let number): Double(number)
            case .i32(let number): Double(number)
            default: .nan
            }
        }
    }

    @Test func aConstantStays() {
        #expect(Self.values(.constant(21.5), steps: 3) == [.f64(21.5), .f64(21.5), .f64(21.5)])
        #expect(Self.values(.constant(1), type: .bool, steps: 1) == [.bool(true)])
    }

    @Test func aRandomWalkStaysWithinItsBoundsAndMovesInSmallSteps() {
        let walk = Self.numbers(Self.values(.randomWalk(100...200), steps: 1000))
        #expect(walk.allSatisfy { (100...200).contains($0) })
        #expect(zip(walk, walk.dropFirst()).allSatisfy { abs($0 - $1) <= 5.0001 })
        #expect(Set(walk).count > 100)
    }

    @Test func aSineSwingsBetweenItsBoundsOverItsPeriod() {
        let sine = Self.numbers(Self.values(.sine(10...30, period: .seconds(4)), steps: 5))
        #expect(sine.map { ($0 * 1000).rounded() / 1000 } == [20, 30, 20, 10, 20])
    }

    @Test func aCounterCountsAndWrapsAtItsTypesRange() {
        #expect(Self.numbers(Self.values(.counter(start: 5, step: 2), type: .u32, steps: 3)) == [5, 7, 9])
        #expect(Self.numbers(Self.values(.counter(start: 254, step: 1), type: .u8, steps: 3)) == [254, 255, 0])
    }

    @Test func aTrackGoesRoundItsCircle() {
        let period = Duration.seconds(8)
        let latitude = Self.numbers(
            Self.values(
                .track(center: 1000, radius: 100, period: period, axis: .latitude), type: .i32, steps: 5,
                every: .seconds(2)))
        let longitude = Self.numbers(
            Self.values(
                .track(center: 1000, radius: 100, period: period, axis: .longitude), type: .i32, steps: 5,
                every: .seconds(2)))
        #expect(latitude == [1000, 1100, 1000, 900, 1000])
        #expect(longitude == [1100, 1000, 900, 1000, 1100])
    }
}
