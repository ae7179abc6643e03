import DFP
public import NIOCore
public import NIOPosix

/// Plays a scenario's fleets against a gateway over real TCP, each device a connection on one of a few
/// event loops, bounded in time by `duration`.
public struct ScenarioRunner: Sendable {
    public var scenario: Scenario
    /// The gateways devices connect to; with several, each device starts at its own and moves to the
    /// next one after a failed connection, as firmware with a server list does.
    public var targets: [GatewayAddress]
    public var duration: Duration
    /// Tokens by device ID (from `Provisioner`), in place of the fleets' own.
    public var tokens: [String: String] = [:]
    /// The share of the devices this process plays when several worker processes play one scenario:
    /// the devices whose index across all fleets is `index` modulo `count`.
    public var slice: (index: Int, count: Int) = (0, 1)
    /// Ends the run before `duration` once the figures so far satisfy it (checked ten times a second):
    /// for checks that need the fleet up and reporting, however long that takes on a busy machine.
    public var stopWhen: (@Sendable (RunReport) -> Bool)?
    public let statistics = RunStatistics()

    public init(scenario: Scenario, host: String, port: Int, duration: Duration? = nil) {
        self.init(scenario: scenario, targets: [GatewayAddress(host: host, port: port)], duration: duration)
    }

    public init(scenario: Scenario, targets: [GatewayAddress], duration: Duration? = nil) {
        precondition(!targets.isEmpty, "a run needs a gateway to connect to")
        self.scenario = scenario
        self.targets = targets
        self.duration = duration ?? scenario.duration
    }

    /// Connections a fleet opens at once.
    static let connectsInFlight = 256
    /// How often a ramp wakes up to start the devices now due.
    static let rampTick = Duration.milliseconds(10)

    /// Runs until `duration` has passed (or the task is cancelled) and returns the final figures.
    public func run(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async -> RunReport {
        let start = ContinuousClock.now
        let deadline = start + self.duration
        let connector = FleetConnector(
            group: group, targets: self.targets, tokens: self.tokens, statistics: self.statistics, start: start,
            deadline: deadline)
        let slice = self.slice
        await withTaskGroup(of: Void.self) { fleets in
            var offset = 0
            for fleet in self.scenario.fleets {
                let fleetOffset = offset
                offset += fleet.count
                fleets.addTask {
                    // At the fleet's ramp rate, stopping at the deadline. Connects overlap, so that the time
                    // one takes does not slow the ramp, up to a bound that keeps a burst's handshakes in
                    // the gateway's backlog.
                    for index in 0..<fleet.count where (fleetOffset + index) % slice.count == slice.index {
                        if fleet.rampPerSecond > 0 {
                            let due = start + .seconds(Double(index) / fleet.rampPerSecond)
                            if due > ContinuousClock.now {
                                // A tick late, so that one wake-up starts every device due within it.
                                try? await Task.sleep(until: due + Self.rampTick)
                            }
                        }
                        while connector.attemptsInProgress >= Self.connectsInFlight, !Task.isCancelled {
                            try? await Task.sleep(for: .milliseconds(1))
                        }
                        guard ContinuousClock.now < deadline, !Task.isCancelled else { break }
                        connector.connect(fleet, index: index)
                    }
                }
            }
        }
        await self.waitForTheEnd(deadline: deadline, start: start)
        let connectedAtEnd = self.statistics.connected.load(ordering: .relaxed)
        // Closing connections from here on are the run's end, not disconnects.
        self.statistics.ending.store(true, ordering: .relaxed)
        await connector.closeAll()
        var report = self.statistics.snapshot(
            scenario: self.scenario.name, devices: self.scenario.deviceCount, elapsed: ContinuousClock.now - start)
        report.connected = connectedAtEnd
        return report
    }

    private func waitForTheEnd(deadline: ContinuousClock.Instant, start: ContinuousClock.Instant) async {
        guard let stopWhen = self.stopWhen else {
            try? await Task.sleep(until: deadline)
            return
        }
        while ContinuousClock.now < deadline, !Task.isCancelled {
            let report = self.statistics.snapshot(
                scenario: self.scenario.name, devices: self.scenario.deviceCount, elapsed: ContinuousClock.now - start)
            if stopWhen(report) { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
