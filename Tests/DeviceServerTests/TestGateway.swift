import DFP
import DeviceServer
import Foundation
import GatehouseCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Simulator

/// A real gateway on an ephemeral loopback port, with its own data directory and a recording sink.
struct TestGateway {
    let gateway: Gateway
    let server: DeviceServer
    let sink: RecordingSink
    let port: Int
    let dataDirectory: String
    private let serviceGroup: ServiceGroup
    private let running: Task<Void, any Error>

    static let devicesDirectory: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("devices").path
    }()

    static func start(_ configure: (inout GatewaySettings) -> Void = { _ in }) async throws -> TestGateway {
        var settings = GatewaySettings()
        settings.host = "127.0.0.1"
        settings.devicePort = 0
        settings.dataDirectory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("gatehouse-test-\(UUID().uuidString)").path
        settings.devicesDirectory = Self.devicesDirectory
        configure(&settings)
        try settings.validate()

        var logger = Logger(label: "test-gateway")
        logger.logLevel = .critical
        let sink = RecordingSink()
        let gateway = Gateway(
            settings: settings,
            registry: try DeviceRegistry(dataDirectory: settings.dataDirectory),
            profiles: try ProfileCatalog(directory: settings.devicesDirectory),
            sinks: [sink],
            logger: logger
        )
        let server = DeviceServer(gateway: gateway, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let serviceGroup = ServiceGroup(services: [server], logger: logger)
        let running = Task { try await serviceGroup.run() }
        let port = try await server.localAddress.port!
        return TestGateway(
            gateway: gateway,
            server: server,
            sink: sink,
            port: port,
            dataDirectory: settings.dataDirectory,
            serviceGroup: serviceGroup,
            running: running
        )
    }

    /// Registers a device and returns its token.
    func register(_ id: String, profile: String? = nil) throws -> String {
        try self.gateway.registry.add(id: id, profile: profile)
    }

    func connect() async throws -> DeviceConnection {
        try await DeviceConnection.connect(host: "127.0.0.1", port: self.port)
    }

    /// Connects and logs in; fails the test unless the gateway answers WELCOME.
    func login(
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

    /// Graceful shutdown, as on SIGTERM; returns once the server's run() has returned.
    func stop() async throws {
        await self.serviceGroup.triggerGracefulShutdown()
        try await self.running.value
        try? FileManager.default.removeItem(atPath: self.dataDirectory)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension DeviceConnection {
    /// Reads until the gateway sends an ERROR, returning its code, or nil if it closed without one.
    func expectError(timeout: Duration = .seconds(5)) async throws -> ErrorCode? {
        while let packet = try await self.receive(timeout: timeout) {
            if case .error(let report) = packet.message { return report.code }
        }
        return nil
    }
}
