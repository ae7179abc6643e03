public import NIOCore

/// A DFP/1 message with its payload interpreted.
public enum Message: Hashable, Sendable {
    case hello(Hello)
    case welcome(Welcome)
    case ping
    case pong
    case telemetry(Telemetry)
    case event(Event)
    case command(Command)
    case commandResult(CommandResult)
    case ack
    case bye
    case error(ErrorReport)

    public var type: MessageType {
        switch self {
        case .hello: .hello
        case .welcome: .welcome
        case .ping: .ping
        case .pong: .pong
        case .telemetry: .telemetry
        case .event: .event
        case .command: .command
        case .commandResult: .commandResult
        case .ack: .ack
        case .bye: .bye
        case .error: .error
        }
    }
}

extension Message {
    /// Interprets a frame's payload by its type: ERROR 12 for a type DFP/1 does not define, ERROR 11
    /// for a payload that does not match its type exactly (truncated, trailing bytes, bad values).
    @inlinable
    public init(frame: Frame) throws(ProtocolError) {
        var payload = frame.payload
        switch frame.type {
        case .hello:
            let deviceID = try payload.readStr8("device_id")
            guard Hello.isValidDeviceID(deviceID) else {
                throw ProtocolError(.invalidPayload, "device_id must be 1 to 64 bytes of [A-Za-z0-9._:-]")
            }
            let token = try payload.readStr8("token")
            let profile = try payload.readStr8("profile")
            let firmware = try payload.readStr8("firmware")
            let heartbeat = try payload.readRequired(UInt16.self, "heartbeat_s")
            self = .hello(
                Hello(
                    deviceID: deviceID, token: token, profile: profile, firmware: firmware, heartbeatSeconds: heartbeat)
            )
        case .welcome:
            let heartbeat = try payload.readRequired(UInt16.self, "heartbeat_s")
            let serverTime = try payload.readRequired(UInt64.self, "server_time_ms")
            let sessionID = try payload.readStr8("session_id")
            self = .welcome(Welcome(heartbeatSeconds: heartbeat, serverTimeMs: serverTime, sessionID: sessionID))
        case .ping: self = .ping
        case .pong: self = .pong
        case .ack: self = .ack
        case .bye: self = .bye
        case .telemetry:
            let timestamp = try payload.readRequired(UInt64.self, "timestamp_ms")
            self = .telemetry(Telemetry(timestampMs: timestamp, fields: try payload.readFields()))
        case .event:
            let timestamp = try payload.readRequired(UInt64.self, "timestamp_ms")
            let code = try payload.readRequired(UInt16.self, "event_code")
            self = .event(Event(timestampMs: timestamp, code: code, fields: try payload.readFields()))
        case .command:
            let commandID = try payload.readRequired(UInt32.self, "command_id")
            let name = try payload.readStr8("name")
            self = .command(Command(commandID: commandID, name: name, arguments: try payload.readFields()))
        case .commandResult:
            let commandID = try payload.readRequired(UInt32.self, "command_id")
            let rawStatus = try payload.readRequired(UInt8.self, "status")
            guard let status = CommandStatus(rawValue: rawStatus) else {
                throw ProtocolError(.invalidPayload, "command status \(rawStatus) is not 0...3")
            }
            self = .commandResult(CommandResult(commandID: commandID, status: status, fields: try payload.readFields()))
        case .error:
            let code = try payload.readRequired(UInt16.self, "code")
            let message = try payload.readStr8("message")
            self = .error(ErrorReport(code: ErrorCode(rawValue: code), message: message))
        default:
            throw ProtocolError(.unknownType, "type \(frame.type) is not part of DFP/1")
        }
        guard payload.readableBytes == 0 else {
            throw ProtocolError(
                .invalidPayload, "\(payload.readableBytes) trailing bytes after a \(frame.type) payload")
        }
    }

    /// Appends this message's payload (without the frame around it).
    @inlinable
    public func writePayload(to buffer: inout ByteBuffer) {
        switch self {
        case .hello(let hello):
            buffer.writeStr8(hello.deviceID)
            buffer.writeStr8(hello.token)
            buffer.writeStr8(hello.profile)
            buffer.writeStr8(hello.firmware)
            buffer.writeInteger(hello.heartbeatSeconds)
        case .welcome(let welcome):
            buffer.writeMultipleIntegers(welcome.heartbeatSeconds, welcome.serverTimeMs)
            buffer.writeStr8(welcome.sessionID)
        case .ping, .pong, .ack, .bye:
            break
        case .telemetry(let telemetry):
            buffer.writeInteger(telemetry.timestampMs)
            buffer.writeFields(telemetry.fields)
        case .event(let event):
            buffer.writeMultipleIntegers(event.timestampMs, event.code)
            buffer.writeFields(event.fields)
        case .command(let command):
            buffer.writeInteger(command.commandID)
            buffer.writeStr8(command.name)
            buffer.writeFields(command.arguments)
        case .commandResult(let result):
            buffer.writeMultipleIntegers(result.commandID, result.status.rawValue)
            buffer.writeFields(result.fields)
        case .error(let report):
            buffer.writeInteger(report.code.rawValue)
            buffer.writeStr8(String(report.message.utf8Prefix(maxBytes: Int(UInt8.max))))
        }
    }
}

extension ByteBuffer {
    @inlinable
    mutating func readRequired<Integer: FixedWidthInteger>(_ type: Integer.Type, _ what: String) throws(ProtocolError)
        -> Integer
    {
        guard let value = self.readInteger(as: Integer.self) else {
            throw ProtocolError(.invalidPayload, "\(what) truncated")
        }
        return value
    }
}

extension String {
    /// The longest prefix whose UTF-8 fits in `maxBytes`, cut on a character boundary.
    @inlinable
    func utf8Prefix(maxBytes: Int) -> Substring {
        guard self.utf8.count > maxBytes else { return self[...] }
        var end = self.startIndex
        var used = 0
        for index in self.indices {
            let next = self.index(after: index)
            used += self.utf8.distance(from: index, to: next)
            guard used <= maxBytes else { break }
            end = next
        }
        return self[..<end]
    }
}
