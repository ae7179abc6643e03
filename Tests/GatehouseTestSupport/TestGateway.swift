public import DFP
public import Dashboard
public import DeviceServer
import Foundation
public import GatehouseCore
import Logging
public import MQTTBridge
import NIOCore
import NIOPosix
public import Prometheus
import ServiceLifecycle
public import Simulator

/// A real gateway node on ephemeral loopback ports, as `gatehouse serve` assembles it (device server,
/// dashboard, metrics), with its own data directory and a recording sink.
public struct TestGateway: Sendable {
    public let gateway: Gateway
    public let server: DeviceServer
    public let sink: RecordingSink
    public let feed: DashboardFeed
    /// The MQTT bridge's sink, when the settings name a broker.
    public let bridgeSink: MQTTBridgeSink?
    public let metricsRegistry: PrometheusCollectorRegistry
    public let port: Int
    public let httpPort: Int
    public let apiToken: String
    public let dataDirectory: String
    /// Whether `stop()` removes the data directory (one the gateway made for itself).
    private let ownsDataDirectory: Bool
    private let serviceGroup: ServiceGroup
    private let running: Task<Void, any Error>

    public static let devicesDirectory: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("devices").path
    }()

    /// Starts a gateway on ephemeral ports; in a data directory of its own, removed at `stop()`, unless
    /// given `dataDirectory` (to start again where an earlier gateway stopped), which it leaves.
    public static func start(
        dataDirectory: String? = nil, _ configure: (inout GatewaySettings) -> Void = { _ in }
    ) async throws -> TestGateway {
        var settings = GatewaySettings()
        settings.host = "127.0.0.1"
        settings.devicePort = 0
        settings.httpPort = 0
        settings.dataDirectory =
            dataDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-test-\(UUID().uuidString)").path
        settings.devicesDirectory = Self.devicesDirectory
        settings.apiToken = "test-token-\(UUID().uuidString)"
        configure(&settings)
        try settings.validate()

        var logger = Logger(label: "test-gateway")
        // GATEHOUSE_TEST_LOG=debug shows what a failing test's gateway did.
        logger.logLevel =
            ProcessInfo.processInfo.environment["GATEHOUSE_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) }
            ?? .critical
        let sink = RecordingSink()
        let metricsRegistry = PrometheusCollectorRegistry()
        let metricsFactory = PrometheusMetricsFactory(registry: metricsRegistry)
        let feed = DashboardFeed(nodeID: settings.nodeID, metricsFactory: metricsFactory)
        let bridgeSink = settings.mqtt.map { _ in MQTTBridgeSink(settings: settings, metricsFactory: metricsFactory) }
        let gateway = Gateway(
            settings: settings,
            registry: try DeviceRegistry(dataDirectory: settings.dataDirectory),
            profiles: try ProfileCatalog(directory: settings.devicesDirectory),
            sinks: [sink, feed] + (bridgeSink.map { [$0] } ?? []),
            metrics: GatewayMetrics(factory: metricsFactory),
            remoteCommands: bridgeSink,
            logger: logger
        )
        let group = MultiThreadedEventLoopGroup.singleton
        let server = DeviceServer(gateway: gateway, group: group, logger: logger)
        let dashboard = try DashboardServer(
            gateway: gateway,
            feed: feed,
            apiToken: settings.apiToken!,
            metricsRegistry: metricsRegistry,
            group: group,
            logger: logger
        )
        var services: [any Service] = [gateway.commandQueue, server, dashboard]
        if let bridgeSink, let broker = settings.mqtt {
            // First, so it stops last and publishes the sessions' final statuses.
            services.insert(
                MQTTBridge(gateway: gateway, sink: bridgeSink, broker: broker, eventLoops: group, logger: logger), at: 0
            )
        }
        let serviceGroup = ServiceGroup(services: services, logger: logger)
        let running = Task { try await serviceGroup.run() }
        let port = try await server.localAddress.port!
        let httpPort = try await dashboard.localAddress.port!
        return TestGateway(
            gateway: gateway,
            server: server,
            sink: sink,
            feed: feed,
            bridgeSink: bridgeSink,
            metricsRegistry: metricsRegistry,
            port: port,
            httpPort: httpPort,
            apiToken: settings.apiToken!,
            dataDirectory: settings.dataDirectory,
            ownsDataDirectory: dataDirectory == nil,
            serviceGroup: serviceGroup,
            running: running
        )
    }

    /// Registers a device and returns its token.
    public func register(_ id: String, profile: String? = nil) throws -> String {
        try self.gateway.registry.add(id: id, profile: profile)
    }

    public func connect() async throws -> DeviceConnection {
        try await DeviceConnection.connect(host: "127.0.0.1", port: self.port)
    }

    /// Connects and logs in; fails unless the gateway answers WELCOME.
    public func login(
        _ id: String,
        token: String,
        profile: String = "",
        heartbeat: UInt16 = 0
    ) async throws -> (DeviceConnection, Welcome) {
        let device = try await self.connect()
        try await device.send(
            .hello(Hello(deviceID: id, token: token, profile: profile, heartbeatSeconds: heartbeat)), seq: 1)
        guard case .welcome(let welcome)? = try await device.receive()?.message else {
            throw TestFailure("no WELCOME for \(id)")
        }
        return (device, welcome)
    }

    /// The Prometheus text the gateway's `/metrics` serves.
    public var metricsText: String {
        var output: [UInt8] = []
        self.metricsRegistry.emit(into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Graceful shutdown, as on SIGTERM; returns once every service's run() has returned.
    public func stop() async throws {
        await self.serviceGroup.triggerGracefulShutdown()
        try await self.running.value
        if self.ownsDataDirectory {
            try? FileManager.default.removeItem(atPath: self.dataDirectory)
        }
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension DeviceConnection {
    /// Reads until the gateway sends an ERROR, returning its code, or nil if it closed without one.
    public func expectError(timeout: Duration = .seconds(5)) async throws -> ErrorCode? {
        while let packet = try await self.receive(timeout: timeout) {
            if case .error(let report) = packet.message { return report.code }
        }
        return nil
    }
}
