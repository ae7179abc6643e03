public import DFP
public import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The core of a gateway node: who may connect, which sessions are live, and where events go.
///
/// The device server drives it: it asks `admit` whether a HELLO may open a session, then `open`s and
/// `close`s sessions; the gateway keeps the session table and the event stream consistent, including
/// takeovers, which never show the device offline.
public final class Gateway: Sendable {
    public let settings: GatewaySettings
    public let registry: DeviceRegistry
    public let profiles: ProfileCatalog
    public let sessions: SessionTable
    public let events: EventHub
    public let commands: CommandService
    /// Every command's durable record and lifecycle, on top of `commands`.
    public let commandQueue: CommandQueue
    public let directory: DeviceDirectory
    /// The deployment as the broker shows it; empty without the MQTT bridge.
    public let cluster: ClusterDirectory
    /// Whether this node's dashboards are watching, so the bridge fetches other nodes' telemetry.
    public let peerFeedDemand = PeerFeedDemand()
    /// Commands for devices on other nodes; nil without the MQTT bridge.
    public let remoteCommands: (any RemoteCommandForwarder)?
    public let metrics: GatewayMetrics
    public let clock: WallClock
    public let logger: Logger
    /// For lines a misbehaving peer can cause, so a flood of them cannot flood the log.
    public let peerLogger: RateLimitedLogger
    private let unknownProfilesWarned = Mutex<Set<String>>([])

    public init(
        settings: GatewaySettings,
        registry: DeviceRegistry,
        profiles: ProfileCatalog,
        sinks: [any EventSink] = [],
        metrics: GatewayMetrics = GatewayMetrics(),
        cluster: ClusterDirectory = ClusterDirectory(),
        remoteCommands: (any RemoteCommandForwarder)? = nil,
        logger: Logger
    ) {
        self.settings = settings
        self.registry = registry
        self.profiles = profiles
        self.sessions = SessionTable()
        self.metrics = metrics
        self.commands = CommandService(sessions: self.sessions, metrics: metrics)
        self.directory = DeviceDirectory()
        self.cluster = cluster
        self.remoteCommands = remoteCommands
        // The directory first, so a sink that reads it while handling an event sees that event applied.
        self.events = EventHub(sinks: [self.directory, self.commands] + sinks)
        self.clock = WallClock()
        self.commandQueue = CommandQueue(
            registry: registry, sessions: self.sessions, service: self.commands, events: self.events,
            cluster: cluster, remote: remoteCommands, settings: settings, metrics: metrics, clock: self.clock)
        self.logger = logger
        self.peerLogger = RateLimitedLogger(logger: logger)
    }

    /// Decides whether `hello` may open a session. Returns nil when authentication fails (ERROR 6).
    ///
    /// Blocks on the registry's SQLite database: call it off the event loops.
    public func admit(_ hello: Hello) throws -> Admission? {
        if let record = try self.registry.authenticate(id: hello.deviceID, token: hello.token) {
            return Admission(
                profile: self.resolveProfile(registered: record.profile, announced: hello.profile), registered: true)
        }
        if self.settings.allowUnknownDevices, try self.registry.device(id: hello.deviceID) == nil {
            return Admission(profile: self.resolveProfile(registered: nil, announced: hello.profile), registered: false)
        }
        return nil
    }

    /// The profile given at registration wins over the one the firmware announces; a name with no
    /// profile file means tag numbers are used, with one warning per name.
    private func resolveProfile(registered: String?, announced: String) -> DeviceProfile? {
        let name = registered.flatMap { $0.isEmpty ? nil : $0 } ?? (announced.isEmpty ? nil : announced)
        guard let name else { return nil }
        if let profile = self.profiles.profile(named: name) {
            return profile
        }
        let firstTime = self.unknownProfilesWarned.withLock { $0.insert(name).inserted }
        if firstTime {
            self.logger.warning(
                "unknown device profile: telemetry is keyed by tag numbers",
                metadata: ["profile": "\(name)", "devices_dir": "\(self.settings.devicesDirectory)"]
            )
        }
        return nil
    }

