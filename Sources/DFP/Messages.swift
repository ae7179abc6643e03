/// HELLO: the first frame of every connection, naming and authenticating the device.
public struct Hello: Hashable, Sendable {
    public var deviceID: String
    public var token: String
    /// The profile the firmware says it speaks; may be empty.
    public var profile: String
    public var firmware: String
    /// Requested heartbeat interval; 0 asks for the gateway's default.
    public var heartbeatSeconds: UInt16

    public init(
        deviceID: String, token: String, profile: String = "", firmware: String = "", heartbeatSeconds: UInt16 = 0
    ) {
        self.deviceID = deviceID
        self.token = token
        self.profile = profile
        self.firmware = firmware
        self.heartbeatSeconds = heartbeatSeconds
    }

    /// Whether `id` is 1 to 64 bytes of `[A-Za-z0-9._:-]`, the only device IDs DFP/1 admits.
    public static func isValidDeviceID(_ id: some StringProtocol) -> Bool {
        let utf8 = id.utf8
        guard (1...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: ":"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}

/// WELCOME: the gateway's answer to a successful HELLO.
public struct Welcome: Hashable, Sendable {
    public var heartbeatSeconds: UInt16
    public var serverTimeMs: UInt64
    public var sessionID: String

    public init(heartbeatSeconds: UInt16, serverTimeMs: UInt64, sessionID: String) {
        self.heartbeatSeconds = heartbeatSeconds
        self.serverTimeMs = serverTimeMs
        self.sessionID = sessionID
    }
}

/// TELEMETRY: measurements at one instant.
public struct Telemetry: Hashable, Sendable {
    /// Unix epoch milliseconds; 0 means "use the gateway's receive time".
    public var timestampMs: UInt64
    public var fields: [Field]

    public init(timestampMs: UInt64, fields: [Field]) {
        self.timestampMs = timestampMs
        self.fields = fields
    }
}

/// EVENT: something that happened, identified by a code the device profile may name.
public struct Event: Hashable, Sendable {
    public var timestampMs: UInt64
    public var code: UInt16
    public var fields: [Field]

    public init(timestampMs: UInt64, code: UInt16, fields: [Field]) {
        self.timestampMs = timestampMs
        self.code = code
        self.fields = fields
    }
}

/// COMMAND: a request from the gateway that the device answers with COMMAND_RESULT.
public struct Command: Hashable, Sendable {
    public var commandID: UInt32
    public var name: String
    public var arguments: [Field]

    public init(commandID: UInt32, name: String, arguments: [Field]) {
        self.commandID = commandID
        self.name = name
        self.arguments = arguments
    }
}

/// The outcome a device reports for a command.
public enum CommandStatus: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case ok = 0
    case failed = 1
    case unsupported = 2
    case busy = 3

    public var description: String {
        switch self {
        case .ok: "ok"
        case .failed: "failed"
        case .unsupported: "unsupported"
        case .busy: "busy"
        }
    }
}

/// COMMAND_RESULT: the device's answer to a COMMAND.
public struct CommandResult: Hashable, Sendable {
    public var commandID: UInt32
    public var status: CommandStatus
    public var fields: [Field]

    public init(commandID: UInt32, status: CommandStatus, fields: [Field]) {
        self.commandID = commandID
        self.status = status
        self.fields = fields
    }
}

/// ERROR: a refusal; after a fatal one the sender closes the connection.
public struct ErrorReport: Hashable, Sendable {
    public var code: ErrorCode
    public var message: String

    public init(code: ErrorCode, message: String) {
        self.code = code
        self.message = message
    }
}
