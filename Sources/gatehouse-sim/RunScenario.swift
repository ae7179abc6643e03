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
    @Flag(help: "At the end, print one JSON object with every figure instead of the summary table.") var json = false

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
        if self.provision {
            guard let api = self.api.flatMap(URL.init(string:)),
                let token = self.apiToken ?? ProcessInfo.processInfo.environment["GATEHOUSE_API_TOKEN"]
            else {
                throw ValidationError(
                    "--provision needs --api http://HOST:PORT and --api-token (or GATEHOUSE_API_TOKEN)")
            }
            runner.tokens = try await Provisioner(api: api, apiToken: token).provision(scenario)
            FileHandle.standardError.write(Data("provisioned \(runner.tokens.count) devices through \(api)\n".utf8))
        }
        let display = ProgressDisplay(
            scenario: scenario, statistics: runner.statistics, live: isatty(STDOUT_FILENO) == 1)
        let configured = runner
        let run = Task { await configured.run() }
        // Ctrl-C ends the run early; the summary still comes.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT)
        interrupt.setEventHandler { run.cancel() }
        interrupt.resume()
        let progress = Task { await display.run() }
        let report = await run.value
        progress.cancel()
        await progress.value
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
