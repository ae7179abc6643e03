import NIOConcurrencyHelpers
import Synchronization

/// What every simulated device of a run adds to as it goes; read once a second for the live display.
public final class RunStatistics: Sendable {
    let connected = Atomic<Int>(0)
    let peakConnected = Atomic<Int>(0)
    let framesSent = Atomic<Int>(0)
    let acks = Atomic<Int>(0)
    let commandsAnswered = Atomic<Int>(0)
    let disconnects = Atomic<Int>(0)
    let connectFailures = Atomic<Int>(0)
    /// Set when the run ends and closes its connections, which then are no disconnects.
    let ending = Atomic<Bool>(false)
    private let errors = Mutex<[UInt16: Int]>([:])
    /// Errors and disconnects by fleet, so a run shows whether well-behaved fleets were disturbed.
    private let fleetTroubles = Mutex<[String: RunReport.FleetTrouble]>([:])
    /// ACK latencies in several histograms, so that devices on different event loops seldom wait for
    /// the same lock; devices pick one at random.
    private let latencyShards = (0..<RunStatistics.latencyShardCount).map { _ in
        NIOLockedValueBox(LatencyHistogram())
    }
    static let latencyShardCount = 16

    public init() {}

    func deviceConnected() {
        let now = self.connected.add(1, ordering: .relaxed).newValue
        var peak = self.peakConnected.load(ordering: .relaxed)
        while now > peak {
            let (exchanged, original) = self.peakConnected.compareExchange(
                expected: peak, desired: now, ordering: .relaxed)
            if exchanged { break }
            peak = original
        }
    }

    func deviceDisconnected(fleet: String) {
        self.connected.subtract(1, ordering: .relaxed)
        guard !self.ending.load(ordering: .relaxed) else { return }
        self.disconnects.add(1, ordering: .relaxed)
        self.fleetTroubles.withLock { $0[fleet, default: .init()].disconnects += 1 }
    }

    func recordConnectFailure() {
        self.connectFailures.add(1, ordering: .relaxed)
    }

    func recordError(code: UInt16, fleet: String) {
        self.errors.withLock { $0[code, default: 0] += 1 }
        self.fleetTroubles.withLock { $0[fleet, default: .init()].errors[RunReport.errorName(code), default: 0] += 1 }
    }

    func recordLatency(nanoseconds: UInt64, shard: Int) {
        self.latencyShards[shard].withLockedValue { $0.record(nanoseconds: nanoseconds) }
    }

    /// Every ACK latency so far, for a parent process to merge with other workers'.
    public var latencyHistogram: LatencyHistogram {
        var merged = LatencyHistogram()
        for shard in self.latencyShards {
            shard.withLockedValue { merged.merge($0) }
        }
        return merged
    }

    /// The figures so far.
    public func snapshot(scenario: String, devices: Int, elapsed: Duration) -> RunReport {
        let latency = self.latencyHistogram
        let errors = self.errors.withLock { $0 }
        let troubles = self.fleetTroubles.withLock { $0 }
        return RunReport(
            scenario: scenario,
            devices: devices,
            connected: self.connected.load(ordering: .relaxed),
            peakConnected: self.peakConnected.load(ordering: .relaxed),
            framesSent: self.framesSent.load(ordering: .relaxed),
            acks: self.acks.load(ordering: .relaxed),
            errors: Dictionary(uniqueKeysWithValues: errors.map { (RunReport.errorName($0.key), $0.value) }),
            ackLatencyMs: .init(latency),
            commandsAnswered: self.commandsAnswered.load(ordering: .relaxed),
            disconnects: self.disconnects.load(ordering: .relaxed),
            connectFailures: self.connectFailures.load(ordering: .relaxed),
            fleets: troubles,
            elapsedSeconds: elapsed.inSeconds
        )
    }
}
