import DFP
import NIOCore
import Testing

/// Frame-level checks run on the header as soon as its bytes arrive (magic 1, version 3, flags 1,
/// length 4), so garbage or a huge announced frame is refused without buffering; the CRC (2) can
/// only be judged once the frame is complete.
@Suite("Header checks")
struct HeaderCheckTests {
    static let ping = encode(Packet(.ping, seq: 1))  // 44 46 01 02 00 0001 0000 crc

    @Test func badFirstMagicByteFailsOnItsOwn() {
        #expect(parse([0x47]) == .error(.malformedFrame))  // "G" of "GET / HTTP/1.1"
        #expect(parse([0x00]) == .error(.malformedFrame))
        #expect(parse([0x44]) == .needMoreData)
    }

    @Test func badSecondMagicByteFailsAtTwoBytes() {
        #expect(parse([0x44, 0x45]) == .error(.malformedFrame))
        #expect(parse([0x44, 0x46]) == .needMoreData)
    }

    @Test func wrongVersionFailsAtThreeBytes() {
        #expect(parse([0x44, 0x46, 0x02]) == .error(.unsupportedVersion))
        #expect(parse([0x44, 0x46, 0x00]) == .error(.unsupportedVersion))
        #expect(parse([0x44, 0x46, 0xFF]) == .error(.unsupportedVersion))
        #expect(parse([0x44, 0x46, 0x01]) == .needMoreData)
    }

    @Test(arguments: [0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFE, 0x03] as [UInt8])
    func reservedFlagBitsFailAtFiveBytes(flags: UInt8) {
        #expect(parse([0x44, 0x46, 0x01, 0x02, flags]) == .error(.malformedFrame))
    }

    @Test func ackRequestedIsTheOnlyFlagAllowed() {
        #expect(parse([0x44, 0x46, 0x01, 0x02, 0x01]) == .needMoreData)
        let acked = encode(Packet(.ping, seq: 1, flags: .ackRequested))
        #expect(parse(acked) == .frame(Frame(type: .ping, flags: .ackRequested, seq: 1, payload: ByteBuffer())))
    }

