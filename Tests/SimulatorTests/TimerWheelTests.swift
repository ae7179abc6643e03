import NIOCore
import Testing

@testable import Simulator

@Suite("timer wheel")
struct TimerWheelTests {
    /// A device stand-in that notes when each of its timers fired, in ticks.
    final class Device {
        let name: String
        init(_ name: String) { self.name = name }
    }

    /// A wheel of `slots` 10 ms slots, its firings logged as "name@tick".
    final class Harness {
        let origin = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var fired: [String] = []
        var wheel: TimerWheel<Device, Int>!
        var tick = 0

        init(slots: Int, onFire: ((Harness, Device, Int) -> Void)? = nil) {
            self.wheel = TimerWheel(tick: .milliseconds(10), slotCount: slots, origin: self.origin) {
                [unowned self] device, timer in
                self.fired.append("\(device.name)\(timer)@\(self.tick)")
                onFire?(self, device, timer)
            }
        }

        /// Advances the wheel one tick at a time up to `tick`.
        func run(to tick: Int) {
            while self.tick < tick {
                self.tick += 1
                self.wheel.advance(to: self.origin + .milliseconds(Int64(self.tick) * 10))
            }
        }
    }

    @Test func aTimerFiresAtItsDelayRoundedUpToWholeTicks() {
        let harness = Harness(slots: 8)
        harness.wheel.schedule(1, for: Device("a"), after: .milliseconds(30))
        harness.wheel.schedule(2, for: Device("b"), after: .milliseconds(31))
        harness.wheel.schedule(3, for: Device("c"), after: .zero)
        harness.run(to: 10)
        #expect(harness.fired == ["c3@1", "a1@3", "b2@4"])
    }

    @Test func delaysLongerThanATurnWaitTheirRounds() {
        let harness = Harness(slots: 8)
        harness.wheel.schedule(1, for: Device("a"), after: .milliseconds(80))  // exactly one turn
        harness.wheel.schedule(2, for: Device("b"), after: .milliseconds(90))  // one turn and a tick
        harness.wheel.schedule(3, for: Device("c"), after: .milliseconds(250))  // three turns and a tick
        harness.run(to: 30)
        #expect(harness.fired == ["a1@8", "b2@9", "c3@25"])
    }

    @Test func aTimerSetWhileFiringLandsOnALaterTickEvenAFullTurnAway() {
        let harness = Harness(slots: 4) { harness, device, timer in
            if timer < 3 { harness.wheel.schedule(timer + 1, for: device, after: .milliseconds(40)) }
        }
        harness.wheel.schedule(1, for: Device("a"), after: .milliseconds(10))
        harness.run(to: 20)
        #expect(harness.fired == ["a1@1", "a2@5", "a3@9"])
    }

    @Test func aLateLoopCatchesUpOnEveryMissedTick() {
        let harness = Harness(slots: 8)
        harness.wheel.schedule(1, for: Device("a"), after: .milliseconds(20))
        harness.wheel.schedule(2, for: Device("b"), after: .milliseconds(50))
        harness.wheel.schedule(3, for: Device("c"), after: .milliseconds(70))
        harness.tick = 6
        harness.wheel.advance(to: harness.origin + .milliseconds(60))
        #expect(harness.fired == ["a1@6", "b2@6"])
        harness.run(to: 7)
        #expect(harness.fired.last == "c3@7")
    }
}
