/// The flags byte of a frame. Only bit 0 is defined; the decoder rejects any other bit (ERROR 1).
public struct FrameFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// The receiver answers with an ACK frame carrying the same seq.
    public static let ackRequested = FrameFlags(rawValue: 0x01)

    /// Bits 1-7, reserved in DFP/1 and required to be zero.
    public static let reserved = FrameFlags(rawValue: 0xFE)
}
