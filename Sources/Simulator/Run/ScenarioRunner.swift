import DFP
public import NIOCore
public import NIOPosix

/// Plays a scenario's fleets against a gateway over real TCP, each device a connection on one of a few
/// event loops, bounded in time by `duration`.
public struct ScenarioRunner: Sendable {
    public var scenario: Scenario
    public var host: String
    public var port: Int
    public var duration: Duration
    public let statistics = RunStatistics()

    public init(scenario: Scenario, host: String, port: Int, duration: Duration? = nil) {
        self.scenario = scenario
        self.host = host
        self.port = port
        self.duration = duration ?? scenario.duration
    }

    /// Runs until `duration` has passed (or the task is cancelled) and returns the final figures.
    public func run(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async -> RunReport {
        let start = ContinuousClock.now
        let deadline = start + self.duration
        let connector = FleetConnector(
            group: group, host: self.host, port: self.port, statistics: self.statistics, start: start,
            deadline: deadline)
        await withTaskGroup(of: Void.self) { fleets in
            for fleet in self.scenario.fleets {
                fleets.addTask {
                    // At the fleet's ramp rate, stopping at the deadline.
                    for index in 0..<fleet.count {
                        if fleet.rampPerSecond > 0 {
                            try? await Task.sleep(until: start + .seconds(Double(index) / fleet.rampPerSecond))
                        }
                        guard ContinuousClock.now < deadline, !Task.isCancelled else { return }
                        await connector.connect(fleet, index: index)
                    }
                }
            }
        }
        try? await Task.sleep(until: deadline)
        let connectedAtEnd = self.statistics.connected.load(ordering: .relaxed)
        // Every device disconnects, handing over its last latencies as it goes.
        self.statistics.ending.store(true, ordering: .relaxed)
        await connector.closeAll()
        var report = self.statistics.snapshot(
            scenario: self.scenario.name, devices: self.scenario.deviceCount, elapsed: ContinuousClock.now - start)
        report.connected = connectedAtEnd
        return report
    }
}
