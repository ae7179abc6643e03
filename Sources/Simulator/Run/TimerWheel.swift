import NIOCore

/// The timers of every simulated device on one event loop, fired in ticks of one repeated task.
///
/// A NIO scheduled task per device timer keeps a heap of tens of thousands of tasks per loop, and each
/// firing reshuffles it: perf put a fifth of a heartbeating fleet's CPU in that heap. A wheel costs a
/// constant per timer instead, and fires every device due in a tick in one wake-up, at the price of
/// rounding each delay up to the next tick.
final class TimerWheel<Owner: AnyObject, Timer> {
    private struct Entry {
        let owner: Owner
        let timer: Timer
        /// Turns of the wheel still to go before the timer is due.
        var rounds: Int
    }

    let tick: TimeAmount
    private var slots: [[Entry]]
    /// The slot being fired, swapped out so that timers set while firing land in fresh arrays.
    private var firing: [Entry] = []
    /// Ticks fired so far, counted from `origin`.
    private var ticksFired = 0
    private let origin: NIODeadline
    private let fire: (Owner, Timer) -> Void

    /// `fire` is called on the loop for each timer that comes due.
    init(tick: TimeAmount, slotCount: Int, origin: NIODeadline = .now(), fire: @escaping (Owner, Timer) -> Void) {
        precondition(tick.nanoseconds > 0 && slotCount > 0)
        self.tick = tick
        self.slots = Array(repeating: [], count: slotCount)
        self.origin = origin
        self.fire = fire
    }

    /// Sets `timer` of `owner` to fire after `delay`, rounded up to whole ticks (at least one).
    func schedule(_ timer: Timer, for owner: Owner, after delay: TimeAmount) {
        let ticksAhead = max(1, Int((delay.nanoseconds + self.tick.nanoseconds - 1) / self.tick.nanoseconds))
        let due = self.ticksFired + ticksAhead
        self.slots[due % self.slots.count].append(
            Entry(owner: owner, timer: timer, rounds: (ticksAhead - 1) / self.slots.count))
    }

    /// Fires every tick up to `now`, catching up on ticks a busy loop ran late for.
    func advance(to now: NIODeadline) {
        let target = Int((now - self.origin).nanoseconds / self.tick.nanoseconds)
        while self.ticksFired < target {
            self.ticksFired += 1
            let slot = self.ticksFired % self.slots.count
            swap(&self.slots[slot], &self.firing)
            for var entry in self.firing {
                if entry.rounds == 0 {
                    self.fire(entry.owner, entry.timer)
                } else {
                    entry.rounds -= 1
                    self.slots[slot].append(entry)
                }
            }
            self.firing.removeAll(keepingCapacity: true)
        }
    }
}
