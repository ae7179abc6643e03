import ArgumentParser
import Dashboard
import DeviceServer
import Foundation
import GatehouseCore
import Logging
import MQTTBridge
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway.",
        discussion: """
            Every setting can also come from a YAML file given with --config, under the flag's name \
            (device_port: 7300). Flags win over the file. Durations are seconds (10) or carry a unit \
            (500ms, 10s, 5m).
            """
    )

    @Option(help: "A YAML file holding any of these settings under the flags' names.")
    var config: String?

    @Option(help: "The address to listen on (default 0.0.0.0).")
    var host: String?

    @Option(help: "The TCP port devices connect to (default 7300).")
    var devicePort: Int?

    @Option(help: "The HTTP port of the dashboard and API (default 8080).")
    var httpPort: Int?

    @Option(help: "Where the registry and other state live (default ./gatehouse-data).")
    var dataDir: String?

    @Option(help: "The folder of device profiles, NAME.yaml each (default ./devices).")
    var devicesDir: String?

    @Option(help: "Heartbeat granted when a device asks for 0 (default 30s).")
    var heartbeat: String?

    @Option(help: "The shortest heartbeat granted (default 1s).")
    var heartbeatMin: String?

    @Option(help: "The longest heartbeat granted (default 3600s).")
    var heartbeatMax: String?

    @Option(help: "The largest frame payload accepted, in bytes (default 4096, at most 65535).")
    var maxPayload: Int?

    @Option(help: "How long a new connection has to send HELLO (default 10s).")
    var helloTimeout: String?

    @Option(help: "How long a started frame may take to arrive completely (default 10s).")
    var frameTimeout: String?

    @Option(help: "Unsent bytes past which a device that stopped reading is disconnected (default 256KiB).")
    var maxSendBuffer: String?

    @Flag(help: "Development only: admit any well-formed device ID that is not registered.")
    var allowUnknownDevices = false
    @Option(help: "Commands a device may have queued for its next session before more are refused (default 100).")
    var commandQueueLimit: String?

    @Option(help: "How long the records of ended commands are kept, such as 7d or 12h; 0 keeps them (default 7d).")
    var commandRetention: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    @Option(
        help: ArgumentHelp(
            "The token of the HTTP API, metrics and dashboard (or GATEHOUSE_API_TOKEN).",
            discussion: "Without one, the first start generates a token and stores it in the data dir."
        )
    )
    var apiToken: String?

    @Option(help: "The MQTT broker to bridge to: mqtt://[user:pass@]host:port or mqtts://… (default: no bridge).")
    var mqtt: String?

    @Option(help: "A CA certificate (PEM) to verify an mqtts:// broker with (default: the system's CAs).")
    var mqttCa: String?

    @Option(help: "The first level of every MQTT topic (default gatehouse).")
    var mqttPrefix: String?

    @Option(help: "This node's name among the nodes sharing a broker (default: the host name).")
    var nodeID: String?

    @Option(help: "Messages that may wait for the broker before new ones are refused (default 100000).")
    var mqttOutbox: Int?

    func run() async throws {
        let settings = try self.settings()
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "gatehouse")
        logger.logLevel = level

        let profiles: ProfileCatalog
        do {
            profiles = try ProfileCatalog(directory: settings.devicesDirectory)
        } catch {
            throw ValidationError("device profiles: \(error)")
        }
        let registry = try DeviceRegistry(dataDirectory: settings.dataDirectory)
        if settings.allowUnknownDevices {
            logger.warning(
                "!!! --allow-unknown-devices is on: ANY device ID is admitted without a registered token. Development only. !!!"
            )
        }
        let registeredCount = try registry.list().count
        logger.info(
            "starting gatehouse",
            metadata: [
                "data_dir": "\(settings.dataDirectory)", "profiles": "\(profiles.names.joined(separator: ","))",
                "registered_devices": "\(registeredCount)",
            ]
        )

        let (apiToken, generated) = try APIToken.resolve(
            configured: settings.apiToken, dataDirectory: settings.dataDirectory)
        let metricsRegistry = PrometheusCollectorRegistry()
        let metricsFactory = PrometheusMetricsFactory(registry: metricsRegistry)
        MetricsSystem.bootstrap(metricsFactory)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let feed = DashboardFeed(nodeID: settings.nodeID, metricsFactory: metricsFactory)
        let bridgeSink = settings.mqtt.map { _ in MQTTBridgeSink(settings: settings, metricsFactory: metricsFactory) }
        let gateway = Gateway(
            settings: settings,
            registry: registry,
            profiles: profiles,
            sinks: [feed, EventLogSink(logger: logger)] + (bridgeSink.map { [$0] } ?? []),
            metrics: GatewayMetrics(factory: metricsFactory),
            remoteCommands: bridgeSink,
            logger: logger
        )
        let deviceServer = DeviceServer(gateway: gateway, group: group, logger: logger)
        let dashboard = try DashboardServer(
            gateway: gateway,
            feed: feed,
            apiToken: apiToken,
            metricsRegistry: metricsRegistry,
            group: group,
            logger: logger
        )
        Task {
            guard let address = try? await dashboard.localAddress, let port = address.port else { return }
            let host = settings.host == "0.0.0.0" || settings.host == "::" ? "127.0.0.1" : settings.host
            let url = "http://\(host):\(port)/"
            let line =
                generated
                ? "dashboard: \(url)?token=\(apiToken)   (API token generated and stored in \(settings.dataDirectory))"
                : "dashboard: \(url)   (API token from --api-token or \(settings.dataDirectory)/\(APIToken.fileName))"
            // Written unbuffered: stdout is a pipe when a script or a supervisor reads it.
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        // Services stop in reverse order: the bridge last, so it publishes the sessions' final statuses.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: gateway.commandQueue), .init(service: deviceServer), .init(service: dashboard),
        ]
        if let bridgeSink, let broker = settings.mqtt {
            let bridge = MQTTBridge(
                gateway: gateway, sink: bridgeSink, broker: broker, eventLoops: group, logger: logger)
            services.insert(.init(service: bridge), at: 0)
        } else {
            logger.info("MQTT bridge off: no --mqtt broker given")
        }
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await serviceGroup.run()
        try await group.shutdownGracefully()
    }

    /// Defaults, then the config file, then the flags.
    private func settings() throws -> GatewaySettings {
        var settings = GatewaySettings()
        if let config {
            try settings.apply(configFile: config)
        }
        let flags: [(String, String?)] = [
            ("host", self.host), ("device_port", self.devicePort.map(String.init)),
            ("http_port", self.httpPort.map(String.init)), ("data_dir", self.dataDir),
            ("devices_dir", self.devicesDir), ("heartbeat", self.heartbeat), ("heartbeat_min", self.heartbeatMin),
            ("heartbeat_max", self.heartbeatMax), ("max_payload", self.maxPayload.map(String.init)),
            ("hello_timeout", self.helloTimeout), ("frame_timeout", self.frameTimeout),
            ("max_send_buffer", self.maxSendBuffer), ("log_level", self.logLevel),
            ("allow_unknown_devices", self.allowUnknownDevices ? "true" : nil),
            ("command_queue_limit", self.commandQueueLimit), ("command_retention", self.commandRetention),
            ("api_token", self.apiToken ?? ProcessInfo.processInfo.environment["GATEHOUSE_API_TOKEN"]),
            ("mqtt", self.mqtt), ("mqtt_ca", self.mqttCa), ("mqtt_prefix", self.mqttPrefix), ("node_id", self.nodeID),
            ("mqtt_outbox", self.mqttOutbox.map(String.init)),
        ]
        for case (let key, let value?) in flags {
            do throws(SettingsError) {
                try settings.apply(key: key, value: value)
            } catch {
                throw ValidationError("--\(key.replacingOccurrences(of: "_", with: "-")): \(error)")
            }
        }
        try settings.validate()
        return settings
    }
}
