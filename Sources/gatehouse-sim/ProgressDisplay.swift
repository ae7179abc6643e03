import Foundation
import Simulator

/// The run's progress, on standard error so that standard output holds only the summary (or the JSON):
/// on a terminal one block redrawn each second; otherwise a plain line every five seconds, for logs.
struct ProgressDisplay: Sendable {
    let scenario: Scenario
    let live: Bool
    /// The figures so far, given the time since the display started.
    let current: @Sendable (Duration) -> RunReport

    func run() async {
        let start = ContinuousClock.now
        var previous = self.current(.zero)
        var linesDrawn = 0
        var tick = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            tick += 1
            let report = self.current(ContinuousClock.now - start)
            let framesPerSecond = report.framesSent - previous.framesSent
            let acksPerSecond = report.acks - previous.acks
            previous = report
            if self.live {
                let block = self.block(report, framesPerSecond: framesPerSecond, acksPerSecond: acksPerSecond)
                // Back over the previous block, then draw this one over it.
                let up = linesDrawn > 0 ? "\u{1B}[\(linesDrawn)F" : ""
                Self.write(up + block.map { $0 + "\u{1B}[K" }.joined(separator: "\n"))
                linesDrawn = block.count
            } else if tick % 5 == 0 {
                Self.write(
                    "\(Int(report.elapsedSeconds))s connected \(report.connected)/\(report.devices) "
                        + "frames/s \(framesPerSecond) acks/s \(acksPerSecond) "
                        + "ack p50 \(Summary.milliseconds(report.ackLatencyMs.p50)) p99 \(Summary.milliseconds(report.ackLatencyMs.p99)) "
                        + "errors \(report.errorCount) commands \(report.commandsAnswered)")
            }
        }
    }

    /// Whether standard error is a terminal, where the live block can redraw itself.
    static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Straight to the file descriptor, unbuffered: a line a supervisor reads late is no progress line.
    private static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func block(_ report: RunReport, framesPerSecond: Int, acksPerSecond: Int) -> [String] {
        let fraction = report.devices > 0 ? Double(report.connected) / Double(report.devices) : 0
        let width = 30
        let filled = Int((fraction * Double(width)).rounded())
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let errors =
            report.errors.isEmpty
            ? "none" : report.errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        return [
            "\(self.scenario.name)  \(Int(report.elapsedSeconds)) s",
            "connected   \(report.connected) / \(report.devices)  \(bar)",
            "frames/s    \(framesPerSecond)    ACKs/s \(acksPerSecond)",
            "ACK latency p50 \(Summary.milliseconds(report.ackLatencyMs.p50))   p99 \(Summary.milliseconds(report.ackLatencyMs.p99))",
            "errors      \(errors)",
            "commands    \(report.commandsAnswered) answered",
        ]
    }
}
