public import NIOCore

extension ByteBuffer {
    /// Writes one frame whose payload `writePayload` appends, then fills in the length and the CRC.
    ///
    /// Writing in place (rather than building the payload in a buffer of its own) keeps encoding at
    /// one buffer and no copy, which matters for the ACK the gateway sends for every telemetry frame.
    @inlinable
    @discardableResult
    public mutating func writeFrame(
        type: MessageType,
        flags: FrameFlags = [],
        seq: UInt16,
        payload writePayload: (inout ByteBuffer) -> Void = { _ in }
    ) -> Int {
        let start = self.writerIndex
        self.writeMultipleIntegers(Frame.magic, Frame.version, type.rawValue, flags.rawValue, seq, UInt16(0))
        writePayload(&self)
        let payloadLength = self.writerIndex - start - Frame.headerSize
        precondition(payloadLength <= Int(UInt16.max), "DFP/1 payloads are at most 65535 bytes")
        self.setInteger(UInt16(payloadLength), at: start + 7)
        let crc = self.withUnsafeReadableBytes { bytes in
            let frameStart = start - self.readerIndex
            return CRC16.checksum(
                UnsafeRawBufferPointer(rebasing: bytes[frameStart..<(frameStart + Frame.headerSize + payloadLength)]))
        }
        self.writeInteger(crc)
        return self.writerIndex - start
    }

    /// Writes a frame carrying `message`.
    @inlinable
    @discardableResult
    public mutating func writeFrame(_ message: Message, flags: FrameFlags = [], seq: UInt16) -> Int {
        switch message {
        case .ack, .ping, .pong, .bye:
            return self.writeEmptyFrame(type: message.type, flags: flags, seq: seq)
        default:
            return self.writeFrame(type: message.type, flags: flags, seq: seq) { buffer in
                message.writePayload(to: &buffer)
            }
        }
    }

    /// Writes a frame without payload. The gateway sends one (an ACK) for every frame that asks, so
    /// the 11 bytes are assembled on the stack and copied into the buffer once.
    @inlinable
    @discardableResult
    public mutating func writeEmptyFrame(type: MessageType, flags: FrameFlags = [], seq: UInt16) -> Int {
        withUnsafeTemporaryAllocation(byteCount: Frame.overhead, alignment: 1) { frame in
            frame.storeBytes(of: Frame.magic.bigEndian, toByteOffset: 0, as: UInt16.self)
            frame[2] = Frame.version
            frame[3] = type.rawValue
            frame[4] = flags.rawValue
            frame.storeBytes(of: seq.bigEndian, toByteOffset: 5, as: UInt16.self)
            frame.storeBytes(of: UInt16(0), toByteOffset: 7, as: UInt16.self)
            let crc = CRC16.checksum(UnsafeRawBufferPointer(rebasing: frame[..<Frame.headerSize]))
            frame.storeBytes(of: crc.bigEndian, toByteOffset: Frame.headerSize, as: UInt16.self)
            return self.writeBytes(UnsafeRawBufferPointer(frame))
        }
    }

    /// Writes a frame that already has a payload, as when relaying or re-encoding a decoded frame.
    @inlinable
    @discardableResult
    public mutating func writeFrame(_ frame: Frame) -> Int {
        self.writeFrame(type: frame.type, flags: frame.flags, seq: frame.seq) { buffer in
            var payload = frame.payload
            buffer.writeBuffer(&payload)
        }
    }
}
