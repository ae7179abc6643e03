public import NIOCore

/// Cuts DFP/1 frames out of a byte stream and runs the frame-level checks in the spec's order.
///
/// The header is judged as soon as its bytes arrive (magic 1, version 3, reserved flags 1, length 4),
/// so a peer that sends garbage or announces a huge frame is refused before anything is buffered;
/// the CRC (2) is judged once the whole frame is there.
public struct FrameParser: Sendable {
    /// Frames announcing a longer payload are refused with ERROR 4 from their header alone.
    public let maxPayload: Int

    public init(maxPayload: Int = Frame.defaultMaxPayload) {
        precondition((0...Int(UInt16.max)).contains(maxPayload), "DFP/1 payloads are at most 65535 bytes")
        self.maxPayload = maxPayload
    }

    /// Takes the next complete frame off the front of `buffer`, or returns nil and consumes nothing when
    /// more bytes are needed. Throws the protocol error of the first check that fails.
    @inlinable
    public func nextFrame(from buffer: inout ByteBuffer) throws(ProtocolError) -> Frame? {
        let start = buffer.readerIndex
        let available = buffer.readableBytes
        guard available > 0 else { return nil }
        try self.checkHeaderPrefix(buffer, available: min(available, Frame.headerSize))
        guard available >= Frame.headerSize,
            let (type, flags, seq, length) = buffer.getMultipleIntegers(
                at: start + 3,
                as: (UInt8, UInt8, UInt16, UInt16).self
            )
        else { return nil }
        guard Int(length) <= self.maxPayload else {
            throw ProtocolError(
                .frameTooLarge, "payload of \(length) bytes announced, at most \(self.maxPayload) accepted")
        }
        let frameLength = Frame.overhead + Int(length)
        guard available >= frameLength else { return nil }

        let received = buffer.getInteger(at: start + Frame.headerSize + Int(length), as: UInt16.self)!
        let computed = buffer.withUnsafeReadableBytes { bytes in
            CRC16.checksum(UnsafeRawBufferPointer(rebasing: bytes[..<(Frame.headerSize + Int(length))]))
        }
        guard received == computed else {
            throw ProtocolError(
                .crcMismatch, "CRC 0x\(String(received, radix: 16)) received, 0x\(String(computed, radix: 16)) computed"
            )
        }
        let payload = buffer.getSlice(at: start + Frame.headerSize, length: Int(length))!
        buffer.moveReaderIndex(forwardBy: frameLength)
        return Frame(type: MessageType(rawValue: type), flags: FrameFlags(rawValue: flags), seq: seq, payload: payload)
    }

    /// Checks as much of the header as has arrived, so bad bytes are refused without waiting for more.
    @inlinable
    func checkHeaderPrefix(_ buffer: ByteBuffer, available: Int) throws(ProtocolError) {
        let start = buffer.readerIndex
        if available >= 1, buffer.getInteger(at: start, as: UInt8.self)! != 0x44 {
            throw ProtocolError(.malformedFrame, "bad magic")
        }
        if available >= 2, buffer.getInteger(at: start + 1, as: UInt8.self)! != 0x46 {
            throw ProtocolError(.malformedFrame, "bad magic")
        }
        if available >= 3, case let version = buffer.getInteger(at: start + 2, as: UInt8.self)!,
            version != Frame.version
        {
            throw ProtocolError(.unsupportedVersion, "version \(version), only 1 is spoken")
        }
        if available >= 5, case let flags = FrameFlags(rawValue: buffer.getInteger(at: start + 4, as: UInt8.self)!),
            !flags.isDisjoint(with: .reserved)
        {
            throw ProtocolError(.malformedFrame, "reserved flag bits set (0x\(String(flags.rawValue, radix: 16)))")
        }
    }
}
