import Foundation
import Simulator

/// The table printed at the end of a run.
struct Summary {
    let report: RunReport

    static func milliseconds(_ value: Double?) -> String {
        value.map { String(format: "%.2f ms", $0) } ?? "—"
    }

    var text: String {
        let report = self.report
        let rows: [(String, String)] = [
            ("scenario", report.scenario),
            ("duration", String(format: "%.1f s", report.elapsedSeconds)),
            ("devices", "\(report.devices)"),
            ("connected (peak)", "\(report.peakConnected)"),
            ("connected (end)", "\(report.connected)"),
            ("frames sent", "\(report.framesSent)"),
            ("ACKs", "\(report.acks)"),
            ("ACK latency p50", Self.milliseconds(report.ackLatencyMs.p50)),
            ("ACK latency p99", Self.milliseconds(report.ackLatencyMs.p99)),
            ("ACK latency max", Self.milliseconds(report.ackLatencyMs.max)),
            (
                "errors",
                report.errors.isEmpty
                    ? "0"
                    : report.errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            ),
            ("commands answered", "\(report.commandsAnswered)"),
            ("disconnects", "\(report.disconnects)"),
            ("connect failures", "\(report.connectFailures)"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(
            separator: "\n")
    }
}
