import Foundation
import Testing

@Suite("gatehouse device …")
struct DeviceCommandTests {
    @Test func addPrintsTheTokenAloneOnTheLastLineAndTheRegistryKeepsTheDevice() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }

        let added = try await GatehouseProcess.run([
            "device", "add", "thermo-1", "--profile", "thermostat", "--data-dir", data.path,
        ])
        #expect(added.status == 0)
        let token = try #require(added.stdout.split(separator: "\n").last.map(String.init))
        #expect(token.count >= 32 && token.allSatisfy(\.isHexDigit))

        let listed = try await GatehouseProcess.run(["device", "list", "--data-dir", data.path, "--json"])
        #expect(listed.status == 0)
        let devices = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        #expect(devices?.count == 1)
        #expect(devices?.first?["id"] as? String == "thermo-1")
        #expect(devices?.first?["profile"] as? String == "thermostat")

        let shown = try await GatehouseProcess.run(["device", "show", "thermo-1", "--data-dir", data.path])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("thermostat"))
        #expect(!shown.stdout.contains(token))

        // The token never reaches the disk.
        let files = try FileManager.default.contentsOfDirectory(atPath: data.path)
        for file in files {
            let bytes = try Data(contentsOf: data.appendingPathComponent(file))
            #expect(!String(decoding: bytes, as: UTF8.self).contains(token), "\(file) holds the token")
        }
    }

    @Test func rotateTokenPrintsANewTokenAloneOnTheLastLine() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let added = try await GatehouseProcess.run(["device", "add", "meter-1", "--data-dir", data.path])
        let rotated = try await GatehouseProcess.run(["device", "rotate-token", "meter-1", "--data-dir", data.path])
        #expect(rotated.status == 0)
        let old = added.stdout.split(separator: "\n").last
        let new = rotated.stdout.split(separator: "\n").last
        #expect(new != nil && new != old && new!.allSatisfy(\.isHexDigit))
    }

    @Test func removeForgetsTheDeviceAndErrorsAreReportedWithAFailureStatus() async throws {
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        _ = try await GatehouseProcess.run(["device", "add", "gone-1", "--data-dir", data.path])
        #expect(try await GatehouseProcess.run(["device", "remove", "gone-1", "--data-dir", data.path]).status == 0)

        let missing = try await GatehouseProcess.run(["device", "show", "gone-1", "--data-dir", data.path])
        #expect(missing.status != 0)
        let again = try await GatehouseProcess.run(["device", "remove", "gone-1", "--data-dir", data.path])
        #expect(again.status != 0)
        #expect(again.stderr.contains("gone-1"))
        let invalid = try await GatehouseProcess.run(["device", "add", "bad id!", "--data-dir", data.path])
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains("invalid device ID"))
        _ = try await GatehouseProcess.run(["device", "add", "twin", "--data-dir", data.path])
        let duplicate = try await GatehouseProcess.run(["device", "add", "twin", "--data-dir", data.path])
        #expect(duplicate.status != 0)
        #expect(duplicate.stderr.contains("already"))
    }
}
