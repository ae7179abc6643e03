import Foundation
import Testing

@testable import GatehouseCore

@Suite struct DeviceRegistryTests {
    @Test func addShowListRotateRemoveRoundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let registry = try DeviceRegistry(dataDirectory: directory)
            let meterToken = try registry.add(id: "meter-7", profile: nil)
            let thermostatToken = try registry.add(id: "lab:thermo.1", profile: "thermostat")
            #expect(meterToken != thermostatToken)

            let thermostat = try #require(try registry.device(id: "lab:thermo.1"))
            #expect(thermostat.id == "lab:thermo.1")
            #expect(thermostat.profile == "thermostat")
            #expect(thermostat.tokenRotatedAtMs == thermostat.createdAtMs)
            #expect(try registry.device(id: "nobody") == nil)
            #expect(try registry.list().map(\.id) == ["lab:thermo.1", "meter-7"])
            #expect(try registry.list().first { $0.id == "meter-7" }?.profile == nil)

            let rotatedToken = try registry.rotateToken(id: "lab:thermo.1")
            #expect(rotatedToken != thermostatToken)
            let rotated = try #require(try registry.device(id: "lab:thermo.1"))
            #expect(rotated.createdAtMs == thermostat.createdAtMs)
            #expect(rotated.tokenRotatedAtMs >= thermostat.tokenRotatedAtMs)

