import Foundation

/// A JSON document, built by the event encoders the dashboard and the MQTT bridge share, and written
/// with `serialized()`.
///
/// Messages are assembled from the gateway's own types (named values, statuses) whose shape depends on
/// the device's profile, which `Codable` models poorly; a small value type keeps that direct and lets
/// each sink serialize an event once for all its consumers.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Keys keep their order, so messages read naturally (`type` first).
    case object([(String, JSONValue)])

    /// The document as UTF-8 bytes, as a broker or a socket takes it.
    public func serializedBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(160)
        self.write(into: &output)
        return output
    }

    public func serialized() -> String {
        String(decoding: self.serializedBytes(), as: UTF8.self)
    }

    /// Appends the document's UTF-8 bytes; written byte by byte rather than through `String`, whose
    /// appends cost more than the rest of an MQTT publish (measured with perf).
    public func write(into output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): Self.writeInteger(value.magnitude, negative: value < 0, into: &output)
        case .uint(let value): Self.writeInteger(value, negative: false, into: &output)
        case .double(let value):
            // JSON has no NaN or infinity; a device can still send them in an f32/f64 field.
            if !value.isFinite {
                output.append(contentsOf: "null".utf8)
            } else if value == value.rounded() && abs(value) < 1e15 {
                Self.writeInteger(Int64(value).magnitude, negative: value < 0, into: &output)
            } else {
                output.append(contentsOf: value.description.utf8)
            }
        case .string(let value): Self.writeString(value, into: &output)
        case .array(let values):
            output.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                value.write(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                value.write(into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    static func writeInteger(_ magnitude: UInt64, negative: Bool, into output: inout [UInt8]) {
        if negative { output.append(UInt8(ascii: "-")) }
        guard magnitude > 0 else {
            output.append(UInt8(ascii: "0"))
            return
        }
        let start = output.count
        var rest = magnitude
        while rest > 0 {
            output.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        output[start...].reverse()
    }

    static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\n"): output.append(contentsOf: "\\n".utf8)
            case UInt8(ascii: "\r"): output.append(contentsOf: "\\r".utf8)
            case UInt8(ascii: "\t"): output.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: "\\u00".utf8)
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            default:
                // UTF-8 beyond ASCII is valid JSON as it is.
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Parses a request body, a WebSocket message or an MQTT payload.
    public static func parse(_ text: some StringProtocol) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .uint(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }
}

extension JSONValue: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let values = try? container.decode([JSONValue].self) {
            self = .array(values)
        } else {
            let members = try container.decode([String: JSONValue].self)
            self = .object(members.sorted { $0.key < $1.key })
        }
    }
}
