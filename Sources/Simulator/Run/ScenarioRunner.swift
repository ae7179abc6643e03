import DFP
import NIOConcurrencyHelpers
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
        let channels = ChannelList()
        await withTaskGroup(of: Void.self) { fleets in
            for fleet in self.scenario.fleets {
                fleets.addTask {
                    await self.bringUp(fleet, group: group, start: start, deadline: deadline, channels: channels)
                }
            }
        }
        try? await Task.sleep(until: deadline)
        // The run's end: every device disconnects, and hands over its last latencies as it goes.
        self.statistics.ending.store(true, ordering: .relaxed)
        for channel in channels.all {
            try? await channel.close()
        }
        return self.statistics.snapshot(
            scenario: self.scenario.name, devices: self.scenario.deviceCount, elapsed: ContinuousClock.now - start)
    }

    /// Connects the fleet's devices at its ramp rate, stopping at the deadline.
    private func bringUp(
        _ fleet: Fleet,
        group: any EventLoopGroup,
        start: ContinuousClock.Instant,
        deadline: ContinuousClock.Instant,
        channels: ChannelList
    ) async {
        let loopback = self.host.hasPrefix("127.")
        for index in 0..<fleet.count {
            if fleet.rampPerSecond > 0 {
                try? await Task.sleep(until: start + .seconds(Double(index) / fleet.rampPerSecond))
            }
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return }
            let deviceID = fleet.deviceID(index)
            let statistics = self.statistics
            var bootstrap = ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(FrameDecoder()),
                            ScenarioDeviceHandler(
                                deviceID: deviceID, fleet: fleet, statistics: statistics, runStart: start)
                        )
                    }
                }
            if loopback, let source = try? SocketAddress(ipAddress: "127.0.0.\(2 + index / 20_000)", port: 0) {
                // Source addresses spread over 127.0.0.x, so one address never runs out of ports.
                bootstrap = bootstrap.bind(to: source)
            }
            do {
                channels.append(try await bootstrap.connect(host: self.host, port: self.port).get())
            } catch {
                statistics.recordConnectFailure()
            }
        }
    }
}

/// The connections of a run, to close at its end.
final class ChannelList: Sendable {
    private let channels = NIOLockedValueBox<[any Channel]>([])
    func append(_ channel: any Channel) { self.channels.withLockedValue { $0.append(channel) } }
    var all: [any Channel] { self.channels.withLockedValue { $0 } }
}