            try registry.remove(id: "lab:thermo.1")
            #expect(try registry.device(id: "lab:thermo.1") == nil)
            #expect(try registry.list().map(\.id) == ["meter-7"])
            #expect(throws: RegistryError.notFound("lab:thermo.1")) { try registry.remove(id: "lab:thermo.1") }
            #expect(throws: RegistryError.notFound("ghost")) { try registry.rotateToken(id: "ghost") }
        }
    }

    @Test func tokensAreLowercaseHexOf128Bits() async throws {
        try await withTemporaryDirectory { directory in
            let registry = try DeviceRegistry(dataDirectory: directory)
            let token = try registry.add(id: "device-1", profile: nil)
            #expect(token.count == 32)
            #expect(token.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
    }

    @Test func addingAnExistingDeviceFails() async throws {
        try await withTemporaryDirectory { directory in
            let registry = try DeviceRegistry(dataDirectory: directory)
            let token = try registry.add(id: "device-1", profile: "thermostat")
            #expect(throws: RegistryError.alreadyExists("device-1")) {
                try registry.add(id: "device-1", profile: nil)
            }
            // The failed add left the original device and its token alone.
            #expect(try registry.device(id: "device-1")?.profile == "thermostat")
            #expect(try registry.authenticate(id: "device-1", token: token) != nil)
        }
    }

    @Test(arguments: ["", "has space", "slash/ed", "ümlaut", "semi;colon", String(repeating: "a", count: 65)])
    func invalidDeviceIDsAreRejected(id: String) async throws {
        try await withTemporaryDirectory { directory in
            let registry = try DeviceRegistry(dataDirectory: directory)
            #expect(throws: RegistryError.invalidDeviceID(id)) { try registry.add(id: id, profile: nil) }
            #expect(try registry.list().isEmpty)
        }
    }

    @Test func longestValidDeviceIDIsAccepted() async throws {
        try await withTemporaryDirectory { directory in
            let registry = try DeviceRegistry(dataDirectory: directory)
            let id = String(repeating: "a", count: 64)
            _ = try registry.add(id: id, profile: nil)
            #expect(try registry.device(id: id)?.id == id)
        }
    }

    @Test func authenticateAcceptsOnlyTheCurrentToken() async throws {
        try await withTemporaryDirectory { directory in
            let registry = try DeviceRegistry(dataDirectory: directory)
            let token = try registry.add(id: "tracker-9", profile: "gps-tracker")
            let other = try registry.add(id: "tracker-10", profile: nil)

            let record = try #require(try registry.authenticate(id: "tracker-9", token: token))
            #expect(record.id == "tracker-9")
            #expect(record.profile == "gps-tracker")
            #expect(try registry.authenticate(id: "tracker-9", token: other) == nil)
            #expect(try registry.authenticate(id: "tracker-9", token: "") == nil)
            #expect(try registry.authenticate(id: "tracker-9", token: token.uppercased()) == nil)
            #expect(try registry.authenticate(id: "unknown", token: token) == nil)
            #expect(try registry.authenticate(id: "not a valid id", token: token) == nil)

            let rotated = try registry.rotateToken(id: "tracker-9")
            #expect(try registry.authenticate(id: "tracker-9", token: token) == nil)
            #expect(try registry.authenticate(id: "tracker-9", token: rotated)?.id == "tracker-9")
        }
    }

    @Test func databaseFilesNeverContainTokens() async throws {
        try await withTemporaryDirectory { directory in
            var tokens: [String] = []
            do {
                let registry = try DeviceRegistry(dataDirectory: directory)
                for index in 0..<5 {
                    tokens.append(try registry.add(id: "device-\(index)", profile: nil))
                }
                tokens.append(try registry.rotateToken(id: "device-0"))
                // Read while the registry is open too: before a checkpoint the rows live in the -wal file.
                try expectNoFile(in: directory, contains: tokens)
            }
            try expectNoFile(in: directory, contains: tokens)
        }
    }

    @Test func secondInstanceSeesTheData() async throws {
        try await withTemporaryDirectory { directory in
            let token: String
            do {
                let first = try DeviceRegistry(dataDirectory: directory)
                token = try first.add(id: "device-1", profile: "power-meter")
            }
            let second = try DeviceRegistry(dataDirectory: directory)
            #expect(try second.device(id: "device-1")?.profile == "power-meter")
            #expect(try second.authenticate(id: "device-1", token: token) != nil)
        }
    }

    @Test func createsAMissingDataDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let nested = directory + "/data/registry"
            let registry = try DeviceRegistry(dataDirectory: nested)
            _ = try registry.add(id: "device-1", profile: nil)
            #expect(FileManager.default.fileExists(atPath: nested + "/registry.sqlite3"))
        }
    }

    @Test func twoRegistriesOnOneDirectoryWorkConcurrently() async throws {
        try await withTemporaryDirectory { directory in
            let registries = [
                try DeviceRegistry(dataDirectory: directory), try DeviceRegistry(dataDirectory: directory),
            ]
            let tasks = 8
            let devicesPerTask = 20
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        for device in 0..<devicesPerTask {
                            let id = "task-\(task)-device-\(device)"
                            let token = try registries[device % 2].add(id: id, profile: nil)
                            #expect(try registries[(device + 1) % 2].authenticate(id: id, token: token) != nil)
                            let rotated = try registries[(device + task) % 2].rotateToken(id: id)
                            #expect(try registries[device % 2].authenticate(id: id, token: rotated) != nil)
                            _ = try registries[task % 2].list()
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try registries[0].list().count == tasks * devicesPerTask)
        }
    }

    @Test func processesOpeningANewDirectoryAtOnceCreateTheSchemaOnce() async throws {
        try await withTemporaryDirectory { directory in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let registry = try DeviceRegistry(dataDirectory: directory)
                        _ = try registry.add(id: "device-\(index)", profile: nil)
                    }
                }
                try await group.waitForAll()
            }
            let registry = try DeviceRegistry(dataDirectory: directory)
            #expect(try registry.list().count == 8)
        }
    }

    @Test func refusesADatabaseFromANewerSchema() async throws {
        try await withTemporaryDirectory { directory in
            _ = try DeviceRegistry(dataDirectory: directory)
            do {
                let database = try SQLiteDatabase(path: directory + "/registry.sqlite3", busyTimeoutMs: 1_000)
                try database.execute("PRAGMA user_version = 99", operation: "simulating a newer Gatehouse")
            }
            #expect(
                throws: RegistryError.unsupportedSchemaVersion(found: 99, supported: RegistrySchema.migrations.count)
            ) {
                try DeviceRegistry(dataDirectory: directory)
            }
        }
    }

    @Test func sqliteErrorsCarrySQLitesMessage() async throws {
        try await withTemporaryDirectory { directory in
            // A directory where the database file should be cannot be opened as a database.
            try FileManager.default.createDirectory(
                atPath: directory + "/registry.sqlite3", withIntermediateDirectories: true)
            let error = try #require(throws: RegistryError.self) { try DeviceRegistry(dataDirectory: directory) }
            guard case .sqlite(_, _, let message) = error else {
                Issue.record("expected an SQLite error, got \(error)")
                return
            }
            #expect(!message.isEmpty)
            #expect(error.description.contains(message))
            #expect(error.description.contains("registry.sqlite3"))
        }
    }

    @Test func constantTimeEqualsComparesWholeArrays() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(constantTimeEquals([], []))
        #expect(!constantTimeEquals([1, 2, 3], [0, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
    }

    private func expectNoFile(in directory: String, contains tokens: [String]) throws {
        let fileNames = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(fileNames.contains("registry.sqlite3"))
        for fileName in fileNames {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(fileName))
            for token in tokens {
                #expect(bytes.range(of: Data(token.utf8)) == nil, "token found in \(fileName)")
            }
        }
    }
}
