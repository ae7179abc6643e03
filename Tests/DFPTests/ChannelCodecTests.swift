import DFP
import NIOCore
import NIOEmbedded
import Testing

/// The NIO handlers clients put in their pipelines: `FrameDecoder` (bytes → frames) and `PacketEncoder`
/// (packets → bytes).
@Suite("Channel codec")
struct ChannelCodecTests {
    @Test func packetEncoderWritesExactlyTheFrameBytes() throws {
        let vectors = try VectorFile.bundledVectors(of: .valid)
        for vector in vectors {
            var expectation = ExpectationReader(vector.expect)
            let packet = try expectation.packet()
            var out = ByteBuffer()
            try PacketEncoder().encode(data: packet, out: &out)
            #expect(Array(out.readableBytesView) == vector.bytes, "\(vector.name)")
        }
    }

    @Test func frameDecoderAcceptsTheWholeWireRangeByDefault() {
        // Clients talk to a gateway whose limit they do not know, so they accept anything DFP/1 allows.
        #expect(FrameDecoder().parser.maxPayload == 65535)
        #expect(FrameDecoder(maxPayload: 4096).parser.maxPayload == 4096)
    }

    @Test func decoderReassemblesFramesThroughAChannel() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        let packets = [
            Packet(
                .welcome(Welcome(heartbeatSeconds: 30, serverTimeMs: 1_767_225_600_000, sessionID: "s-1")), seq: 1),
            Packet(.pong, seq: 7),
            Packet(.command(Command(commandID: 9, name: "reboot", arguments: [])), seq: 2, flags: .ackRequested),
        ]
        let bytes = packets.flatMap(encode)
        // Three reads that cut through the middle of frames.
        for chunk in [bytes[..<5], bytes[5..<30], bytes[30...]] {
            try channel.writeInbound(ByteBuffer(bytes: chunk))
        }
        var decoded: [Packet] = []
        while let frame = try channel.readInbound(as: Frame.self) {
            decoded.append(try Packet(frame: frame))
        }
        #expect(decoded == packets)
        #expect(try channel.finish().isClean)
    }

    @Test func decoderReportsTheProtocolErrorOfTheStream() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        var thrown: (any Error)?
        do {
            try channel.writeInbound(ByteBuffer(bytes: [0x44, 0x46, 0x02]))
        } catch {
            thrown = error
        }
        #expect((thrown as? ProtocolError)?.code == .unsupportedVersion)
        _ = try? channel.finish()
    }

    @Test func encoderFramesPacketsThroughAChannel() throws {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(PacketEncoder()))
        try channel.writeOutbound(Packet(.ack, seq: 42))
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(Hex.string(written.readableBytesView) == "4446010600002a0000d9d8")
        #expect(try channel.finish().isClean)
    }
}
