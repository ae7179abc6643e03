public import CoreMetrics
public import DFP

/// The gateway's own metrics (connections, sessions, frames, errors, logins, commands), created from an
/// explicit factory so every gateway in one process (the tests run many) reports to its own registry.
/// A class, not a struct: the connection handlers reach it for every read batch, and passing a struct of
/// a dozen metric references would retain and release each of them every time (seen in perf).
public final class GatewayMetrics: Sendable {
    public let connectionsAccepted: Counter
    public let connectionsOpen: Meter
    public let sessionsOpen: Meter
    public let authenticationFailures: Counter
    public let takeovers: Counter
    public let expiries: Counter
    public let commandRoundTrip: Timer
    /// Commands waiting in this node's queue for their device.
    public let commandsQueued: Meter
    private let commandsEnded: [CommandState: Counter]
    private let framesIn: [MessageType: Counter]
    private let framesInOther: Counter
    private let framesOut: [MessageType: Counter]
    private let errorsSent: [ErrorCode: Counter]
    private let errorsSentOther: Counter

    /// The message types a device may send, as labels of `gatehouse_frames_in_total`.
    static let inboundTypes: [MessageType] = [.hello, .ping, .telemetry, .event, .commandResult, .ack, .bye, .error]
    static let outboundTypes: [MessageType] = [.welcome, .pong, .ack, .command, .error]

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.connectionsAccepted = Counter(label: "gatehouse_connections_total", factory: factory)
        self.connectionsOpen = Meter(label: "gatehouse_connections_open", factory: factory)
        self.sessionsOpen = Meter(label: "gatehouse_sessions_open", factory: factory)
        self.authenticationFailures = Counter(label: "gatehouse_auth_failures_total", factory: factory)
        self.takeovers = Counter(label: "gatehouse_takeovers_total", factory: factory)
        self.expiries = Counter(label: "gatehouse_heartbeat_expiries_total", factory: factory)
        self.commandRoundTrip = Timer(
            label: "gatehouse_command_round_trip_seconds",
            preferredDisplayUnit: .seconds,
            factory: factory
        )
        self.commandsQueued = Meter(label: "gatehouse_commands_queued", factory: factory)
        self.commandsEnded = Dictionary(
            uniqueKeysWithValues: CommandState.allCases.filter(\.isFinal).map { state in
                (
                    state,
                    Counter(
                        label: "gatehouse_commands_total", dimensions: [("status", state.rawValue)], factory: factory)
                )
            })
        func counters(_ label: String, _ types: [MessageType]) -> [MessageType: Counter] {
            Dictionary(
                uniqueKeysWithValues: types.map { type in
                    (
                        type,
                        Counter(label: label, dimensions: [("type", type.description.lowercased())], factory: factory)
                    )
                }
            )
        }
        self.framesIn = counters("gatehouse_frames_in_total", Self.inboundTypes)
        self.framesInOther = Counter(
            label: "gatehouse_frames_in_total", dimensions: [("type", "other")], factory: factory)
        self.framesOut = counters("gatehouse_frames_out_total", Self.outboundTypes)
        self.errorsSent = Dictionary(
            uniqueKeysWithValues: (1...12).map { code in
                let errorCode = ErrorCode(rawValue: UInt16(code))
                return (
                    errorCode,
                    Counter(label: "gatehouse_errors_total", dimensions: [("code", "\(code)")], factory: factory)
                )
            }
        )
        self.errorsSentOther = Counter(
            label: "gatehouse_errors_total", dimensions: [("code", "other")], factory: factory)
    }

    /// A command of this node's queue ended with `status`.
    func recordCommandEnded(_ status: CommandState) {
        self.commandsEnded[status]?.increment()
    }

    /// Adds frames received, by type; callers batch them (one call per type per read) to keep shared
    /// counters off the per-frame path.
    public func recordFramesIn(_ type: MessageType, count: Int) {
        (self.framesIn[type] ?? self.framesInOther).increment(by: count)
    }

    public func recordFramesOut(_ type: MessageType, count: Int) {
        self.framesOut[type]?.increment(by: count)
    }

    /// An ERROR frame sent to a device.
    public func recordErrorSent(_ code: ErrorCode) {
        (self.errorsSent[code] ?? self.errorsSentOther).increment()
    }
}
