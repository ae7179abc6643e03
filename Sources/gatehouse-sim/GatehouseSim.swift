import ArgumentParser
import DFP
import Foundation
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
            Type telemetry on standard input as TAG:TYPE=VALUE pairs, e.g. `1:i16=215 2:u8=40`; each line \
            is sent as one TELEMETRY frame with ACK_REQ.
            """
    )

    @Option(help: "The device ID.") var id: String
    @Option(help: "The device's token (from `gatehouse device add`).") var token = ""
    @Option(help: "The profile announced in HELLO.") var profile = ""
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
        let quiet = self.quiet
        let id = self.id
        let typed = AsyncStream<String> { continuation in
            Thread.detachNewThread {
                while let line = Swift.readLine() {
                    continuation.yield(line)
                }
                continuation.finish()
            }
        }
        do {
            try await device.run(typed: typed) { packet in
                if !quiet {
                    print("\(id) ← seq \(packet.seq) \(packet.message)")
                }
            }
        } catch let ended as SimulatedDevice.Ended {
            throw ValidationError("\(id): \(ended)")
        }
    }
}
