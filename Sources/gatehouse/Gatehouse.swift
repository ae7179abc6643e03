import ArgumentParser

@main
struct Gatehouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract:
            "An IoT device communication server: DFP/1 devices over TCP, sessions, heartbeats and a device registry.",
        subcommands: [Serve.self, DeviceCommand.self],
        defaultSubcommand: Serve.self
    )
}
