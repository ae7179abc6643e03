import DFP
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

/// Opens the connections of a run, first ones and reconnects alike, and keeps them to close at the end.
final class FleetConnector: Sendable {
    private let group: any EventLoopGroup
    private let targets: [GatewayAddress]
    /// The targets' addresses, looked up once: a lookup per connection costs a thread hop and timers.
    /// `nil` where the lookup failed, so that each connect reports the failure.
    private let resolvedTargets: [SocketAddress?]
    private let tokens: [String: String]
    /// Failed connections per device, which move it along the target list.
    private let failures = NIOLockedValueBox<[String: Int]>([:])
    private let statistics: RunStatistics
    private let start: ContinuousClock.Instant
    private let deadline: ContinuousClock.Instant
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    private let ending = NIOLockedValueBox(false)
    private let attempts = Atomic<Int>(0)
    /// One timer wheel per event loop for the devices it serves, made on the loop's first connection.
    private let wheels = NIOLockedValueBox<[ObjectIdentifier: LoopWheel]>([:])

    private struct LoopWheel: Sendable {
        let wheel: NIOLoopBound<ScenarioDeviceHandler.Wheel>
        let ticking: RepeatedTask
    }

    /// Fine enough for telemetry intervals and heartbeats, coarse enough that a tick serves many devices.
    static let wheelTick = TimeAmount.milliseconds(10)
    /// Ten seconds a turn: most timers fire within their first turn.
    static let wheelSlots = 1024

    /// Connections being opened right now.
    var attemptsInProgress: Int { self.attempts.load(ordering: .relaxed) }

    init(
        group: any EventLoopGroup, targets: [GatewayAddress], tokens: [String: String], statistics: RunStatistics,
        start: ContinuousClock.Instant, deadline: ContinuousClock.Instant
    ) {
        self.group = group
        self.targets = targets
        self.resolvedTargets = targets.map { try? SocketAddress.makeAddressResolvingHost($0.host, port: $0.port) }
        self.tokens = tokens
        self.statistics = statistics
        self.start = start
        self.deadline = deadline
    }

    /// Connects the fleet's `index`th device; a refused connection is counted and retried like a drop.
    func connect(_ fleet: Fleet, index: Int) {
        self.open(fleet, deviceID: fleet.deviceID(index), role: .device(index: index), sourceIndex: index)
    }

    /// A device's second login with its own ID: the gateway hands it the session.
    func connectTwin(_ fleet: Fleet, deviceID: String) {
        self.open(fleet, deviceID: deviceID, role: .twin, sourceIndex: 0)
    }

    /// Brings a dropped device back after a back-off drawn from `after` (seconds), unless the run ends.
    func reconnect(_ fleet: Fleet, index: Int, after: ClosedRange<Double>) {
        guard !self.ending.withLockedValue({ $0 }) else { return }
        self.group.next().scheduleTask(in: .milliseconds(Int64(Double.random(in: after) * 1000))) {
            guard ContinuousClock.now < self.deadline, !self.ending.withLockedValue({ $0 }) else { return }
            self.connect(fleet, index: index)
        }
    }

    private func open(_ fleet: Fleet, deviceID: String, role: ScenarioDeviceHandler.Role, sourceIndex: Int) {
        let statistics = self.statistics
        let start = self.start
        let token = self.tokens[deviceID] ?? fleet.token
        var bootstrap = ClientBootstrap(group: self.group)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(FrameDecoder()),
                        ScenarioDeviceHandler(
                            deviceID: deviceID, token: token, fleet: fleet, role: role, statistics: statistics,
                            connector: self, runStart: start, wheel: self.wheel(on: channel.eventLoop))
                    )
                }
            }
        let failures = self.failures.withLockedValue { $0[deviceID] ?? 0 }
        let targetIndex = (sourceIndex + failures) % self.targets.count
        let target = self.targets[targetIndex]
        if let source = Self.sourceAddress(toward: self.resolvedTargets[targetIndex], sourceIndex: sourceIndex) {
            bootstrap = bootstrap.bind(to: source)
            #if os(Linux)
                // The port is then chosen at connect time for the whole address pair, not reserved at bind
                // time for the source address alone: that reservation searched ever longer as ports filled.
                bootstrap = bootstrap.channelOption(.ipOption(.init(rawValue: IP_BIND_ADDRESS_NO_PORT)), value: 1)
            #endif
        }
        self.attempts.add(1, ordering: .relaxed)
        let connecting =
            if let address = self.resolvedTargets[targetIndex] {
                bootstrap.connect(to: address)
            } else {
                bootstrap.connect(host: target.host, port: target.port)
            }
        connecting.map { channel in
            let key = ObjectIdentifier(channel)
            self.channels.withLockedValue { $0[key] = channel }
            channel.closeFuture.whenComplete { _ in self.channels.withLockedValue { _ = $0.removeValue(forKey: key) } }
        }.recover { _ in
            statistics.recordConnectFailure()
            self.failures.withLockedValue { $0[deviceID, default: 0] += 1 }
            if case .device(let index) = role {
                self.reconnect(fleet, index: index, after: fleet.faults.reconnectAfter)
            }
        }.whenComplete { _ in
            self.attempts.subtract(1, ordering: .relaxed)
        }
    }

    /// The wheel of `loop`, called on it: each loop makes its own the first time, so no two are made.
    private func wheel(on loop: any EventLoop) -> ScenarioDeviceHandler.Wheel {
        let key = ObjectIdentifier(loop)
        if let existing = self.wheels.withLockedValue({ $0[key] }) {
            return existing.wheel.value
        }
        let wheel = ScenarioDeviceHandler.Wheel(tick: Self.wheelTick, slotCount: Self.wheelSlots) { device, timer in
            device.timerFired(timer)
        }
        let bound = NIOLoopBound(wheel, eventLoop: loop)
        let ticking = loop.scheduleRepeatedTask(initialDelay: Self.wheelTick, delay: Self.wheelTick) { _ in
            bound.value.advance(to: .now())
        }
        self.wheels.withLockedValue { $0[key] = LoopWheel(wheel: bound, ticking: ticking) }
        return wheel
    }

    /// Source addresses spread over 127.0.0.2, 127.0.0.3, … for loopback targets, 20,000 devices each,
    /// so that no address runs out of ports.
    private static func sourceAddress(toward target: SocketAddress?, sourceIndex: Int) -> SocketAddress? {
        guard case .v4(let address)? = target, address.host.hasPrefix("127.") else { return nil }
        return try? SocketAddress(ipAddress: "127.0.0.\(2 + sourceIndex / 20_000)", port: 0)
    }

    /// The run's end: no more reconnects, and every connection closes.
    func closeAll() async {
        self.ending.withLockedValue { $0 = true }
        for wheel in self.wheels.withLockedValue({ $0.values }) {
            wheel.ticking.cancel()
        }
        // All at once: one after the other, 100,000 closes took ten seconds.
        let closes = self.channels.withLockedValue { $0.values.map { $0.close() } }
        for close in closes {
            try? await close.get()
        }
    }
}
