public import NIOCore

/// One DFP/1 frame as it arrived, before its payload is interpreted.
///
/// The payload is a slice of the receive buffer, so framing costs no copy; `Message(frame:)` reads it.
public struct Frame: Hashable, Sendable {
    public var type: MessageType
    public var flags: FrameFlags
    public var seq: UInt16
    public var payload: ByteBuffer

    public init(type: MessageType, flags: FrameFlags = [], seq: UInt16, payload: ByteBuffer) {
        self.type = type
        self.flags = flags
        self.seq = seq
        self.payload = payload
    }

    public static let magic: UInt16 = 0x4446
    public static let version: UInt8 = 0x01
    /// magic, version, type, flags, seq, length.
    public static let headerSize = 9
    /// Header plus the trailing CRC.
    public static let overhead = 11
    /// The default bound on the payload a gateway accepts; the wire format allows up to 65535.
    public static let defaultMaxPayload = 4096
}
