import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

/// The invalid vectors of DFP/1, each sent to a real gateway in the state its `when` names.
struct InvalidVector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var error: UInt16
    var when: String

    var testDescription: String { "\(self.name) (\(self.when)) → ERROR \(self.error)" }

    static let all: [InvalidVector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DFPTests/Fixtures/vectors.json")
        struct File: Decodable {
            struct Vector: Decodable {
                struct Expect: Decodable {
                    var error: UInt16?
                    var when: String?
                }
                var name: String
                var hex: String
                var expect: Expect
            }
            var vectors: [Vector]
        }
        let file = try! JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        return file.vectors.compactMap { vector in
            guard let error = vector.expect.error, let when = vector.expect.when else { return nil }
            return InvalidVector(name: vector.name, bytes: [UInt8](hex: vector.hex), error: error, when: when)
        }
    }()
}

extension [UInt8] {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self = bytes
    }
}

@Suite("Every bad input gets its ERROR code and a closed connection")
struct ErrorPathTests {
    @Test func theVectorFileHasInvalidVectors() {
        #expect(InvalidVector.all.count >= 10)
    }

    @Test(arguments: InvalidVector.all)
    func invalidVectorIsAnsweredWithItsCode(vector: InvalidVector) async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("bystander")
        let (bystander, _) = try await gateway.login("bystander", token: token)

        // "any" vectors are checked both before HELLO and in a session.
        var states = [vector.when]
        if vector.when == "any" { states = ["before_hello", "in_session"] }
        for state in states {
            let device: DeviceConnection
            if state == "in_session" {
                let victimToken = try gateway.register("victim")
                (device, _) = try await gateway.login("victim", token: victimToken)
            } else {
                device = try await gateway.connect()
            }
            try await device.sendRaw(vector.bytes)
            #expect(try await device.expectError() == ErrorCode(rawValue: vector.error), "state \(state)")
            #expect(try await device.isClosed())
        }

        // Nothing else was disturbed.
        try await bystander.send(.ping, seq: 5)
        #expect(try await bystander.receive() == Packet(.pong, seq: 5))
        await bystander.close()
        try await gateway.stop()
    }

    @Test func anyFrameButHelloBeforeWelcomeGetsError5() async throws {
        let gateway = try await TestGateway.start()
        let unknownType: [UInt8] = [0x44, 0x46, 0x01, 0x33, 0x00, 0x00, 0x01, 0x00, 0x00, 0xC3, 0x62]
        for send in [
            { (device: DeviceConnection) in try await device.send(.ping, seq: 1) },
            { (device: DeviceConnection) in
                try await device.send(.telemetry(Telemetry(timestampMs: 0, fields: [])), seq: 1)
            },
            { (device: DeviceConnection) in try await device.sendRaw(unknownType) },
        ] {
            let device = try await gateway.connect()
            try await send(device)
            #expect(try await device.expectError() == .notAuthenticated)
            #expect(try await device.isClosed())
        }
        try await gateway.stop()
    }

    @Test func aSecondHelloInASessionGetsError11() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("twice")
        let (device, _) = try await gateway.login("twice", token: token)
        try await device.send(.hello(Hello(deviceID: "twice", token: token)), seq: 2)
        #expect(try await device.expectError() == .invalidPayload)
        #expect(try await device.isClosed())
        let statuses = try await gateway.sink.waitForStatuses(of: "twice", count: 2)
        #expect(statuses.map(\.reason) == [.hello, .error])
        try await gateway.stop()
    }

    @Test(arguments: [
        Message.welcome(Welcome(heartbeatSeconds: 1, serverTimeMs: 0, sessionID: "s")),
        .pong,
        .command(Command(commandID: 1, name: "x", arguments: [])),
    ])
    func framesOnlyAGatewaySendsGetError11(message: Message) async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("confused")
        let (device, _) = try await gateway.login("confused", token: token)
        try await device.send(message, seq: 2)
        #expect(try await device.expectError() == .invalidPayload)
        #expect(try await device.isClosed())
        try await gateway.stop()
    }

    @Test func aLargerMaxPayloadAcceptsTheFrameTheDefaultRefuses() async throws {
        let gateway = try await TestGateway.start { $0.maxPayload = 65535 }
        let token = try gateway.register("big")
        let (device, _) = try await gateway.login("big", token: token)
        let blob = Field(tag: 1, value: .bytes([UInt8](repeating: 0xAB, count: 60_000)))
        try await device.send(.telemetry(Telemetry(timestampMs: 1, fields: [blob])), seq: 6, flags: .ackRequested)
        #expect(try await device.receive() == Packet(.ack, seq: 6))
        await device.close()
        try await gateway.stop()
    }
}
