/// A simulation: fleets of devices to play against a gateway, and what must hold for the run to pass.
public struct Scenario: Sendable, Equatable {
    public var name: String
    /// How long the run lasts unless `--duration` says otherwise.
    public var duration: Duration
    public var fleets: [Fleet]
    public var expectations: Expectations

    public init(name: String, duration: Duration, fleets: [Fleet], expectations: Expectations = Expectations()) {
        self.name = name
        self.duration = duration
        self.fleets = fleets
        self.expectations = expectations
    }

    public var deviceCount: Int { self.fleets.reduce(0) { $0 + $1.count } }
}

/// Devices of one kind: how many, how they are named and what they send.
public struct Fleet: Sendable, Equatable {
    public enum CommandAnswer: String, Sendable {
        /// COMMAND_RESULT ok after `commandDelay`.
        case ok
        /// COMMAND_RESULT failed after `commandDelay`.
        case fail
        /// No answer: the gateway's command times out.
        case ignore
    }

    public var name: String
    public var count: Int
    /// `thermo-{0000}`: the braces are replaced by the device's index, zero-padded to their width.
    public var idPattern: String
    public var profile: String
    /// The token every device of the fleet logs in with; empty for a gateway that admits unknown devices.
    public var token: String
    public var heartbeat: Duration
    public var telemetryInterval: Duration
    /// Each interval is drawn from interval ± jitter.
    public var telemetryJitter: Duration
    public var ackRequested: Bool
    public var fields: [FieldPattern]
    public var commandAnswer: CommandAnswer
    public var commandDelay: Duration
    /// Devices connected per second while the fleet comes up; 0 means all at once.
    public var rampPerSecond: Double
    public var faults = Faults()

    public init(
        name: String, count: Int, idPattern: String, profile: String = "", token: String = "",
        heartbeat: Duration = .seconds(30), telemetryInterval: Duration = .seconds(5),
        telemetryJitter: Duration = .zero,
        ackRequested: Bool = true, fields: [FieldPattern] = [], commandAnswer: CommandAnswer = .ok,
        commandDelay: Duration = .zero, rampPerSecond: Double = 0
    ) {
        self.name = name
        self.count = count
        self.idPattern = idPattern
        self.profile = profile
        self.token = token
        self.heartbeat = heartbeat
        self.telemetryInterval = telemetryInterval
        self.telemetryJitter = telemetryJitter
        self.ackRequested = ackRequested
        self.fields = fields
        self.commandAnswer = commandAnswer
        self.commandDelay = commandDelay
        self.rampPerSecond = rampPerSecond
    }

    /// The ID of the fleet's `index`th device.
    public func deviceID(_ index: Int) -> String {
        guard let open = self.idPattern.firstIndex(of: "{"), let close = self.idPattern.firstIndex(of: "}"),
            open < close
        else { return "\(self.idPattern)\(index)" }
        let width = self.idPattern.distance(from: open, to: close) - 1
        let digits = String(index)
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return String(self.idPattern[..<open]) + padded + String(self.idPattern[self.idPattern.index(after: close)...])
    }
}

/// What must hold at the end of a run; a run that misses any of them exits non-zero.
public struct Expectations: Sendable, Equatable {
    public var minConnected: Int?
    public var maxErrors: Int?
    public var maxP99AckLatencyMs: Double?
    public var minCommandsAnswered: Int?

    public init(
        minConnected: Int? = nil, maxErrors: Int? = nil, maxP99AckLatencyMs: Double? = nil,
        minCommandsAnswered: Int? = nil
    ) {
        self.minConnected = minConnected
        self.maxErrors = maxErrors
        self.maxP99AckLatencyMs = maxP99AckLatencyMs
        self.minCommandsAnswered = minCommandsAnswered
    }

    /// The expectations `report` misses, each as a sentence; empty when the run passed.
    public func failures(of report: RunReport) -> [String] {
        var failures: [String] = []
        if let minimum = self.minConnected, report.peakConnected < minimum {
            failures.append("connected \(report.peakConnected), expected at least \(minimum)")
        }
        if let maximum = self.maxErrors, report.errorCount > maximum {
            failures.append("\(report.errorCount) errors, expected at most \(maximum)")
        }
        if let maximum = self.maxP99AckLatencyMs, let p99 = report.ackLatencyMs.p99, p99 > maximum {
            failures.append(String(format: "p99 ACK latency %.1f ms, expected at most %.1f ms", p99, maximum))
        }
        if let minimum = self.minCommandsAnswered, report.commandsAnswered < minimum {
            failures.append("\(report.commandsAnswered) commands answered, expected at least \(minimum)")
        }
        return failures
    }
}
