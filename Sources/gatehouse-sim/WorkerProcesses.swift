import Foundation
import Simulator
import Synchronization

/// Worker processes of a run too big for one process's open files (20,000 at most here): each plays a
/// slice of the devices and reports a `WorkerUpdate` line a second; the parent merges them into one
/// display and one summary.
final class WorkerProcesses: Sendable {
    private final class LatestUpdates: Sendable {
        let updates = Mutex<[Int: WorkerUpdate]>([:])
    }

    private let processes: [Process]
    private let latest = LatestUpdates()
    private let scenario: Scenario

    /// Starts `count` copies of this executable with `arguments` plus their worker index.
    init(count: Int, arguments: [String], scenario: Scenario) throws {
        self.scenario = scenario
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var processes: [Process] = []
        var outputs: [FileHandle] = []
        for index in 0..<count {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments + ["--worker-index", "\(index)", "--worker-count", "\(count)"]
            let output = Pipe()
            process.standardOutput = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            processes.append(process)
            outputs.append(output.fileHandleForReading)
        }
        self.processes = processes
        for (index, output) in outputs.enumerated() {
            self.readUpdates(from: output, worker: index)
        }
    }

    /// Each worker's lines, read on a thread of its own (the reads block).
    private func readUpdates(from handle: FileHandle, worker: Int) {
        let latest = self.latest
        Thread.detachNewThread {
            var pending = Data()
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[pending.startIndex..<newline]
                    pending = Data(pending[pending.index(after: newline)...])
                    if let update = try? decoder.decode(WorkerUpdate.self, from: line) {
                        latest.updates.withLock { $0[worker] = update }
                    }
                }
            }
        }
    }

    /// The workers' figures merged.
    var report: RunReport {
        let parts = self.latest.updates.withLock { $0 }.values.map { ($0.report, $0.latencies) }
        return RunReport.merging(parts, scenario: self.scenario.name, devices: self.scenario.deviceCount)
    }

    private var allFinal: Bool {
        self.latest.updates.withLock { updates in
            updates.count == self.processes.count && updates.values.allSatisfy(\.final)
        }
    }

    /// Ctrl-C reaches the workers too, which end with their final figures.
    func interrupt() {
        for process in self.processes where process.isRunning {
            kill(process.processIdentifier, SIGINT)
        }
    }

    /// Waits for every worker's final figures (or its exit) and returns them merged.
    func finish() async -> RunReport {
        while !self.allFinal, self.processes.contains(where: \.isRunning) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        try? await Task.sleep(for: .milliseconds(100))  // the last lines of workers that just exited
        return self.report
    }
}
