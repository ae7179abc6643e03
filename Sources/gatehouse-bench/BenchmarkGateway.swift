import DFP
import HummingbirdWSClient
import Logging
import NIOPosix
import Simulator

/// A running gateway the dashboard benchmarks drive (started with `--allow-unknown-devices`): its device
/// port and its live feed.
struct BenchmarkGateway {
    var devicePort: Int
    var httpPort: Int
    var apiToken: String

    var liveFeedURL: String { "ws://127.0.0.1:\(self.httpPort)/ws?token=\(self.apiToken)" }

    /// The live feed's first message is the snapshot of every device, which passes the client's 16 KiB
    /// default frame size once there are a hundred or so.
    static let liveFeedConfiguration = WebSocketClientConfiguration(maxFrameSize: 1 << 24)

    /// The benchmarks print their own figures; the WebSocket client stays quiet.
    static let logger = {
        var logger = Logger(label: "gatehouse-bench")
        logger.logLevel = .critical
        return logger
    }()

    /// Logs in `count` unregistered devices, `idPrefix` and their index, one after the other; their
    /// WELCOMEs are left unread.
    func connectDevices(_ count: Int, idPrefix: String) async throws -> [DeviceConnection] {
        var connections: [DeviceConnection] = []
        for index in 0..<count {
            let connection = try await DeviceConnection.connect(
                host: "127.0.0.1", port: self.devicePort, group: MultiThreadedEventLoopGroup.singleton)
            try await connection.send(
                .hello(Hello(deviceID: "\(idPrefix)\(index)", token: "", heartbeatSeconds: 60)), seq: 0)
            connections.append(connection)
        }
        return connections
    }
}
