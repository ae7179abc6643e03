import DFP
import NIOCore
import Testing

// Helpers shared by the DFP tests: hex conversion, one-call encoding, and parse/decode outcomes that
// can be compared with `==`, so every assertion names the exact result it expects.

/// What `FrameParser.nextFrame` did with a buffer, as a value a test can compare exactly.
enum ParseOutcome: Hashable, CustomStringConvertible {
    case needMoreData
    case frame(Frame)
    case error(ErrorCode)

    var description: String {
        switch self {
        case .needMoreData: "needMoreData"
        case .frame(let frame): "frame(\(frame.type) seq \(frame.seq), \(frame.payload.readableBytes) payload bytes)"
        case .error(let code): "error(\(code.rawValue) \(code))"
        }
    }
}

/// What `Message(frame:)` made of a payload.
enum DecodeOutcome: Hashable, CustomStringConvertible {
    case message(Message)
    case error(ErrorCode)

    var description: String {
        switch self {
        case .message(let message): "message(\(message))"
        case .error(let code): "error(\(code.rawValue) \(code))"
        }
    }
}

/// Runs the parser once on `bytes`.
func parse(_ bytes: [UInt8], maxPayload: Int = Frame.defaultMaxPayload) -> ParseOutcome {
    var buffer = ByteBuffer(bytes: bytes)
    return parseNext(from: &buffer, maxPayload: maxPayload)
}

/// Runs the parser once on `buffer`, consuming what it consumes.
func parseNext(from buffer: inout ByteBuffer, maxPayload: Int = Frame.defaultMaxPayload) -> ParseOutcome {
    do {
        guard let frame = try FrameParser(maxPayload: maxPayload).nextFrame(from: &buffer) else { return .needMoreData }
        return .frame(frame)
    } catch {
        return .error(error.code)
    }
}

/// Frames `payload` as a frame of `type`, then takes it back through the parser and `Message(frame:)`,
/// the path a received frame takes, so payload checks are tested exactly as the gateway meets them.
func decode(_ type: MessageType, payload: [UInt8], sourceLocation: SourceLocation = #_sourceLocation)
    -> DecodeOutcome?
{
    var buffer = ByteBuffer()
    buffer.writeFrame(type: type, seq: 1) { $0.writeBytes(payload) }
    guard case .frame(let frame) = parseNext(from: &buffer, maxPayload: Int(UInt16.max)) else {
        Issue.record("a correctly framed \(type) payload was refused by the parser", sourceLocation: sourceLocation)
        return nil
    }
    return decodeOutcome(of: frame)
}

func decodeOutcome(of frame: Frame) -> DecodeOutcome {
    do {
        return .message(try Message(frame: frame))
    } catch {
        return .error(error.code)
    }
}

/// The wire bytes of one frame carrying `packet`.
func encode(_ packet: Packet) -> [UInt8] {
    var buffer = ByteBuffer()
    buffer.writeFrame(packet.message, flags: packet.flags, seq: packet.seq)
    return Array(buffer.readableBytesView)
}

/// The payload bytes `message` is written as (no frame around it).
func payloadBytes(of message: Message) -> [UInt8] {
    var buffer = ByteBuffer()
    message.writePayload(to: &buffer)
    return Array(buffer.readableBytesView)
}

/// The str8 encoding of raw bytes, for building payloads that the encoder would refuse to write.
func str8(_ bytes: [UInt8]) -> [UInt8] {
    precondition(bytes.count <= 255)
    return [UInt8(bytes.count)] + bytes
}

func str8(_ string: String) -> [UInt8] {
    str8(Array(string.utf8))
}

func bigEndian<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian) { Array($0) }
}

extension MessageType {
    /// Every type DFP/1 defines, in the spec's table order.
    static let allDefined: [MessageType] = [
        .hello, .welcome, .ping, .pong, .telemetry, .event, .command, .commandResult, .ack, .bye, .error,
    ]
}

enum Hex {
    /// Decodes a hex string (no separators); nil when it is not an even number of hex digits.
    static func bytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    static func string(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
