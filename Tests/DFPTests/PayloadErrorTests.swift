import DFP
import NIOCore
import Testing

/// A payload must match its type exactly: anything truncated, left over or out of range is ERROR 11,
/// a type DFP/1 does not define is ERROR 12.
@Suite("Payload checks")
struct PayloadErrorTests {
    static let helloPayload = payloadBytes(
        of: .hello(Hello(deviceID: "thermo-0001", token: "s3cret", heartbeatSeconds: 30)))

    /// A TELEMETRY payload (timestamp 0) followed by raw TLV bytes.
    static func telemetry(_ tlv: [UInt8]) -> [UInt8] {
        [UInt8](repeating: 0, count: 8) + tlv
    }

    @Test(arguments: [Message.ping, .pong, .ack, .bye])
    func emptyTypesRefuseAnyPayloadByte(message: Message) {
        #expect(decode(message.type, payload: []) == .message(message))
        #expect(decode(message.type, payload: [0x00]) == .error(.invalidPayload))
    }

    @Test func trailingBytesAfterFixedPayloadsAreRefused() {
        #expect(
            decode(.hello, payload: Self.helloPayload)
                == .message(.hello(Hello(deviceID: "thermo-0001", token: "s3cret", heartbeatSeconds: 30))))
        #expect(decode(.hello, payload: Self.helloPayload + [0x00]) == .error(.invalidPayload))
        let welcome = payloadBytes(of: .welcome(Welcome(heartbeatSeconds: 30, serverTimeMs: 1, sessionID: "s-1")))
        #expect(decode(.welcome, payload: welcome + [0x41]) == .error(.invalidPayload))
        let error = payloadBytes(of: .error(ErrorReport(code: .crcMismatch, message: "CRC mismatch")))
        #expect(decode(.error, payload: error + [0x00, 0x00]) == .error(.invalidPayload))
    }

    @Test func everyTruncationOfAFixedLayoutPayloadIsRefused() {
        let payloads: [(MessageType, [UInt8])] = [
            (.hello, Self.helloPayload),
            (.welcome, payloadBytes(of: .welcome(Welcome(heartbeatSeconds: 30, serverTimeMs: 1, sessionID: "s-1")))),
            (.error, payloadBytes(of: .error(ErrorReport(code: .rateLimited, message: "slow down")))),
        ]
        for (type, payload) in payloads {
            for length in 0..<payload.count {
                #expect(
                    decode(type, payload: Array(payload.prefix(length))) == .error(.invalidPayload), "\(type) \(length)"
                )
            }
        }
    }

    @Test func truncationsOfFieldPayloadsAreRefusedOrEndOnAFieldBoundary() throws {
        // A TLV list runs to the end of the payload, so a cut between two fields is a shorter valid list;
        // a cut anywhere else is ERROR 11.
        let fields = [
            Field(tag: 1, value: .i16(215)), Field(tag: 2, value: .string("ok")),
            Field(tag: 3, value: .bytes([1, 2, 3])),
            Field(tag: 4, value: .f64(-0.25)),
        ]
        let messages: [Message] = [
            .telemetry(Telemetry(timestampMs: 1, fields: fields)),
            .event(Event(timestampMs: 1, code: 17, fields: fields)),
            .command(Command(commandID: 9, name: "set", arguments: fields)),
            .commandResult(CommandResult(commandID: 9, status: .busy, fields: fields)),
        ]
        for message in messages {
            let payload = payloadBytes(of: message)
            let fieldLengths = fields.map { field in
                var buffer = ByteBuffer()
                return buffer.writeFields([field])
            }
            // payload length -> number of whole fields in it, for each cut between two fields
            var offset = payload.count - fieldLengths.reduce(0, +)
            var boundaries: [Int: Int] = [offset: 0]
            for (index, length) in fieldLengths.enumerated() {
                offset += length
                boundaries[offset] = index + 1
            }
            #expect(offset == payload.count)
            for length in 0..<payload.count {
                let outcome = decode(message.type, payload: Array(payload.prefix(length)))
                if let wholeFields = boundaries[length] {
                    #expect(
                        outcome == .message(Self.replacingFields(of: message, with: Array(fields.prefix(wholeFields)))))
                } else {
                    #expect(outcome == .error(.invalidPayload), "\(message.type) cut at \(length)")
                }
            }
        }
    }

    static func replacingFields(of message: Message, with fields: [Field]) -> Message {
        switch message {
        case .telemetry(var telemetry):
            telemetry.fields = fields
            return .telemetry(telemetry)
        case .event(var event):
            event.fields = fields
            return .event(event)
        case .command(var command):
            command.arguments = fields
            return .command(command)
        case .commandResult(var result):
            result.fields = fields
            return .commandResult(result)
        default: return message
        }
    }

    /// Byte sequences that are not UTF-8: a lone continuation byte, a truncated sequence, an overlong
    /// "/", a UTF-16 surrogate, a code point above U+10FFFF and a byte that never occurs in UTF-8.
    static let invalidUTF8: [[UInt8]] = [
        [0x80], [0xC3], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF],
    ]

    @Test(arguments: invalidUTF8)
    func invalidUTF8IsRefusedInEveryStr8(bytes: [UInt8]) {
        #expect(decode(.telemetry, payload: Self.telemetry([0x01, 0x0C] + str8(bytes))) == .error(.invalidPayload))
        let hello = str8("d") + str8(bytes) + str8("") + str8("") + [0x00, 0x00]
        #expect(decode(.hello, payload: hello) == .error(.invalidPayload))
        #expect(decode(.error, payload: [0x00, 0x01] + str8(bytes)) == .error(.invalidPayload))
        #expect(decode(.command, payload: [0, 0, 0, 1] + str8(bytes)) == .error(.invalidPayload))
        #expect(
            decode(.welcome, payload: [0, 30] + [UInt8](repeating: 0, count: 8) + str8(bytes))
                == .error(.invalidPayload))
    }

    @Test func validMultiByteUTF8IsAccepted() {
        let text = "Grüße, 温度 😀"
        #expect(
            decode(.telemetry, payload: Self.telemetry([0x01, 0x0C] + str8(text)))
                == .message(.telemetry(Telemetry(timestampMs: 0, fields: [Field(tag: 1, value: .string(text))]))))
    }

    @Test func boolMustBeZeroOrOne() {
        #expect(
            decode(.telemetry, payload: Self.telemetry([0x01, 0x01, 0x00, 0x02, 0x01, 0x01]))
                == .message(
                    .telemetry(
                        Telemetry(
                            timestampMs: 0,
                            fields: [Field(tag: 1, value: .bool(false)), Field(tag: 2, value: .bool(true))]))))
        #expect(decode(.telemetry, payload: Self.telemetry([0x01, 0x01, 0x02])) == .error(.invalidPayload))
        #expect(decode(.telemetry, payload: Self.telemetry([0x01, 0x01, 0xFF])) == .error(.invalidPayload))
    }

    @Test func fieldTagZeroIsRefused() {
        #expect(decode(.telemetry, payload: Self.telemetry([0x00, 0x03, 0x07])) == .error(.invalidPayload))
        #expect(
            decode(.telemetry, payload: Self.telemetry([0xFF, 0x03, 0x07]))
                == .message(.telemetry(Telemetry(timestampMs: 0, fields: [Field(tag: 255, value: .u8(7))]))))
    }

    @Test(arguments: [0x00, 0x0E, 0x20, 0x7F, 0xFF] as [UInt8])
    func unknownFieldTypesAreRefused(type: UInt8) {
        #expect(decode(.telemetry, payload: Self.telemetry([0x01, type, 0x00])) == .error(.invalidPayload))
    }

    @Test func lengthsRunningPastThePayloadAreRefused() {
        #expect(
            decode(.telemetry, payload: Self.telemetry([0x01, 0x0D, 0x00, 0x03, 0xAA, 0xBB])) == .error(.invalidPayload)
        )
        #expect(decode(.telemetry, payload: Self.telemetry([0x01, 0x0C, 0x03, 0x61, 0x62])) == .error(.invalidPayload))
        #expect(decode(.telemetry, payload: Self.telemetry([0x01])) == .error(.invalidPayload))
        #expect(
            decode(.telemetry, payload: Self.telemetry([0x01, 0x08, 0, 0, 0, 0, 0, 0, 0])) == .error(.invalidPayload))
    }

    @Test func commandStatusBeyondBusyIsRefused() {
        for status in CommandStatus.allCases {
            #expect(
                decode(.commandResult, payload: [0, 0, 0, 9, status.rawValue])
                    == .message(.commandResult(CommandResult(commandID: 9, status: status, fields: []))))
        }
        #expect(decode(.commandResult, payload: [0, 0, 0, 9, 4]) == .error(.invalidPayload))
        #expect(decode(.commandResult, payload: [0, 0, 0, 9, 0xFF]) == .error(.invalidPayload))
    }

    static func hello(deviceID: [UInt8]) -> [UInt8] {
        str8(deviceID) + str8("token") + str8("") + str8("") + [0x00, 0x00]
    }

    @Test func deviceIDsOutsideTheGrammarAreRefused() {
        let refused: [String] = [
            "", String(repeating: "a", count: 65), "bad id", "a/b", "a\u{0}", "café", "a\tb", "a@b", "a+b",
        ]
        for id in refused {
            #expect(decode(.hello, payload: Self.hello(deviceID: Array(id.utf8))) == .error(.invalidPayload), "\(id)")
            #expect(!Hello.isValidDeviceID(id), "\(id)")
        }
    }

    @Test func deviceIDsInsideTheGrammarAreAccepted() {
        let accepted: [String] = [
            "d", String(repeating: "a", count: 64), "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz",
            "0123456789", "thermo-0001", "site.3:pump_7-b",
        ]
        for id in accepted {
            #expect(
                decode(.hello, payload: Self.hello(deviceID: Array(id.utf8)))
                    == .message(.hello(Hello(deviceID: id, token: "token"))), "\(id)")
        }
    }

    @Test func everyTypeOutsideDFP1IsUnknown() {
        let defined = Set(MessageType.allDefined.map(\.rawValue))
        for raw in UInt8.min...UInt8.max where !defined.contains(raw) {
            #expect(decode(MessageType(rawValue: raw), payload: []) == .error(.unknownType), "type \(raw)")
            #expect(decode(MessageType(rawValue: raw), payload: [1, 2, 3]) == .error(.unknownType), "type \(raw)")
        }
    }

    @Test func typeNamesMatchTheSpec() {
        #expect(
            MessageType.allDefined.map(\.description) == [
                "HELLO", "WELCOME", "PING", "PONG", "TELEMETRY", "EVENT", "COMMAND", "COMMAND_RESULT", "ACK", "BYE",
                "ERROR",
            ])
        #expect(
            MessageType.allDefined.map(\.rawValue) == [
                0x01, 0x81, 0x02, 0x82, 0x03, 0x04, 0x85, 0x05, 0x06, 0x07, 0x7F,
            ])
        #expect(MessageType(rawValue: 0x33).description == "0x33")
        #expect(FieldType.allCases.map(\.rawValue) == Array(0x01...0x0D))
        #expect(FieldType.allCases.allSatisfy { FieldType(name: $0.description) == $0 })
        #expect(FieldType(name: "string") == nil)
    }
}
