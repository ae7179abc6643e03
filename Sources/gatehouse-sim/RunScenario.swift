import ArgumentParser
import Dispatch
import Foundation
import Simulator

struct RunScenario: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Play a scenario file's fleets against a gateway; exits non-zero when its expect: block fails.",
        discussion: "Ctrl-C ends the run early, with the summary."
    )

    @Argument(help: "The scenario, e.g. simulators/smoke.yaml.") var scenario: String
    @Option var host = "127.0.0.1"
    @Option var port = 7300
    @Option(
        help: "Gateways to spread the devices over, host:port,host:port... (a device moves on after a failed connect).")
    var target: String?
    @Option(help: "How long to run (30s, 5m, ...); default: the scenario's duration.") var duration: String?
    @Flag(help: "First create the scenario's devices through the gateway's REST API (--api, --api-token).")
    var provision = false
    @Option(help: "The gateway's HTTP address for --provision, e.g. http://127.0.0.1:8080.") var api: String?
    @Option(help: "The gateway's API token for --provision (or GATEHOUSE_API_TOKEN).") var apiToken: String?
    @Option(help: .hidden) var workerIndex: Int?
    @Option(help: .hidden) var workerCount: Int?
    @Option(help: .hidden) var tokensFile: String?
    /// Past this many devices a run spreads over worker processes; a process may hold 20,000 files here.
    @Option(help: .hidden) var devicesPerWorker = 18_000
    @Flag(help: "At the end, print one JSON object with every figure instead of the summary table.") var json = false

    /// The parent's arguments for its workers: its own, less what only the parent does.
    private func workerArguments(tokens: [String: String]) throws -> [String] {
        var arguments = ["run", self.scenario, "--host", self.host, "--port", "\(self.port)"]
        if let target { arguments += ["--target", target] }
        if let duration { arguments += ["--duration", duration] }
        if !tokens.isEmpty {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(
                "gatehouse-sim-tokens-\(UUID().uuidString).json")
            try JSONEncoder().encode(tokens).write(to: file)
            arguments += ["--tokens-file", file.path]
        }
        return arguments
    }

    /// A worker: plays its slice and writes a `WorkerUpdate` line a second, and a final one.
    private static func runAsWorker(_ runner: ScenarioRunner) async {
        signal(SIGINT, SIG_IGN)
        let run = Task { await runner.run() }
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT)
        interrupt.setEventHandler { run.cancel() }
        interrupt.resume()
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let start = ContinuousClock.now
        func emit(_ report: RunReport, final: Bool) {
            let update = WorkerUpdate(report: report, latencies: runner.statistics.latencyHistogram, final: final)
            if let line = try? encoder.encode(update) {
                FileHandle.standardOutput.write(line + Data("\n".utf8))
            }
        }
        let reporting = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard !Task.isCancelled else { return }
                emit(
                    runner.statistics.snapshot(
                        scenario: runner.scenario.name, devices: runner.scenario.deviceCount,
                        elapsed: ContinuousClock.now - start), final: false)
            }
        }
        let report = await run.value
        reporting.cancel()
        await reporting.value
        emit(report, final: true)
        interrupt.cancel()
    }

    func run() async throws {
        let scenario: Scenario
        do throws(ScenarioError) {
            scenario = try Scenario(contentsOfFile: self.scenario)
        } catch {
            throw ValidationError(error.description)
        }
        var runDuration: Duration?
        if let duration {
            guard let parsed = Duration(parsing: duration), parsed > .zero else {
                throw ValidationError("--duration: expected a duration such as 30s or 5m, got \"\(duration)\"")
            }
            runDuration = parsed
        }
        var targets = [GatewayAddress(host: self.host, port: self.port)]
        if let target {
            guard let list = GatewayAddress.list(parsing: target) else {
                throw ValidationError("--target: expected host:port,host:port..., got \"\(target)\"")
            }
            targets = list
        }
        var runner = ScenarioRunner(scenario: scenario, targets: targets, duration: runDuration)
        if let tokensFile {
            runner.tokens = try JSONDecoder().decode(
                [String: String].self, from: Data(contentsOf: URL(fileURLWithPath: tokensFile)))
        } else if self.provision {
            guard let api = self.api.flatMap(URL.init(string:)),
                let token = self.apiToken ?? ProcessInfo.processInfo.environment["GATEHOUSE_API_TOKEN"]
            else {
                throw ValidationError(
                    "--provision needs --api http://HOST:PORT and --api-token (or GATEHOUSE_API_TOKEN)")
            }
            runner.tokens = try await Provisioner(api: api, apiToken: token).provision(scenario)
            FileHandle.standardError.write(Data("provisioned \(runner.tokens.count) devices through \(api)\n".utf8))
        }
        if let workerIndex, let workerCount {
            runner.slice = (workerIndex, workerCount)
            await Self.runAsWorker(runner)
            return
        }
        // Ctrl-C ends the run early; the summary still comes.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT)
        let report: RunReport
        let workerCount = (scenario.deviceCount + self.devicesPerWorker - 1) / self.devicesPerWorker
        if workerCount > 1 {
            let workers = try WorkerProcesses(
                count: workerCount, arguments: try self.workerArguments(tokens: runner.tokens), scenario: scenario)
            interrupt.setEventHandler { workers.interrupt() }
            interrupt.resume()
            let display = ProgressDisplay(scenario: scenario, live: ProgressDisplay.isTerminal) { _ in workers.report }
            let progress = Task { await display.run() }
            report = await workers.finish()
            progress.cancel()
            await progress.value
        } else {
            let configured = runner
            let run = Task { await configured.run() }
            interrupt.setEventHandler { run.cancel() }
            interrupt.resume()
            let statistics = runner.statistics
            let display = ProgressDisplay(scenario: scenario, live: ProgressDisplay.isTerminal) { elapsed in
                statistics.snapshot(scenario: scenario.name, devices: scenario.deviceCount, elapsed: elapsed)
            }
            let progress = Task { await display.run() }
            report = await run.value
            progress.cancel()
            await progress.value
        }
        interrupt.cancel()

        if self.json {
            print(report.json())
        } else {
            print(Summary(report: report).text)
        }
        let failures = scenario.expectations.failures(of: report)
        for failure in failures {
            FileHandle.standardError.write(Data("expect failed: \(failure)\n".utf8))
        }
        if !failures.isEmpty {
            throw ExitCode(1)
        }
    }
}
