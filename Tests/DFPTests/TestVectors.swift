import DFP
import Foundation
import Testing

// Loading of the shared DFP/1 test vectors (Fixtures/vectors.json) and translation of each vector's
// `expect` object into the value the codec must produce.

/// A JSON value that keeps integers exact: the vectors hold u64 timestamps that a Double would round.
enum JSONValue: Decodable, Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case unsigned(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Most specific first: JSONDecoder refuses a number as Bool and a fraction as an integer.
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(UInt64.self) {
            self = .unsigned(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func integer<Integer: FixedWidthInteger>(as type: Integer.Type) -> Integer? {
        switch self {
        case .integer(let value): Integer(exactly: value)
        case .unsigned(let value): Integer(exactly: value)
        default: nil
        }
    }

    var double: Double? {
        switch self {
        case .integer(let value): Double(exactly: value)
        case .unsigned(let value): Double(exactly: value)
        case .double(let value): value
        default: nil
        }
    }

    var string: String? {
        if case .string(let value) = self { value } else { nil }
    }

    var bool: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    var array: [JSONValue]? {
        if case .array(let value) = self { value } else { nil }
    }
}

struct VectorFormatError: Error, CustomStringConvertible {
    var description: String
}

/// One entry of vectors.json.
struct TestVector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var expect: [String: JSONValue]

    var testDescription: String { self.name }

    enum Kind {
        /// `expect.crc16`: the CRC of the raw bytes.
        case crcCheck
        /// `expect.type`: a frame that decodes to exactly the expected message.
        case valid
        /// `expect.error`: bytes the codec refuses with that ERROR code.
        case invalid
    }

    var kind: Kind? {
        if self.expect["crc16"] != nil { return .crcCheck }
        if self.expect["error"] != nil { return .invalid }
        if self.expect["type"] != nil { return .valid }
        return nil
    }
}

struct VectorFile: Sendable {
    var vectors: [TestVector]

    /// The copy bundled with the test target, which is what the codec is checked against.
    static let bundledURL: URL? = Bundle.module.url(
        forResource: "vectors", withExtension: "json", subdirectory: "Fixtures")

    static func loadBundled() throws -> VectorFile {
        guard let url = bundledURL else { throw VectorFormatError(description: "Fixtures/vectors.json not bundled") }
        return try VectorFile(json: Data(contentsOf: url))
    }

    init(json: Data) throws {
        let root = try JSONDecoder().decode([String: JSONValue].self, from: json)
        guard case .array(let entries)? = root["vectors"] else {
            throw VectorFormatError(description: "no \"vectors\" array")
        }
        self.vectors = try entries.map { entry in
            guard case .object(let object) = entry, let name = object["name"]?.string,
                let hex = object["hex"]?.string, case .object(let expect)? = object["expect"]
            else { throw VectorFormatError(description: "vector without name, hex or expect: \(entry)") }
            guard let bytes = Hex.bytes(hex) else { throw VectorFormatError(description: "\(name): bad hex") }
            return TestVector(name: name, bytes: bytes, expect: expect)
        }
    }

    func vectors(of kind: TestVector.Kind) -> [TestVector] {
        self.vectors.filter { $0.kind == kind }
    }

    /// Loaded once for all parameterised tests; a broken file fails those tests instead of crashing.
    static let bundled: Result<VectorFile, any Error> = Result { try loadBundled() }

    static func bundledVectors(of kind: TestVector.Kind) throws -> [TestVector] {
        try self.bundled.get().vectors(of: kind)
    }
}

/// Reads an `expect` object key by key, remembering which keys it used so that a test can insist none
/// was ignored: a key added to the vectors that the test does not check must fail, not pass silently.
struct ExpectationReader {
    private let values: [String: JSONValue]
    private(set) var usedKeys: Set<String> = []

    init(_ values: [String: JSONValue]) {
        self.values = values
    }

    var unusedKeys: Set<String> { Set(self.values.keys).subtracting(self.usedKeys) }

    mutating func value(_ key: String) throws -> JSONValue {
        self.usedKeys.insert(key)
        guard let value = self.values[key] else { throw VectorFormatError(description: "missing \"\(key)\"") }
        return value
    }

    mutating func string(_ key: String) throws -> String {
        guard let string = try self.value(key).string else {
            throw VectorFormatError(description: "\(key): not a string")
        }
        return string
    }

    mutating func integer<Integer: FixedWidthInteger>(_ key: String, as type: Integer.Type = Integer.self) throws
        -> Integer
    {
        guard let value = try self.value(key).integer(as: Integer.self) else {
            throw VectorFormatError(description: "\(key): not a \(Integer.self)")
        }
        return value
    }

    /// Keys the vectors leave out when they are zero, such as `flags`.
    mutating func integer<Integer: FixedWidthInteger>(_ key: String, default: Integer) throws -> Integer {
        self.values[key] == nil ? `default` : try self.integer(key, as: Integer.self)
    }

    mutating func fields(_ key: String) throws -> [Field] {
        guard let list = try self.value(key).array else { throw VectorFormatError(description: "\(key): not a list") }
        return try list.map(Self.field(from:))
    }

    /// A field written as `[tag, type name, value]`, bytes values in hex.
    static func field(from json: JSONValue) throws -> Field {
        guard let triple = json.array, triple.count == 3, let tag = triple[0].integer(as: UInt8.self),
            let typeName = triple[1].string, let type = FieldType(name: typeName)
        else { throw VectorFormatError(description: "bad field \(json)") }
        let raw = triple[2]
        let value: FieldValue? =
            switch type {
            case .bool: raw.bool.map(FieldValue.bool)
            case .i8: raw.integer(as: Int8.self).map(FieldValue.i8)
            case .u8: raw.integer(as: UInt8.self).map(FieldValue.u8)
            case .i16: raw.integer(as: Int16.self).map(FieldValue.i16)
            case .u16: raw.integer(as: UInt16.self).map(FieldValue.u16)
            case .i32: raw.integer(as: Int32.self).map(FieldValue.i32)
            case .u32: raw.integer(as: UInt32.self).map(FieldValue.u32)
            case .i64: raw.integer(as: Int64.self).map(FieldValue.i64)
            case .u64: raw.integer(as: UInt64.self).map(FieldValue.u64)
            // Only values a Float holds exactly belong in a vector; anything else is a broken vector.
            case .f32: raw.double.flatMap { Float(exactly: $0) }.map(FieldValue.f32)
            case .f64: raw.double.map(FieldValue.f64)
            case .str: raw.string.map(FieldValue.string)
            case .bytes: raw.string.flatMap(Hex.bytes).map(FieldValue.bytes)
            }
        guard let value else { throw VectorFormatError(description: "field \(tag): \(raw) is not a \(type)") }
        return Field(tag: tag, value: value)
    }

    /// The packet a valid vector's `expect` describes.
    mutating func packet() throws -> Packet {
        let typeName = try self.string("type")
        guard let type = MessageType.allDefined.first(where: { $0.description == typeName }) else {
            throw VectorFormatError(description: "unknown type name \(typeName)")
        }
        let seq = try self.integer("seq", as: UInt16.self)
        let flags = FrameFlags(rawValue: try self.integer("flags", default: 0))
        let message: Message
        switch type {
        case .hello:
            message = .hello(
                Hello(
                    deviceID: try self.string("device_id"), token: try self.string("token"),
                    profile: try self.string("profile"), firmware: try self.string("firmware"),
                    heartbeatSeconds: try self.integer("heartbeat_s")))
        case .welcome:
            message = .welcome(
                Welcome(
                    heartbeatSeconds: try self.integer("heartbeat_s"), serverTimeMs: try self.integer("server_time_ms"),
                    sessionID: try self.string("session_id")))
        case .ping: message = .ping
        case .pong: message = .pong
        case .ack: message = .ack
        case .bye: message = .bye
        case .telemetry:
            message = .telemetry(
                Telemetry(timestampMs: try self.integer("timestamp_ms"), fields: try self.fields("fields")))
        case .event:
            message = .event(
                Event(
                    timestampMs: try self.integer("timestamp_ms"), code: try self.integer("event_code"),
                    fields: try self.fields("fields")))
        case .command:
            message = .command(
                Command(
                    commandID: try self.integer("command_id"), name: try self.string("name"),
                    arguments: try self.fields("fields")))
        case .commandResult:
            let rawStatus: UInt8 = try self.integer("status")
            guard let status = CommandStatus(rawValue: rawStatus) else {
                throw VectorFormatError(description: "status \(rawStatus)")
            }
            message = .commandResult(
                CommandResult(
                    commandID: try self.integer("command_id"), status: status, fields: try self.fields("fields"))
            )
        case .error:
            message = .error(
                ErrorReport(code: ErrorCode(rawValue: try self.integer("code")), message: try self.string("message")))
        default:
            throw VectorFormatError(description: "no expectation builder for \(type)")
        }
        return Packet(message, seq: seq, flags: flags)
    }
}
