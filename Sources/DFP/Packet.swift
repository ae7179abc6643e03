/// A message together with the frame header fields a sender chooses: what clients send and receive.
public struct Packet: Hashable, Sendable {
    public var seq: UInt16
    public var flags: FrameFlags
    public var message: Message

    public init(_ message: Message, seq: UInt16, flags: FrameFlags = []) {
        self.seq = seq
        self.flags = flags
        self.message = message
    }

    /// Decodes a frame's payload; see `Message(frame:)` for the errors.
    @inlinable
    public init(frame: Frame) throws(ProtocolError) {
        self.init(try Message(frame: frame), seq: frame.seq, flags: frame.flags)
    }
}
