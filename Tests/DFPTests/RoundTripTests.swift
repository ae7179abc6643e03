import DFP
import NIOCore
import Testing

/// Encode → parse → decode must give back the packet that was encoded, bit for bit.
@Suite("Round trips")
struct RoundTripTests {
    /// Encodes `packet`, takes it back through the parser and the payload decoder, and checks the result
    /// both with `==` and by encoding it again: the second check pins what `==` forgives (the sign of a
    /// zero, canonically equivalent strings).
    static func expectRoundTrip(_ packet: Packet, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let encoded = encode(packet)
        var buffer = ByteBuffer(bytes: encoded)
        let frame = try #require(
            try FrameParser(maxPayload: Int(UInt16.max)).nextFrame(from: &buffer), sourceLocation: sourceLocation)
        #expect(buffer.readableBytes == 0, sourceLocation: sourceLocation)
        #expect(frame.payload.readableBytes == encoded.count - Frame.overhead, sourceLocation: sourceLocation)
        let decoded = try Packet(frame: frame)
        #expect(decoded == packet, sourceLocation: sourceLocation)
        #expect(encode(decoded) == encoded, sourceLocation: sourceLocation)
    }

    @Test func splitMix64IsTheReferenceSequence() {
        // First outputs for seed 0 of Vigna's reference C code, so a changed mixer cannot go unnoticed.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xD5A9_A293_8991_EEBA)
        #expect(generator.next() == 0x4B99_0704_4087_A973)
        #expect(generator.next() == 0xC2F4_5734_40A9_56C0)
    }

    @Test func randomPacketsOfEveryTypeRoundTrip() throws {
        var random = RandomMessages(seed: 0xD1F0_0001)
        var typesSeen: Set<MessageType> = []
        var fieldTypesSeen: Set<FieldType> = []
        for _ in 0..<4000 {
            let packet = random.packet()
            typesSeen.insert(packet.message.type)
            if case .telemetry(let telemetry) = packet.message {
                fieldTypesSeen.formUnion(telemetry.fields.map(\.value.type))
            }
            try Self.expectRoundTrip(packet)
        }
        // The generator must really cover what the test claims to cover.
        #expect(typesSeen == Set(MessageType.allDefined))
        #expect(fieldTypesSeen == Set(FieldType.allCases))
    }

    @Test func everyFieldTypeAtItsExtremesRoundTrips() throws {
        let fields: [FieldValue] =
            [.bool(false), .bool(true), .i8(.min), .i8(.max), .u8(.max), .i16(.min), .i16(.max), .u16(.max)]
            + [.i32(.min), .i32(.max), .u32(.max), .i64(.min), .i64(.max), .u64(.max), .u64(0)]
            + RandomMessages.specialFloats.map(FieldValue.f32) + RandomMessages.specialDoubles.map(FieldValue.f64)
            + [
                .string(""), .string(String(repeating: "€", count: 85)), .bytes([]),
                .bytes(Array(repeating: 0xAB, count: 65000)),
            ]
        for (index, value) in fields.enumerated() {
            let field = Field(tag: UInt8(index % 255 + 1), value: value)
            try Self.expectRoundTrip(Packet(.telemetry(Telemetry(timestampMs: 1, fields: [field])), seq: 1))
        }
    }

    @Test func floatBitPatternsSurviveIncludingSignedZeroAndNaN() throws {
        // Quiet NaNs with payloads: decoding must not canonicalise them, a relay must pass them on as sent.
        let floats: [UInt32] = [0x0000_0000, 0x8000_0000, 0x7FC0_0000, 0x7FC1_2345, 0xFFC0_0001, 0x0000_0001]
        let doubles: [UInt64] = [0x8000_0000_0000_0000, 0x7FF8_0000_0000_0000, 0x7FF8_DEAD_BEEF_0001]
        let fields =
            floats.map { Field(tag: 1, value: .f32(Float(bitPattern: $0))) }
            + doubles.map { Field(tag: 2, value: .f64(Double(bitPattern: $0))) }
        var buffer = ByteBuffer()
        buffer.writeFrame(.telemetry(Telemetry(timestampMs: 0, fields: fields)), seq: 0)
        let frame = try #require(try FrameParser().nextFrame(from: &buffer))
        guard case .telemetry(let decoded) = try Message(frame: frame) else {
            Issue.record("not telemetry")
            return
        }
        let bits: [UInt64] = decoded.fields.map { field in
            switch field.value {
            case .f32(let value): UInt64(value.bitPattern)
            case .f64(let value): value.bitPattern
            default: 0xBAD
            }
        }
        #expect(bits == floats.map(UInt64.init) + doubles)
    }

    @Test func maximumLengthStringsRoundTripInEveryStr8Slot() throws {
        let longest = String(repeating: "x", count: 252) + "€"  // 255 bytes, ending in a 3-byte character
        #expect(longest.utf8.count == 255)
        let id64 = String(repeating: "a", count: 64)
        try Self.expectRoundTrip(
            Packet(
                .hello(
                    Hello(deviceID: id64, token: longest, profile: longest, firmware: longest, heartbeatSeconds: 65535)),
                seq: 0))
        try Self.expectRoundTrip(
            Packet(.welcome(Welcome(heartbeatSeconds: 0, serverTimeMs: .max, sessionID: longest)), seq: 1))
        try Self.expectRoundTrip(Packet(.command(Command(commandID: .max, name: longest, arguments: [])), seq: 2))
        try Self.expectRoundTrip(Packet(.error(ErrorReport(code: .unknownType, message: longest)), seq: 3))
        try Self.expectRoundTrip(Packet(.hello(Hello(deviceID: "d", token: "")), seq: 4, flags: .ackRequested))
    }

    @Test func errorMessageLongerThan255BytesIsCutOnACharacterBoundary() throws {
        // ERROR messages are built from free text (exception details); the encoder shortens them rather
        // than trapping, and must not split a multi-byte character while doing so.
        let message = String(repeating: "x", count: 254) + "€€"  // 260 bytes; byte 255 is inside the first €
        var buffer = ByteBuffer()
        buffer.writeFrame(.error(ErrorReport(code: .invalidPayload, message: message)), seq: 9)
        let frame = try #require(try FrameParser().nextFrame(from: &buffer))
        #expect(
            decodeOutcome(of: frame)
                == .message(.error(ErrorReport(code: .invalidPayload, message: String(repeating: "x", count: 254)))))

        let exact = String(repeating: "y", count: 300)
        var second = ByteBuffer()
        second.writeFrame(.error(ErrorReport(code: .rateLimited, message: exact)), seq: 10)
        let secondFrame = try #require(try FrameParser().nextFrame(from: &second))
        #expect(
            decodeOutcome(of: secondFrame)
                == .message(.error(ErrorReport(code: .rateLimited, message: String(repeating: "y", count: 255)))))
    }

    @Test func errorCodesOutsideDFP1StillRoundTrip() throws {
        for code: UInt16 in [0, 13, 999, .max] {
            try Self.expectRoundTrip(Packet(.error(ErrorReport(code: ErrorCode(rawValue: code), message: "x")), seq: 0))
        }
    }

    @Test func framesWrittenAfterAlreadyReadBytesCarryTheRightCRC() throws {
        // An outbound buffer that was partly flushed (reader index > 0) must still get the CRC of the new
        // frame, not of bytes at the start of the buffer.
        var buffer = ByteBuffer()
        buffer.writeFrame(.ping, seq: 1)
        buffer.writeString("some unrelated bytes")
        buffer.moveReaderIndex(forwardBy: 5)
        let start = buffer.writerIndex
        buffer.writeFrame(.telemetry(Telemetry(timestampMs: 42, fields: [Field(tag: 1, value: .u8(7))])), seq: 77)
        var written = buffer.getSlice(at: start, length: buffer.writerIndex - start)!
        let frame = try #require(try FrameParser().nextFrame(from: &written))
        #expect(
            try Packet(frame: frame)
                == Packet(.telemetry(Telemetry(timestampMs: 42, fields: [Field(tag: 1, value: .u8(7))])), seq: 77))
    }

    @Test func reencodingAParsedFrameReproducesItsBytes() throws {
        // The relay path (`writeFrame(_ frame:)`) must not change a byte, including the flags and CRC.
        for vector in try VectorFile.bundledVectors(of: .valid) {
            var buffer = ByteBuffer(bytes: vector.bytes)
            let frame = try #require(try FrameParser().nextFrame(from: &buffer))
            var out = ByteBuffer()
            let written = out.writeFrame(frame)
            #expect(written == vector.bytes.count, "\(vector.name)")
            #expect(Array(out.readableBytesView) == vector.bytes, "\(vector.name)")
        }
    }

    @Test func writeFrameReturnsTheNumberOfBytesWritten() {
        var buffer = ByteBuffer()
        #expect(buffer.writeFrame(.ping, seq: 0) == 11)
        #expect(
            buffer.writeFrame(.welcome(Welcome(heartbeatSeconds: 30, serverTimeMs: 0, sessionID: "abc")), seq: 0) == 11
                + 14)
        #expect(buffer.readableBytes == 11 + 11 + 14)
    }
}
