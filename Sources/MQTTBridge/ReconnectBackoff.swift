/// How long to wait before the next attempt to reach the broker: exponential, capped, and jittered, so
/// that the nodes of a deployment do not all come back at the same instant after a broker restart.
struct ReconnectBackoff: Sendable {
    var initial: Duration = .milliseconds(500)
    var maximum: Duration = .seconds(30)
    private(set) var failures = 0

    /// The delay before the next attempt; each call counts one more failure.
    mutating func nextDelay<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Duration {
        let exponent = min(self.failures, 16)
        self.failures += 1
        let ceiling = min(self.initial * (1 << exponent), self.maximum)
        // "Equal jitter": at least half the ceiling, so attempts still back off, plus a random half.
        return ceiling / 2 + ceiling / 2 * Double.random(in: 0...1, using: &generator)
    }

    mutating func nextDelay() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return self.nextDelay(using: &generator)
    }

    mutating func reset() {
        self.failures = 0
    }
}
