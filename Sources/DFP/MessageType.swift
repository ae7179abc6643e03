/// The type byte of a frame.
///
/// A struct rather than an enum: a frame with an unknown type still decodes at the frame level, because
/// the spec answers it with ERROR 12 only after the session check (ERROR 5) has run.
public struct MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let hello = MessageType(rawValue: 0x01)
    public static let welcome = MessageType(rawValue: 0x81)
    public static let ping = MessageType(rawValue: 0x02)
    public static let pong = MessageType(rawValue: 0x82)
    public static let telemetry = MessageType(rawValue: 0x03)
    public static let event = MessageType(rawValue: 0x04)
    public static let command = MessageType(rawValue: 0x85)
    public static let commandResult = MessageType(rawValue: 0x05)
    public static let ack = MessageType(rawValue: 0x06)
    public static let bye = MessageType(rawValue: 0x07)
    public static let error = MessageType(rawValue: 0x7F)

    /// The spec's name for the type, or its hex code when the type is not in DFP/1.
    public var description: String {
        switch self {
        case .hello: "HELLO"
        case .welcome: "WELCOME"
        case .ping: "PING"
        case .pong: "PONG"
        case .telemetry: "TELEMETRY"
        case .event: "EVENT"
        case .command: "COMMAND"
        case .commandResult: "COMMAND_RESULT"
        case .ack: "ACK"
        case .bye: "BYE"
        case .error: "ERROR"
        default: "0x" + String(self.rawValue, radix: 16, uppercase: true)
        }
    }
}
