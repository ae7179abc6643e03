import Foundation
import GatehouseCore
import Testing

@Suite struct ProfileCatalogTests {
    /// A malformed profile, the line the error should point at, and the problem it should name.
    struct MalformedProfile: CustomTestStringConvertible, Sendable {
        var yaml: String
        var line: Int
        var problem: String
        var testDescription: String { problem }
    }

    static let allTypes = "bool, i8, u8, i16, u16, i32, u32, i64, u64, f32, f64, str, bytes"

    static let malformedProfiles: [MalformedProfile] = [
        MalformedProfile(
            yaml: "telemetry:\n  1: { name: temperature, type: int16 }\n", line: 2,
            problem: #"telemetry tag 1: unknown type "int16" (expected one of \#(allTypes))"#),
        MalformedProfile(
            yaml: "telemetry:\n  1: { name: temperature, type: i16, scael: 0.1 }\n", line: 2,
            problem: #"telemetry tag 1: unknown key "scael" (expected one of name, type, unit, scale)"#),
        MalformedProfile(
            yaml: "description: x\ntelemtry:\n  1: { name: a, type: u8 }\n", line: 2,
            problem: #"unknown key "telemtry" (expected one of description, telemetry, events, commands)"#),
        MalformedProfile(
            yaml: "telemetry:\n  0: { name: a, type: u8 }\n", line: 2,
            problem: "telemetry: tag 0 is out of range (expected 1...255)"),
        MalformedProfile(
            yaml: "telemetry:\n  256: { name: a, type: u8 }\n", line: 2,
            problem: "telemetry: tag 256 is out of range (expected 1...255)"),
        MalformedProfile(
            yaml: "telemetry:\n  temperature: { name: a, type: u8 }\n", line: 2,
            problem: #"telemetry: tag "temperature" is not an integer (expected 1...255)"#),
        MalformedProfile(
            yaml: "telemetry:\n  1: { name: a, type: u8 }\n  0x01: { name: b, type: u8 }\n", line: 3,
            problem: "telemetry: tag 1 is defined twice"),
        MalformedProfile(
            yaml: "events:\n  codes:\n    65536: too_big\n", line: 3,
            problem: "events.codes: event code 65536 is out of range (expected 0...65535)"),
        MalformedProfile(
            yaml: "events:\n  codes:\n    -1: negative\n", line: 3,
            problem: "events.codes: event code -1 is out of range (expected 0...65535)"),
        MalformedProfile(
            yaml: "events:\n  codes:\n    1: alarm\n    2: alarm\n", line: 4,
            problem: #"events.codes code 2: name "alarm" is already used by code 1"#),
        MalformedProfile(
            yaml: "events:\n  codes:\n    1: \"\"\n", line: 3,
            problem: "events.codes code 1: name must not be empty"),
        MalformedProfile(
            yaml: "telemetry:\n  1: { name: \"\", type: u8 }\n", line: 2,
            problem: "telemetry tag 1: name must not be empty"),
        MalformedProfile(
            yaml: "telemetry:\n  1: { type: u8 }\n", line: 2,
            problem: #"telemetry tag 1: missing "name""#),
        MalformedProfile(
            yaml: "telemetry:\n  1: { name: a }\n", line: 2,
            problem: #"telemetry tag 1: missing "type""#),
        MalformedProfile(
            yaml: "telemetry:\n  1: { name: temperature, type: i16 }\n  2: { name: temperature, type: i16 }\n",
            line: 3, problem: #"telemetry tag 2: name "temperature" is already used by tag 1"#),
        MalformedProfile(
            yaml: "events:\n  fields:\n    1: { name: where, type: str }\n    7: { name: where, type: str }\n",
            line: 4, problem: #"events.fields tag 7: name "where" is already used by tag 1"#),
        MalformedProfile(
            yaml: "commands:\n  go:\n    args:\n      a: { tag: 1, type: u8 }\n      b: { tag: 1, type: u8 }\n",
            line: 5, problem: "command go argument b: tag 1 is already used by argument a"),
        MalformedProfile(
            yaml: "commands:\n  go:\n    args:\n      a: { tag: 300, type: u8 }\n", line: 4,
            problem: "command go argument a: tag 300 is out of range (expected 1...255)"),
        MalformedProfile(
            yaml: "commands:\n  go:\n    args:\n      a: { type: u8 }\n", line: 4,
            problem: #"command go argument a: missing "tag""#),
        MalformedProfile(
            yaml: "commands:\n  go:\n    argz:\n      a: { tag: 1, type: u8 }\n", line: 3,
            problem: #"command go: unknown key "argz" (expected one of args, result)"#),
        MalformedProfile(
            yaml: "commands:\n  go:\n    result:\n      1: { name: a, type: u8 }\n      2: { name: a, type: u8 }\n",
            line: 5, problem: #"command go result tag 2: name "a" is already used by tag 1"#),
        MalformedProfile(
            yaml: "telemetry:\n  1: { name: a, type: u8, scale: 0 }\n", line: 2,
            problem: "telemetry tag 1: scale must be a finite, non-zero number, not 0.0"),
        MalformedProfile(
            yaml: "telemetry:\n  1: { name: a, type: u8, scale: .inf }\n", line: 2,
            problem: "telemetry tag 1: scale must be a finite, non-zero number, not inf"),
        MalformedProfile(
            yaml: "telemetry:\n  1: { name: a, type: u8, scale: tenth }\n", line: 2,
            problem: #"telemetry tag 1: scale "tenth" is not a number"#),
        MalformedProfile(
            yaml: "telemetry:\n  1: { name: a, type: str, scale: 0.1 }\n", line: 2,
            problem: "telemetry tag 1: scale applies only to numbers, not to str"),
        MalformedProfile(
            yaml: "telemetry:\n  - temperature\n", line: 2,
            problem: "telemetry: expected a mapping"),
        MalformedProfile(
            yaml: "- telemetry\n", line: 1,
            problem: "expected a mapping with description, telemetry, events, commands"),
    ]

    @Test(arguments: malformedProfiles)
    func malformedProfileNamesFileLineAndProblem(_ malformed: MalformedProfile) async throws {
        try await withTemporaryDirectory { directory in
            let error = try #require(throws: ProfileError.self) {
                try catalog(in: directory, files: ["thermostat.yaml": malformed.yaml])
            }
            let path = directory + "/thermostat.yaml"
            #expect(error.file == path)
            #expect(error.line == malformed.line)
            #expect(error.problem == malformed.problem)
            #expect(error.description.hasPrefix("\(path):\(malformed.line):"))
            #expect(error.description.hasSuffix(": \(malformed.problem)"))
        }
    }

    @Test func yamlSyntaxErrorHasLineAndColumn() async throws {
        try await withTemporaryDirectory { directory in
            let yaml = "description: ok\ntelemetry:\n  1: { name: a, type: u8\n  2: { name: b, type: u8 }\n"
            let error = try #require(throws: ProfileError.self) {
                try catalog(in: directory, files: ["broken.yaml": yaml])
            }
            #expect(error.file == directory + "/broken.yaml")
            #expect(error.line != nil)
            #expect(error.column != nil)
            #expect(error.problem.hasPrefix("YAML syntax error: "))
        }
    }

    @Test func duplicateYAMLKeysAreReported() async throws {
        try await withTemporaryDirectory { directory in
            let yaml = "telemetry:\n  1: { name: a, type: u8 }\n  1: { name: b, type: u8 }\n"
            let error = try #require(throws: ProfileError.self) {
                try catalog(in: directory, files: ["dup.yaml": yaml])
            }
            #expect(error.file == directory + "/dup.yaml")
            #expect(error.problem.contains(#"duplicate key "1""#))
        }
    }

    @Test func onlyVisibleYAMLFilesAreProfiles() async throws {
        try await withTemporaryDirectory { directory in
            let catalog = try catalog(
                in: directory,
                files: [
                    "sensor.yaml": "telemetry:\n  1: { name: level, type: u8 }\n",
                    "README.md": "not: [valid",
                    "old.yml": "not: [valid",
                    ".sensor.yaml.swp": "not: [valid",
                    ".#sensor.yaml": "not: [valid",
                ])
            #expect(catalog.names == ["sensor"])
            #expect(catalog.profile(named: "sensor")?.telemetry[1]?.name == "level")
        }
    }

    @Test func emptySectionsAndFilesAreFine() async throws {
        try await withTemporaryDirectory { directory in
            let catalog = try catalog(
                in: directory,
                files: [
                    "blank.yaml": "",
                    "commented.yaml": "# nothing yet\ntelemetry:\nevents:\ncommands:\n  ping:\n",
                ])
            #expect(catalog.names == ["blank", "commented"])
            #expect(catalog.profile(named: "blank") == DeviceProfile(name: "blank"))
            #expect(
                catalog.profile(named: "commented")
                    == DeviceProfile(name: "commented", commands: ["ping": CommandSpec()]))
        }
    }

    @Test func anEmptyDirectoryIsFine() async throws {
        try await withTemporaryDirectory { directory in
            let catalog = try ProfileCatalog(directory: directory)
            #expect(catalog.names.isEmpty)
        }
    }

    @Test func aMissingDirectoryIsAnError() async throws {
        try await withTemporaryDirectory { directory in
            let missing = directory + "/devices"
            #expect(throws: ProfileError(file: missing, problem: "the profile directory does not exist")) {
                try ProfileCatalog(directory: missing)
            }
            #expect(
                ProfileError(file: missing, problem: "the profile directory does not exist").description
                    == "\(missing): the profile directory does not exist")
        }
    }

    @Test func catalogBuiltInCode() {
        let catalog = ProfileCatalog(profiles: [DeviceProfile(name: "b"), DeviceProfile(name: "a")])
        #expect(catalog.names == ["a", "b"])
        #expect(catalog.profile(named: "a") == DeviceProfile(name: "a"))
    }

    private func catalog(in directory: String, files: [String: String]) throws -> ProfileCatalog {
        for (name, contents) in files {
            try contents.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        return try ProfileCatalog(directory: directory)
    }
}
