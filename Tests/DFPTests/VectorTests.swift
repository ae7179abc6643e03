import DFP
import NIOCore
import Testing

/// Every vector of the shared DFP/1 test vectors, one test case each.
@Suite("Test vectors")
struct VectorTests {
    @Test(arguments: try VectorFile.bundledVectors(of: .crcCheck))
    func crcCheckValue(vector: TestVector) throws {
        var expectation = ExpectationReader(vector.expect)
        let expected: UInt16 = try expectation.integer("crc16")
        #expect(expectation.unusedKeys.isEmpty)
        #expect(expected == 0x29B1, "the spec's check value for \"123456789\"")
        #expect(CRC16.checksum(vector.bytes) == expected)
    }

    @Test(arguments: try VectorFile.bundledVectors(of: .valid))
    func validVectorDecodesAndReencodes(vector: TestVector) throws {
        var expectation = ExpectationReader(vector.expect)
        let expected = try expectation.packet()
        #expect(expectation.unusedKeys.isEmpty, "expect keys the test does not check")

        var buffer = ByteBuffer(bytes: vector.bytes)
        let frame = try #require(try FrameParser().nextFrame(from: &buffer))
        #expect(buffer.readableBytes == 0, "the vector is exactly one frame")
        #expect(frame.type == expected.message.type)
        #expect(frame.seq == expected.seq)
        #expect(frame.flags == expected.flags)
        #expect(frame.payload.readableBytes == vector.bytes.count - Frame.overhead)

        let decoded = try Packet(frame: frame)
        #expect(decoded == expected)

        // Both the decoded packet and the one built from `expect` must encode to the vector's bytes:
        // this also pins float bit patterns and string bytes, which `==` compares only loosely.
        #expect(Hex.string(encode(decoded)) == Hex.string(vector.bytes))
        #expect(Hex.string(encode(expected)) == Hex.string(vector.bytes))
    }

    @Test(arguments: try VectorFile.bundledVectors(of: .invalid))
    func invalidVectorIsRefusedWithItsCode(vector: TestVector) throws {
        var expectation = ExpectationReader(vector.expect)
        let code = ErrorCode(rawValue: try expectation.integer("error"))
        let when = try expectation.string("when")
        // `when` says which session state the vector is meant for; the codec has no state, so it
        // only has to be one of the documented ones. `note` is prose.
        #expect(["any", "before_hello", "in_session"].contains(when))
        if vector.expect["note"] != nil { _ = try expectation.string("note") }
        #expect(expectation.unusedKeys.isEmpty, "expect keys the test does not check")

        let frameLevelCodes: [ErrorCode] = [.malformedFrame, .crcMismatch, .unsupportedVersion, .frameTooLarge]
        if frameLevelCodes.contains(code) {
            #expect(parse(vector.bytes) == .error(code))
        } else {
            var buffer = ByteBuffer(bytes: vector.bytes)
            let frame = try #require(
                try FrameParser().nextFrame(from: &buffer), "payload-level vectors are whole frames")
            #expect(buffer.readableBytes == 0)
            #expect(decodeOutcome(of: frame) == .error(code))
        }
    }
}
