import DFP
import Foundation
import Testing

/// The bundled vectors must be the shared ones, and every vector in them must be exercised.
@Suite("Vector fixture")
struct VectorFixtureTests {
    /// `shared/dfp-1/vectors.json` beside the repository, as laid out for developers and CI.
    static var sharedVectorsURL: URL {
        URL(fileURLWithPath: #filePath)  // <package>/Tests/DFPTests/VectorFixtureTests.swift
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("../shared/dfp-1/vectors.json")
            .standardizedFileURL
    }

    @Test func bundledCopyIsIdenticalToTheSharedVectors() throws {
        // Where shared/ is not beside the checkout (a lone clone) there is nothing to compare with.
        guard FileManager.default.fileExists(atPath: Self.sharedVectorsURL.path) else { return }
        let shared = try Data(contentsOf: Self.sharedVectorsURL)
        let bundled = try Data(contentsOf: try #require(VectorFile.bundledURL))
        #expect(
            bundled == shared,
            "Tests/DFPTests/Fixtures/vectors.json differs from \(Self.sharedVectorsURL.path); copy it again")
    }

    @Test func everyVectorHasAKindTheTestsCheck() throws {
        let file = try VectorFile.bundled.get()
        let unclassified = file.vectors.filter { $0.kind == nil }.map(\.name)
        #expect(unclassified.isEmpty, "vectors no test runs")
        // A vector file that lost its entries would otherwise pass by running nothing.
        #expect(file.vectors(of: .crcCheck).count == 1)
        #expect(file.vectors(of: .valid).count >= 13)
        #expect(file.vectors(of: .invalid).count >= 10)
        #expect(Set(file.vectors.map(\.name)).count == file.vectors.count, "vector names are unique")
    }

    @Test func everyMessageTypeAndFieldTypeHasAValidVector() throws {
        let valid = try VectorFile.bundledVectors(of: .valid)
        var typesSeen: Set<MessageType> = []
        var fieldTypesSeen: Set<FieldType> = []
        for vector in valid {
            var expectation = ExpectationReader(vector.expect)
            let packet = try expectation.packet()
            typesSeen.insert(packet.message.type)
            switch packet.message {
            case .telemetry(let telemetry): fieldTypesSeen.formUnion(telemetry.fields.map(\.value.type))
            case .event(let event): fieldTypesSeen.formUnion(event.fields.map(\.value.type))
            case .command(let command): fieldTypesSeen.formUnion(command.arguments.map(\.value.type))
            case .commandResult(let result): fieldTypesSeen.formUnion(result.fields.map(\.value.type))
            default: break
            }
        }
        #expect(typesSeen == Set(MessageType.allDefined))
        #expect(fieldTypesSeen == Set(FieldType.allCases))
    }
}