    @Test func typeIsNotJudgedAtFrameLevel() {
        // Unknown types are ERROR 12 only after the session check, so the parser must let them through.
        var buffer = ByteBuffer()
        buffer.writeFrame(type: MessageType(rawValue: 0x33), seq: 1)
        #expect(
            parse(Array(buffer.readableBytesView))
                == .frame(Frame(type: MessageType(rawValue: 0x33), seq: 1, payload: ByteBuffer())))
    }

    /// DF 01 03 00 0001 FDE8: a TELEMETRY header announcing 65000 payload bytes.
    static let hugeHeader: [UInt8] = [0x44, 0x46, 0x01, 0x03, 0x00, 0x00, 0x01, 0xFD, 0xE8]

    @Test func oversizedLengthFailsFromTheHeaderAlone() {
        for count in 1..<9 {
            #expect(parse(Array(Self.hugeHeader.prefix(count))) == .needMoreData, "\(count) bytes")
        }
        #expect(parse(Self.hugeHeader) == .error(.frameTooLarge))
    }

    @Test func oversizedLengthIsFineUnderAHigherLimitOnceComplete() throws {
        let payload =
            [UInt8](repeating: 0, count: 8) + [0x01, 0x0D, 0xFD, 0xDC] + [UInt8](repeating: 0x5A, count: 64_988)
        #expect(payload.count == 65000)
        var buffer = ByteBuffer()
        buffer.writeFrame(type: .telemetry, seq: 1) { $0.writeBytes(payload) }
        let bytes = Array(buffer.readableBytesView)
        #expect(Array(bytes.prefix(9)) == Self.hugeHeader)

        #expect(parse(Array(bytes.prefix(9)), maxPayload: 65535) == .needMoreData)
        #expect(parse(Array(bytes.dropLast()), maxPayload: 65535) == .needMoreData)
        guard case .frame(let frame) = parse(bytes, maxPayload: 65535) else {
            Issue.record("complete 65000-byte frame not parsed")
            return
        }
        #expect(frame.payload.readableBytes == 65000)
        #expect(
            try Message(frame: frame)
                == .telemetry(
                    Telemetry(
                        timestampMs: 0, fields: [Field(tag: 1, value: .bytes([UInt8](repeating: 0x5A, count: 64_988)))])
                ))
        #expect(parse(bytes) == .error(.frameTooLarge), "and still too large under the default")
    }

    @Test func lengthLimitIsInclusive() {
        func header(length: UInt16) -> [UInt8] { [0x44, 0x46, 0x01, 0x03, 0x00, 0x00, 0x01] + bigEndian(length) }
        #expect(parse(header(length: 4096)) == .needMoreData)
        #expect(parse(header(length: 4097)) == .error(.frameTooLarge))
        #expect(parse(header(length: 0), maxPayload: 0) == .needMoreData)
        #expect(parse(header(length: 1), maxPayload: 0) == .error(.frameTooLarge))
        #expect(parse(header(length: 65535), maxPayload: 65535) == .needMoreData)
        #expect(FrameParser().maxPayload == 4096)
    }

    @Test func crcMismatchIsOnlyJudgedWhenTheFrameIsComplete() {
        var corrupted = Self.ping
        corrupted[corrupted.count - 1] ^= 0x01
        for count in 0..<corrupted.count {
            #expect(parse(Array(corrupted.prefix(count))) == .needMoreData, "\(count) bytes")
        }
        #expect(parse(corrupted) == .error(.crcMismatch))
    }

    @Test func everySingleBitErrorOutsideTheCheckedHeaderFieldsIsACRCMismatch() {
        // Bytes 3 (type), 5-6 (seq), the payload and the CRC are covered only by the CRC; CRC-16 catches
        // every single-bit error, so each flip must be ERROR 2.
        let frame = encode(
            Packet(.event(Event(timestampMs: 5, code: 17, fields: [Field(tag: 1, value: .string("door"))])), seq: 3))
        let crcOnlyOffsets = [3, 5, 6] + Array(9..<frame.count)
        for offset in crcOnlyOffsets {
            for bit in 0..<8 {
                var flipped = frame
                flipped[offset] ^= 1 << bit
                #expect(parse(flipped) == .error(.crcMismatch), "byte \(offset) bit \(bit)")
            }
        }
    }

    @Test func checksRunInTheSpecsOrder() {
        // Bad magic wins over a bad version, a bad version over reserved flags, flags over the length,
        // and the length over the CRC.
        #expect(parse([0x47, 0x46, 0x02, 0x02, 0x80, 0x00, 0x01, 0xFF, 0xFF]) == .error(.malformedFrame))
        #expect(parse([0x44, 0x46, 0x02, 0x02, 0x80, 0x00, 0x01, 0xFF, 0xFF]) == .error(.unsupportedVersion))
        #expect(parse([0x44, 0x46, 0x01, 0x02, 0x80, 0x00, 0x01, 0xFF, 0xFF]) == .error(.malformedFrame))
        #expect(parse([0x44, 0x46, 0x01, 0x02, 0x00, 0x00, 0x01, 0xFF, 0xFF]) == .error(.frameTooLarge))
        #expect(parse([0x44, 0x46, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00]) == .error(.crcMismatch))
    }

    @Test func errorsReportTheirCodeAndADetail() {
        do {
            var buffer = ByteBuffer(bytes: Self.hugeHeader)
            _ = try FrameParser().nextFrame(from: &buffer)
            Issue.record("no error thrown")
        } catch {
            #expect(error.code == .frameTooLarge)
            #expect(error.detail.contains("65000"))
            #expect(error.description.hasPrefix("frame too large (4): "))
        }
    }
}
