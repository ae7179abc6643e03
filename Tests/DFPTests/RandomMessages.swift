import DFP

/// Makes random but valid DFP/1 packets of every type with fields of every type, biased towards the
/// edges where codecs break: empty and 255-byte strings, multi-byte UTF-8, integer extremes,
/// signed zeros, infinities and subnormals.
struct RandomMessages {
    var generator: SplitMix64

    init(seed: UInt64) {
        self.generator = SplitMix64(seed: seed)
    }

    mutating func packet() -> Packet {
        let type = MessageType.allDefined.randomElement(using: &self.generator)!
        let flags: FrameFlags = Bool.random(using: &self.generator) ? .ackRequested : []
        return Packet(self.message(of: type), seq: self.integer(), flags: flags)
    }

    mutating func message(of type: MessageType) -> Message {
        switch type {
        case .hello:
            .hello(
                Hello(
                    deviceID: self.deviceID(), token: self.string(), profile: self.string(),
                    firmware: self.string(), heartbeatSeconds: self.integer()))
        case .welcome:
            .welcome(Welcome(heartbeatSeconds: self.integer(), serverTimeMs: self.integer(), sessionID: self.string()))
        case .ping: .ping
        case .pong: .pong
        case .ack: .ack
        case .bye: .bye
        case .telemetry: .telemetry(Telemetry(timestampMs: self.integer(), fields: self.fields()))
        case .event: .event(Event(timestampMs: self.integer(), code: self.integer(), fields: self.fields()))
        case .command: .command(Command(commandID: self.integer(), name: self.string(), arguments: self.fields()))
        case .commandResult:
            .commandResult(
                CommandResult(
                    commandID: self.integer(), status: CommandStatus.allCases.randomElement(using: &self.generator)!,
                    fields: self.fields()))
        case .error: .error(ErrorReport(code: ErrorCode(rawValue: self.integer()), message: self.string()))
        default: preconditionFailure("\(type) is not a DFP/1 type")
        }
    }

    mutating func fields() -> [Field] {
        (0..<Int.random(in: 0...8, using: &self.generator)).map { _ in self.field() }
    }

    /// A field of a random type; tags may repeat, which the wire format allows.
    mutating func field() -> Field {
        let type = FieldType.allCases.randomElement(using: &self.generator)!
        return Field(tag: UInt8.random(in: 1...255, using: &self.generator), value: self.value(of: type))
    }

    mutating func value(of type: FieldType) -> FieldValue {
        switch type {
        case .bool: .bool(Bool.random(using: &self.generator))
        case .i8: .i8(self.integer())
        case .u8: .u8(self.integer())
        case .i16: .i16(self.integer())
        case .u16: .u16(self.integer())
        case .i32: .i32(self.integer())
        case .u32: .u32(self.integer())
        case .i64: .i64(self.integer())
        case .u64: .u64(self.integer())
        case .f32: .f32(self.float())
        case .f64: .f64(self.double())
        case .str: .string(self.string())
        case .bytes: .bytes(self.bytes())
        }
    }

    /// An integer that is an extreme of its type a quarter of the time.
    mutating func integer<Integer: FixedWidthInteger>() -> Integer {
        switch Int.random(in: 0..<8, using: &self.generator) {
        case 0: .min
        case 1: .max
        default: .random(in: .min ... .max, using: &self.generator)
        }
    }

    static let specialFloats: [Float] = [
        0, -0.0, 1, -1, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
        .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .ulpOfOne, .pi,
    ]

    static let specialDoubles: [Double] = [
        0, -0.0, 1, -1, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
        .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .ulpOfOne, .pi,
    ]

    /// A special value half of the time, else any bit pattern that is not NaN (NaN != NaN would make
    /// the packet unequal to itself; NaN payloads are covered by a test of their own).
    mutating func float() -> Float {
        if Bool.random(using: &self.generator) { return Self.specialFloats.randomElement(using: &self.generator)! }
        while true {
            let value = Float(bitPattern: self.integer())
            if !value.isNaN { return value }
        }
    }

    mutating func double() -> Double {
        if Bool.random(using: &self.generator) { return Self.specialDoubles.randomElement(using: &self.generator)! }
        while true {
            let value = Double(bitPattern: self.integer())
            if !value.isNaN { return value }
        }
    }

    /// Scalars of every UTF-8 length, plus NUL and a combining mark (which `==` on String would equate
    /// with a precomposed character, so the tests also compare the encoded bytes).
    static let scalarPool: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "~", "\u{0}", "\u{7F}", "é", "ß", "\u{301}", "€", "中", "\u{FFFD}", "😀", "\u{10FFFF}",
    ]

    /// A str8 value: empty, exactly 255 bytes, or short, each with mixed-width characters.
    mutating func string() -> String {
        switch Int.random(in: 0..<10, using: &self.generator) {
        case 0: ""
        case 1: self.string(utf8Length: 255)
        default: self.string(utf8Length: Int.random(in: 1...40, using: &self.generator))
        }
    }

    /// A string of exactly `utf8Length` bytes: random scalars while they fit, ASCII for the rest.
    mutating func string(utf8Length: Int) -> String {
        var scalars = String.UnicodeScalarView()
        var length = 0
        while length < utf8Length {
            var scalar = Self.scalarPool.randomElement(using: &self.generator)!
            if length + UTF8.width(scalar) > utf8Length { scalar = "x" }
            scalars.append(scalar)
            length += UTF8.width(scalar)
        }
        return String(scalars)
    }

    mutating func deviceID() -> String {
        let allowed = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-")
        let length =
            Bool.random(using: &self.generator)
            ? [1, 64].randomElement(using: &self.generator)! : .random(in: 1...64, using: &self.generator)
        return String((0..<length).map { _ in allowed.randomElement(using: &self.generator)! })
    }

    mutating func bytes() -> [UInt8] {
        let length =
            switch Int.random(in: 0..<20, using: &self.generator) {
            case 0, 1: 0
            case 2: Int.random(in: 1000...5000, using: &self.generator)
            default: Int.random(in: 1...64, using: &self.generator)
            }
        return (0..<length).map { _ in UInt8.random(in: 0...255, using: &self.generator) }
    }
}
