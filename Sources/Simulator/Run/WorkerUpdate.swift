/// What a worker process tells its parent each second, and once more at its end, as one JSON line.
public struct WorkerUpdate: Sendable, Codable {
    public var report: RunReport
    public var latencies: LatencyHistogram
    public var final: Bool

    public init(report: RunReport, latencies: LatencyHistogram, final: Bool) {
        self.report = report
        self.latencies = latencies
        self.final = final
    }
}
