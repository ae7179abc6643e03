import ArgumentParser
import DFP
import Foundation
import GatehouseCore
import Simulator

@main
struct GatehouseSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse-sim",
        abstract: "Plays DFP/1 devices against a Gatehouse gateway over real TCP.",
        subcommands: [RunScenario.self, PlayDevice.self]
    )
}

struct PlayDevice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Play one device: prints every frame it gets, answers commands, sends telemetry.",
        discussion: """
            Type telemetry on standard input, one TELEMETRY frame with ACK_REQ a line: NAME=VALUE pairs in \
            the profile's units (`temperature=21.5 mode=auto` for a thermostat), or raw TAG:TYPE=VALUE \
            pairs (`1:i16=215`). Commands are printed with their arguments named by the profile and \
            answered `ok`.
            """
    )

    @Option(help: "The device ID.") var id: String
    @Option(help: "The device's token (from `gatehouse device add`).") var token = ""
    @Option(help: "The profile announced in HELLO, and read from --devices-dir to name fields.") var profile = ""
    @Option(help: "The folder of device profiles.") var devicesDir = "devices"
    @Option(help: "The firmware version announced in HELLO.") var firmware = "sim-1.0"
    @Option var host = "127.0.0.1"
    @Option var port = 7300
    @Option(help: "Heartbeat to request, in seconds (0 = the gateway's default).") var heartbeat: UInt16 = 0
    @Option(help: "Seconds between telemetry frames.") var interval: Double = 2
    @Option(
        name: .customLong("field"),
        help: "A generated telemetry field, TAG:TYPE:MIN..MAX (a random walk), e.g. 1:i16:180..260. Repeatable."
    )
    var fields: [String] = []
    @Flag(help: "Send telemetry without ACK_REQ.") var noAck = false
    @Flag(help: "Print only errors.") var quiet = false

    func run() async throws {
        let generators = try self.fields.map { argument in
            guard let generator = FieldPattern(argument: argument) else {
                throw ValidationError("--field \(argument): expected TAG:TYPE:MIN..MAX such as 1:i16:180..260")
            }
            return generator
        }
        let device = SimulatedDevice(
            host: self.host,
            port: self.port,
            hello: Hello(
                deviceID: self.id, token: self.token, profile: self.profile, firmware: self.firmware,
                heartbeatSeconds: self.heartbeat),
            interval: .milliseconds(Int64(self.interval * 1000)),
            fields: generators,
            ackRequested: !self.noAck
        )
        let profile = self.loadProfile()
        let quiet = self.quiet
        let id = self.id
        let typing = TypedTelemetry(profile: profile)
        let typed = AsyncStream<[Field]> { continuation in
            Thread.detachNewThread {
                while let line = Swift.readLine() {
                    do {
                        continuation.yield(try typing.fields(from: line))
                    } catch {
                        FileHandle.standardError.write(Data("\(error)\n".utf8))
                    }
                }
                continuation.finish()
            }
        }
        do {
            try await device.run(typed: typed) { packet in
                guard !quiet else { return }
                if case .command(let command) = packet.message, let profile {
                    let arguments = profile.commandArgumentValues(name: command.name, fields: command.arguments)
                    Self.say(
                        "\(id) ← seq \(packet.seq) COMMAND #\(command.commandID) \(command.name) "
                            + arguments.map(\.description).joined(separator: " ") + " (answered ok)")
                } else {
                    Self.say("\(id) ← seq \(packet.seq) \(packet.message)")
                }
            }
        } catch let ended as SimulatedDevice.Ended {
            throw ValidationError("\(id): \(ended)")
        }
    }

    /// A line straight to standard output: `print` holds lines back when that is a pipe or a file,
    /// where whoever reads the frames needs them as they come.
    private static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// The announced profile as `--devices-dir` has it; a device may announce one this machine lacks, and
    /// then fields are typed by tag.
    private func loadProfile() -> DeviceProfile? {
        guard !self.profile.isEmpty else { return nil }
        let found = try? ProfileCatalog(directory: self.devicesDir).profile(named: self.profile)
        if found == nil {
            FileHandle.standardError.write(
                Data("no profile \"\(self.profile)\" in \(self.devicesDir)/: type telemetry as TAG:TYPE=VALUE\n".utf8))
        }
        return found
    }
}
