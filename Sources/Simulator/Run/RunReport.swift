import DFP
import Foundation

/// The figures of a run: what the live display shows, the summary prints and `--json` writes.
public struct RunReport: Sendable, Codable, Equatable {
    public struct Latency: Sendable, Codable, Equatable {
        public var p50: Double?
        public var p99: Double?
        public var max: Double?

        public init(p50: Double?, p99: Double?, max: Double?) {
            self.p50 = p50
            self.p99 = p99
            self.max = max
        }

        init(_ histogram: LatencyHistogram) {
            self.init(
                p50: histogram.milliseconds(atQuantile: 0.5), p99: histogram.milliseconds(atQuantile: 0.99),
                max: histogram.count > 0 ? Double(histogram.maximumNanoseconds) / 1e6 : nil)
        }
    }

    /// What went wrong for one fleet's devices.
    public struct FleetTrouble: Sendable, Codable, Equatable {
        public var errors: [String: Int] = [:]
        public var disconnects = 0

        public init() {}
    }

    public var scenario: String
    public var devices: Int
    public var connected: Int
    public var peakConnected: Int
    public var framesSent: Int
    public var acks: Int
    /// ERROR frames the gateway sent, by code and meaning (`"7 session replaced": 2`).
    public var errors: [String: Int]
    public var ackLatencyMs: Latency
    public var commandsAnswered: Int
    public var disconnects: Int
    /// Connections that could not be opened at all (the gateway refused or was not there).
    public var connectFailures: Int
    /// Errors and disconnects by fleet (fleets without any are left out).
    public var fleets: [String: FleetTrouble]
    public var elapsedSeconds: Double

    public init(
        scenario: String, devices: Int, connected: Int, peakConnected: Int, framesSent: Int, acks: Int,
        errors: [String: Int], ackLatencyMs: Latency, commandsAnswered: Int, disconnects: Int, connectFailures: Int,
        fleets: [String: FleetTrouble] = [:], elapsedSeconds: Double
    ) {
        self.scenario = scenario
        self.devices = devices
        self.connected = connected
        self.peakConnected = peakConnected
        self.framesSent = framesSent
        self.acks = acks
        self.errors = errors
        self.ackLatencyMs = ackLatencyMs
        self.commandsAnswered = commandsAnswered
        self.disconnects = disconnects
        self.connectFailures = connectFailures
        self.fleets = fleets
        self.elapsedSeconds = elapsedSeconds
    }

    public var errorCount: Int { self.errors.values.reduce(0, +) }

    static func errorName(_ code: UInt16) -> String {
        "\(code) \(ErrorCode(rawValue: code))"
    }

    /// The figures of several worker processes playing slices of one scenario, as one run's. Latencies
    /// come from the workers' merged histograms; the peak is the sum of the workers' peaks.
    public static func merging(
        _ parts: [(report: RunReport, latencies: LatencyHistogram)], scenario: String, devices: Int
    ) -> RunReport {
        var histogram = LatencyHistogram()
        var merged = RunReport(
            scenario: scenario, devices: devices, connected: 0, peakConnected: 0, framesSent: 0, acks: 0, errors: [:],
            ackLatencyMs: .init(p50: nil, p99: nil, max: nil), commandsAnswered: 0, disconnects: 0,
            connectFailures: 0, elapsedSeconds: 0)
        for (report, latencies) in parts {
            histogram.merge(latencies)
            merged.connected += report.connected
            merged.peakConnected += report.peakConnected
            merged.framesSent += report.framesSent
            merged.acks += report.acks
            merged.errors.merge(report.errors, uniquingKeysWith: +)
            merged.commandsAnswered += report.commandsAnswered
            merged.disconnects += report.disconnects
            merged.connectFailures += report.connectFailures
            for (fleet, trouble) in report.fleets {
                merged.fleets[fleet, default: .init()].disconnects += trouble.disconnects
                merged.fleets[fleet, default: .init()].errors.merge(trouble.errors, uniquingKeysWith: +)
            }
            merged.elapsedSeconds = max(merged.elapsedSeconds, report.elapsedSeconds)
        }
        merged.ackLatencyMs = Latency(histogram)
        return merged
    }

    /// One JSON object with every figure, snake_case keys.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
