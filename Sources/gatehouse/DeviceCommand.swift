import ArgumentParser
import Foundation
import GatehouseCore

struct DeviceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Manage the device registry: who may connect, with which token and profile.",
        subcommands: [Add.self, List.self, Show.self, Remove.self, RotateToken.self]
    )

    struct RegistryOptions: ParsableArguments {
        @Option(help: "Where the registry lives; the same folder `serve` uses (default ./gatehouse-data).")
        var dataDir = GatewaySettings().dataDirectory

        func open() throws -> DeviceRegistry {
            try DeviceRegistry(dataDirectory: self.dataDir)
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a device and print its token (the token alone on the last line)."
        )

        @OptionGroup var registry: RegistryOptions
        @Argument(help: "The device ID: 1 to 64 characters of A-Z a-z 0-9 . _ : -") var id: String
        @Option(help: "The device profile (devices/NAME.yaml); wins over the one the device announces.")
        var profile: String?

        func run() throws {
            let token = try self.registry.open().add(id: self.id, profile: self.profile)
            print("added device \(self.id)" + (self.profile.map { " with profile \($0)" } ?? ""))
            print("token (shown once; the registry keeps only a salted hash):")
            print(token)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered devices.")

        @OptionGroup var registry: RegistryOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() throws {
            let devices = try self.registry.open().list()
            if self.json {
                print(try DeviceRecordJSON.render(devices))
                return
            }
            let rows = devices.map { [$0.id, $0.profile ?? "-", DeviceRecordJSON.isoDate($0.createdAtMs)] }
            TextTable.print(header: ["ID", "PROFILE", "CREATED"], rows: rows)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one registered device.")

        @OptionGroup var registry: RegistryOptions
        @Argument var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            guard let device = try self.registry.open().device(id: self.id) else {
                throw ValidationError("no device \(self.id) in the registry")
            }
            if self.json {
                print(try DeviceRecordJSON.render(device))
                return
            }
            print("id:               \(device.id)")
            print("profile:          \(device.profile ?? "-")")
            print("created:          \(DeviceRecordJSON.isoDate(device.createdAtMs))")
            print("token rotated:    \(DeviceRecordJSON.isoDate(device.tokenRotatedAtMs))")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a device; it can no longer log in.")

        @OptionGroup var registry: RegistryOptions
        @Argument var id: String

        func run() throws {
            try self.registry.open().remove(id: self.id)
            print("removed device \(self.id)")
        }
    }

    struct RotateToken: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-token",
            abstract: "Give a device a new token (alone on the last line); the old one stops working."
        )

        @OptionGroup var registry: RegistryOptions
        @Argument var id: String

        func run() throws {
            let token = try self.registry.open().rotateToken(id: self.id)
            print("new token for \(self.id) (shown once):")
            print(token)
        }
    }
}
