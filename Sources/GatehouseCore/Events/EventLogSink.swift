public import Logging
public import NIOCore

/// Writes every device message to the log at debug level, named through the device's profile:
/// `gatehouse serve --log-level debug` shows what devices send without any other tool.
///
/// Status changes are not repeated here; the gateway logs them at info level itself.
public struct EventLogSink: EventSink {
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func receive(_ event: GatewayEvent, durable: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Void>? {
        guard self.logger.logLevel <= .debug else { return nil }
        switch event {
        case .telemetry(let report):
            self.logger.debug(
                "telemetry \(report.values.map(\.description).joined(separator: " "))",
                metadata: ["device": "\(report.deviceID)", "seq": "\(report.seq)", "ts": "\(report.timestampMs)"]
            )
        case .event(let report):
            self.logger.debug(
                "event \(report.name ?? String(report.code)) \(report.values.map(\.description).joined(separator: " "))",
                metadata: ["device": "\(report.deviceID)", "seq": "\(report.seq)", "ts": "\(report.timestampMs)"]
            )
        case .commandResult(let report):
            self.logger.debug(
                "command result \(report.result.status)",
                metadata: ["device": "\(report.deviceID)", "command_id": "\(report.result.commandID)"]
            )
        case .command(let record):
            self.logger.debug(
                "command \(record.name) \(record.status.rawValue)",
                metadata: ["device": "\(record.deviceID)", "command_id": "\(record.id)"]
            )
        case .status, .peer:
            break
        }
        return nil
    }
}