    /// Makes `session` the device's live session and reports it online. A session it replaces is
    /// terminated with ERROR 7 and the device stays online (reason `takeover`).
    public func open(_ session: DeviceSession) {
        let replaced = self.sessions.register(session)
        if let replaced {
            self.metrics.takeovers.increment()
            replaced.connection.terminate(with: .sessionReplaced, reason: .takeover)
            self.logger.info(
                "session taken over",
                metadata: [
                    "device": "\(session.deviceID)", "session": "\(session.sessionID)",
                    "replaced_session": "\(replaced.sessionID)", "remote": "\(session.remoteAddress)",
                ]
            )
        } else {
            self.metrics.sessionsOpen.increment()
            self.logger.info(
                "device online",
                metadata: [
                    "device": "\(session.deviceID)", "session": "\(session.sessionID)",
                    "remote": "\(session.remoteAddress)",
                ]
            )
        }
        let change = StatusChange(
            session: session,
            node: self.settings.nodeID,
            online: true,
            reason: replaced == nil ? .hello : .takeover,
            timestampMs: session.connectedAtMs
        )
        _ = self.events.publish(.status(change), durable: false, on: session.eventLoop)
        self.commandQueue.sessionChanged(of: session.deviceID)
    }

    /// The profile to read a command for `deviceID` with: its session's, or its registration's when it
    /// is not connected. `known` is false for a device neither connected nor registered (then
    /// commands are accepted only with `--allow-unknown-devices`).
    public func commandProfile(of deviceID: String) async -> (known: Bool, profile: DeviceProfile?) {
        if let session = self.sessions.session(for: deviceID) {
            return (true, session.profile)
        }
        let registry = self.registry
        let record = try? await NIOThreadPool.singleton.runIfActive { try registry.device(id: deviceID) }
        // The profile it was last connected with, for a device registered without one (or not at all).
        let lastProfile = self.directory.entry(for: deviceID)?.status.session.profile
        guard let record else { return (self.settings.allowUnknownDevices || lastProfile != nil, lastProfile) }
        return (true, record.profile.flatMap { self.profiles.profile(named: $0) } ?? lastProfile)
    }

    /// The other node that holds the device's session, as the broker last said, while that node is up.
    public func remoteNode(of deviceID: String) -> String? {
        self.cluster.remoteNode(of: deviceID, apartFrom: self.settings.nodeID)
    }

    /// Ends `session` because the device opened a newer one on another node (learned from the broker):
    /// ERROR 7 to the device, and no status change, since the device is online, only elsewhere; the
    /// other node's status stays the newest one.
    public func handOver(_ session: DeviceSession, toNode node: String) {
        guard self.sessions.remove(session) else { return }
        self.metrics.sessionsOpen.decrement()
        self.metrics.takeovers.increment()
        session.connection.terminate(with: .sessionReplaced, reason: .takeover)
        self.logger.info(
            "session taken over by another node",
            metadata: ["device": "\(session.deviceID)", "session": "\(session.sessionID)", "node": "\(node)"]
        )
    }

    /// Ends `session` and reports the device offline with `reason`, unless a newer session has
    /// replaced it (then the device is still online and nothing is reported).
    public func close(_ session: DeviceSession, reason: StatusReason) {
        guard self.sessions.remove(session) else { return }
        self.metrics.sessionsOpen.decrement()
        if reason == .timeout {
            self.metrics.expiries.increment()
        }
        self.logger.info(
            "device offline",
            metadata: [
                "device": "\(session.deviceID)", "session": "\(session.sessionID)", "reason": "\(reason.rawValue)",
            ]
        )
        let change = StatusChange(
            session: session, node: self.settings.nodeID, online: false, reason: reason,
            timestampMs: self.clock.nowMilliseconds())
        _ = self.events.publish(.status(change), durable: false, on: session.eventLoop)
        self.commandQueue.sessionChanged(of: session.deviceID)
    }
}
