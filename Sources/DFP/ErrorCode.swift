/// The code carried by an ERROR frame.
///
/// A struct so that a peer's code outside DFP/1's list still round-trips instead of failing to decode.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Bad magic or reserved flag bits set.
    public static let malformedFrame = ErrorCode(rawValue: 1)
    public static let crcMismatch = ErrorCode(rawValue: 2)
    public static let unsupportedVersion = ErrorCode(rawValue: 3)
    public static let frameTooLarge = ErrorCode(rawValue: 4)
    /// Any frame but HELLO before WELCOME, or no HELLO within the hello timeout.
    public static let notAuthenticated = ErrorCode(rawValue: 5)
    public static let authenticationFailed = ErrorCode(rawValue: 6)
    /// The same device ID logged in elsewhere.
    public static let sessionReplaced = ErrorCode(rawValue: 7)
    public static let heartbeatTimeout = ErrorCode(rawValue: 8)
    public static let rateLimited = ErrorCode(rawValue: 9)
    public static let shuttingDown = ErrorCode(rawValue: 10)
    public static let invalidPayload = ErrorCode(rawValue: 11)
    public static let unknownType = ErrorCode(rawValue: 12)

    /// The short message the gateway sends with the code.
    public var description: String {
        switch self.rawValue {
        case 1: "malformed frame"
        case 2: "CRC mismatch"
        case 3: "unsupported version"
        case 4: "frame too large"
        case 5: "not authenticated"
        case 6: "authentication failed"
        case 7: "session replaced"
        case 8: "heartbeat timeout"
        case 9: "rate limited"
        case 10: "gateway shutting down"
        case 11: "invalid payload"
        case 12: "unknown type"
        default: "error \(self.rawValue)"
        }
    }
}
