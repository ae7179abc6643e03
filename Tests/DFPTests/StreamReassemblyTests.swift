import DFP
import NIOCore
import Testing

/// TCP delivers a byte stream, not frames: frames split anywhere or packed many to a read must come out
/// whole, in order, and a partial frame must be "need more data", never an error.
@Suite("Stream reassembly")
struct StreamReassemblyTests {
    /// A few frames of different shapes: empty payloads, fields, a long payload, ACK_REQ set.
    static func sampleStream() throws -> (bytes: [UInt8], packets: [Packet]) {
        var random = RandomMessages(seed: 0x5EED)
        var packets = [
            Packet(.ping, seq: 0),
            Packet(.hello(Hello(deviceID: "thermo-0001", token: "s3cret", heartbeatSeconds: 30)), seq: 1),
            Packet(
                .telemetry(
                    Telemetry(timestampMs: 5, fields: [Field(tag: 1, value: .bytes(Array(repeating: 7, count: 3000)))])),
                seq: 2, flags: .ackRequested),
            Packet(.bye, seq: 65535),
        ]
        packets += (0..<12).map { _ in random.packet() }
        var bytes: [UInt8] = []
        for packet in packets {
            bytes += encode(packet)
        }
        return (bytes, packets)
    }

    @Test func framesFedOneByteAtATimeComeOutWholeAndInOrder() throws {
        let (bytes, packets) = try Self.sampleStream()
        let parser = FrameParser(maxPayload: Int(UInt16.max))
        var whole = ByteBuffer(bytes: bytes)
        var framesFromWholeBuffer: [Frame] = []
        while let frame = try parser.nextFrame(from: &whole) {
            framesFromWholeBuffer.append(frame)
        }

        var received = ByteBuffer()
        var frames: [Frame] = []
        var decoded: [Packet] = []
        var bytesSinceLastFrame = 0
        for byte in bytes {
            received.writeInteger(byte)
            bytesSinceLastFrame += 1
            // Drain everything this byte completed; there is at most one frame per byte, but a loop is
            // what a real reader does.
            while true {
                let readerIndexBefore = received.readerIndex
                guard let frame = try parser.nextFrame(from: &received) else {
                    #expect(received.readerIndex == readerIndexBefore, "nil must consume nothing")
                    break
                }
                frames.append(frame)
                decoded.append(try Packet(frame: frame))
                #expect(bytesSinceLastFrame == Frame.overhead + frame.payload.readableBytes, "frame cut too early")
                bytesSinceLastFrame = 0
            }
        }
        #expect(frames == framesFromWholeBuffer)
        #expect(decoded == packets)
        #expect(received.readableBytes == 0)
    }

    @Test func framesSplitAtEveryPointInTwoReadsComeOutWhole() throws {
        let packets = [
            Packet(.event(Event(timestampMs: 5, code: 17, fields: [Field(tag: 1, value: .string("door"))])), seq: 3),
            Packet(.ack, seq: 42),
        ]
        let bytes = packets.flatMap(encode)
        for split in 0...bytes.count {
            var received = ByteBuffer(bytes: bytes[..<split])
            var decoded: [Packet] = []
            while let frame = try FrameParser().nextFrame(from: &received) {
                decoded.append(try Packet(frame: frame))
            }
            received.writeBytes(bytes[split...])
            while let frame = try FrameParser().nextFrame(from: &received) {
                decoded.append(try Packet(frame: frame))
            }
            #expect(decoded == packets, "split at \(split)")
            #expect(received.readableBytes == 0, "split at \(split)")
        }
    }

    @Test func aThousandFramesInOneBufferParseInOrder() throws {
        var random = RandomMessages(seed: 1000)
        var buffer = ByteBuffer()
        var packets: [Packet] = []
        for index in 0..<1000 {
            // seq = index makes an out-of-order or skipped frame visible at a glance.
            var packet = random.packet()
            packet.seq = UInt16(index)
            packets.append(packet)
            buffer.writeFrame(packet.message, flags: packet.flags, seq: packet.seq)
        }
        var decoded: [Packet] = []
        let parser = FrameParser(maxPayload: Int(UInt16.max))
        while let frame = try parser.nextFrame(from: &buffer) {
            decoded.append(try Packet(frame: frame))
        }
        #expect(decoded.count == 1000)
        #expect(decoded.map(\.seq) == (0..<1000).map { UInt16($0) })
        #expect(decoded == packets)
        #expect(buffer.readableBytes == 0)
    }

    @Test func aPartialFrameAfterCompleteOnesIsLeftForTheNextRead() throws {
        let ping = encode(Packet(.ping, seq: 1))
        let bye = encode(Packet(.bye, seq: 2))
        var buffer = ByteBuffer(bytes: ping + bye.prefix(10))
        #expect(parseNext(from: &buffer) == .frame(Frame(type: .ping, seq: 1, payload: ByteBuffer())))
        #expect(parseNext(from: &buffer) == .needMoreData)
        #expect(Array(buffer.readableBytesView) == Array(bye.prefix(10)))
        buffer.writeBytes(bye.suffix(1))
        #expect(parseNext(from: &buffer) == .frame(Frame(type: .bye, seq: 2, payload: ByteBuffer())))
    }

    @Test func emptyBufferNeedsMoreData() {
        #expect(parse([]) == .needMoreData)
    }

    @Test func framePayloadStaysIntactWhenTheReceiveBufferIsReused() throws {
        // The payload is a slice of the receive buffer; the reader compacts and refills that buffer while
        // earlier frames may still be queued, so the slice must not see the new bytes.
        let message = Message.command(
            Command(commandID: 9, name: "set_setpoint", arguments: [Field(tag: 1, value: .i16(225))]))
        var received = ByteBuffer(bytes: encode(Packet(message, seq: 2)))
        let frame = try #require(try FrameParser().nextFrame(from: &received))
        received.discardReadBytes()
        received.writeBytes([UInt8](repeating: 0xEE, count: 64))
        #expect(try Message(frame: frame) == message)
    }
}
