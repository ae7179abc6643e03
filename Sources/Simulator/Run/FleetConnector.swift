import DFP
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Opens the connections of a run, first ones and reconnects alike, and keeps them to close at the end.
final class FleetConnector: Sendable {
    private let group: any EventLoopGroup
    private let targets: [GatewayAddress]
    private let tokens: [String: String]
    /// Failed connections per device, which move it along the target list.
    private let failures = NIOLockedValueBox<[String: Int]>([:])
    private let statistics: RunStatistics
    private let start: ContinuousClock.Instant
    private let deadline: ContinuousClock.Instant
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    private let ending = NIOLockedValueBox(false)

    init(
        group: any EventLoopGroup, targets: [GatewayAddress], tokens: [String: String], statistics: RunStatistics,
        start: ContinuousClock.Instant, deadline: ContinuousClock.Instant
    ) {
        self.group = group
        self.targets = targets
        self.tokens = tokens
        self.statistics = statistics
        self.start = start
        self.deadline = deadline
    }

    /// Connects the fleet's `index`th device; a refused connection is counted and retried like a drop.
    func connect(_ fleet: Fleet, index: Int) async {
        await self.open(fleet, deviceID: fleet.deviceID(index), role: .device(index: index), sourceIndex: index)
    }

    /// A device's second login with its own ID: the gateway hands it the session.
    func connectTwin(_ fleet: Fleet, deviceID: String) {
        Task { await self.open(fleet, deviceID: deviceID, role: .twin, sourceIndex: 0) }
    }

    /// Brings a dropped device back after a back-off drawn from `after` (seconds), unless the run ends.
    func reconnect(_ fleet: Fleet, index: Int, after: ClosedRange<Double>) {
        guard !self.ending.withLockedValue({ $0 }) else { return }
        Task {
            try? await Task.sleep(for: .milliseconds(Int64(Double.random(in: after) * 1000)))
            guard ContinuousClock.now < self.deadline, !self.ending.withLockedValue({ $0 }) else { return }
            await self.connect(fleet, index: index)
        }
    }

    private func open(_ fleet: Fleet, deviceID: String, role: ScenarioDeviceHandler.Role, sourceIndex: Int) async {
        let statistics = self.statistics
        let start = self.start
        let token = self.tokens[deviceID] ?? fleet.token
        var bootstrap = ClientBootstrap(group: self.group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(FrameDecoder()),
                        ScenarioDeviceHandler(
                            deviceID: deviceID, token: token, fleet: fleet, role: role, statistics: statistics,
                            connector: self,
                            runStart: start)
                    )
                }
            }
        let failures = self.failures.withLockedValue { $0[deviceID] ?? 0 }
        let target = self.targets[(sourceIndex + failures) % self.targets.count]
        if target.host.hasPrefix("127."),
            let source = try? SocketAddress(ipAddress: "127.0.0.\(2 + sourceIndex / 20_000)", port: 0)
        {
            // Source addresses spread over 127.0.0.x, so one address never runs out of ports.
            bootstrap = bootstrap.bind(to: source)
        }
        do {
            let channel = try await bootstrap.connect(host: target.host, port: target.port).get()
            let key = ObjectIdentifier(channel)
            self.channels.withLockedValue { $0[key] = channel }
            channel.closeFuture.whenComplete { _ in self.channels.withLockedValue { _ = $0.removeValue(forKey: key) } }
        } catch {
            statistics.recordConnectFailure()
            self.failures.withLockedValue { $0[deviceID, default: 0] += 1 }
            if case .device(let index) = role {
                self.reconnect(fleet, index: index, after: fleet.faults.reconnectAfter)
            }
        }
    }

    /// The run's end: no more reconnects, and every connection closes.
    func closeAll() async {
        self.ending.withLockedValue { $0 = true }
        for channel in self.channels.withLockedValue({ Array($0.values) }) {
            try? await channel.close()
        }
    }
}
